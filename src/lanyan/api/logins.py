"""Logins already resolved: the actor behind a token, without three queries per request.

Every API request names its login by a token; resolving it reads the session, the user and the
user's organization. A console polling every second asks the same thing each time, so the actor
is kept here for the token's digest while the tables it came from are unchanged in this process
(a logout, a disabled account or a moved organization here is seen by the very next request)
and for at most :data:`TTL_S` (a logout through another server process takes effect after that).
The session's own expiry is checked on every use.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from lanyan.core import changes
from lanyan.core.actor import Actor
from lanyan.core.clock import utcnow
from lanyan.core.security import token_digest

TTL_S = 2.0
MAX_LOGINS = 10_000
TABLES = ("auth_session", "user_account", "organization")


@dataclass(frozen=True)
class _Known:
    token: tuple[int, ...]
    born: float
    actor: Actor
    expires_at: datetime


class LoginCache:
    """Actors by token digest; see the module docstring for when one is reused."""

    def __init__(self, ttl_s: float = TTL_S) -> None:
        self.ttl_s = ttl_s
        self._known: dict[str, _Known] = {}
        self._lock = threading.Lock()

    @staticmethod
    def version() -> tuple[int, ...]:
        """Read before resolving a token: a change meanwhile retires what is kept under it."""
        return changes.versions(TABLES)

    def get(self, token: str) -> Actor | None:
        """The actor kept for ``token`` if it is still certainly valid, else None."""
        with self._lock:
            known = self._known.get(token_digest(token))
        if known is None or known.token != changes.versions(TABLES):
            return None
        if time.monotonic() - known.born > self.ttl_s or known.expires_at <= utcnow():
            return None
        return known.actor

    def keep(
        self, token: str, actor: Actor, expires_at: datetime, version: tuple[int, ...]
    ) -> None:
        """Remember ``actor`` for ``token`` as resolved under ``version``."""
        with self._lock:
            if len(self._known) >= MAX_LOGINS:
                self._known.clear()
            self._known[token_digest(token)] = _Known(version, time.monotonic(), actor, expires_at)
