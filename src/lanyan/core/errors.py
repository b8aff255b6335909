"""Domain errors with a message a dispatcher can read (Chinese first, English beside it).

The API turns each into ``application/problem+json`` (RFC 9457); the CLI prints it.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a user may see. ``detail`` is Chinese, ``detail_en`` English."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, detail_en: str, *, errors: list[dict[str, Any]] | None = None):
        super().__init__(detail_en)
        self.detail = detail
        self.detail_en = detail_en
        self.errors = errors or []


class NotFound(DomainError):
    """The record does not exist, or lies outside the user's jurisdiction (we do not say which)."""

    status = 404
    title = "Not found"


class Forbidden(DomainError):
    """The user's role does not allow the action."""

    status = 403
    title = "Forbidden"


class Unauthorized(DomainError):
    """No valid session."""

    status = 401
    title = "Unauthorized"


class Conflict(DomainError):
    """The action clashes with the current state (duplicate id, illegal transition, in use)."""

    status = 409
    title = "Conflict"


class Invalid(DomainError):
    """The input is well-formed but not acceptable."""

    status = 422
    title = "Invalid input"


class TooManyRequests(DomainError):
    """Rate limit reached; ``retry_after_s`` tells when to try again."""

    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, detail_en: str, *, retry_after_s: int):
        super().__init__(detail, detail_en)
        self.retry_after_s = retry_after_s


def not_found(what_zh: str, what_en: str, ident: object) -> NotFound:
    """The usual 404 for a record ``ident`` of a kind."""
    return NotFound(f"{what_zh}不存在或不在您的管辖范围内：{ident}", f"{what_en} {ident} not found")
