"""One page type for every list the API returns, counted one way.

A list endpoint takes ``limit``/``offset`` (``lanyan.api.deps.Limit``/``Offset``), gets a query
from its service (already restricted by :func:`lanyan.core.jurisdiction.visible`) and returns::

    return paginate(session, stmt, limit, offset, UnitPublic.model_validate)

with ``response_model=Page[UnitPublic]``. The JSON is ``{"items": [...], "total": N, "limit": L,
"offset": O}``; the web pages read ``items`` and ``total``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: its items, how many match in all, and the window asked for."""

    items: list[T]
    total: int = Field(ge=0, description="rows matching the filters, over all pages")
    limit: int = Field(ge=0, description="page size asked for")
    offset: int = Field(ge=0, description="rows skipped before this page")


def count(session: Session, stmt: Select[Any]) -> int:
    """How many rows ``stmt`` returns (its ordering dropped)."""
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def paginate(
    session: Session,
    stmt: Select[Any],
    limit: int,
    offset: int,
    item: Callable[[Any], T],
) -> Page[T]:
    """Run ``stmt`` for one window and count all its rows; ``item`` turns a row into the output.

    Rows are ORM objects (``stmt`` selects one entity; duplicates from joined eager loads are
    merged).
    """
    rows: Sequence[Any] = session.scalars(stmt.limit(limit).offset(offset)).unique().all()
    return Page[T](
        items=[item(row) for row in rows],
        total=count(session, stmt),
        limit=limit,
        offset=offset,
    )


def page_json(page: Page[Any]) -> bytes:
    """The JSON of ``page`` as FastAPI would send it for ``response_model=Page[...]``.

    For answers kept by :mod:`lanyan.api.cache`, which hands FastAPI the bytes themselves.
    """
    return page.__pydantic_serializer__.to_json(page)


def page_of(items: Sequence[T], total: int, limit: int, offset: int) -> Page[T]:
    """A page built from rows already fetched (a list computed in Python, not by one query)."""
    return Page[T](items=list(items), total=total, limit=limit, offset=offset)
