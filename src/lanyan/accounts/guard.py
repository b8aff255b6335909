"""The login limit: bounded guessing that an outsider cannot turn into a lock-out of a 119 room.

Policy (``LANYAN_LOGIN_MAX_FAILURES`` = *N* guesses in ``LANYAN_LOGIN_WINDOW_SECONDS``):

- **Per account at an address** (user name × client address): at most *N* passwords are checked
  per window, whoever tries them. This bounds brute force everywhere, known addresses included.
  A successful login clears the count of its own account at its own address.
- **Per address** (any user names) and **per account from strange addresses**: at most 4 × *N*
  each. They stop one address from trying many accounts and many addresses from trying one, but
  they only apply where the account is a stranger: an address the account has logged in from
  before (:class:`~lanyan.accounts.models.KnownLoginAddress`, remembered on every success) or an
  address in ``LANYAN_LOGIN_TRUSTED_NETWORKS`` is never blocked by them, nor counted in them.

So an attacker who exhausts every limit against a dispatcher from outside locks out only
themselves: the dispatcher still logs in from the duty room's PC (known, or trusted), and a
colleague whose account is known on a shared PC or behind a NAT is not refused because someone
else there failed 4 × *N* times. A user on an address new to them while their account is under
attack from many addresses waits out the window, or the address goes into the trusted networks.
What stays possible, as the price of bounding brute force: someone at the owner's own address
(the same PC, the same NAT) can use up that account's *N* guesses there for one window.

Every guess takes its slots *before* its password is checked, in a short transaction of its own
(:func:`reserve`): a counter row per key is updated with ``UPDATE … WHERE failures < limit``
(PostgreSQL locks the row and re-checks the condition; SQLite serializes writers), so however
many guesses arrive at once, at most the limit of them reach argon2. The check itself runs with
no transaction open, so a slow verify never holds the database's write lock. A failure keeps its
slots; a success gives them back (:func:`forgive`).
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, delete, exists, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lanyan.accounts.models import KnownLoginAddress, LoginThrottle
from lanyan.core.config import Settings, parse_networks
from lanyan.core.errors import TooManyRequests

SHARED_FACTOR = 4
"""The per-address and per-account-from-strange-addresses limits, in multiples of the pair's."""
NO_ADDRESS = "-"


@dataclass(frozen=True, slots=True)
class Slots:
    """The counters one guess took a slot in."""

    pair: str
    """The account at this address."""
    shared: tuple[str, ...]
    """The address and the account from strange addresses (empty where the account is known)."""


def is_trusted(ip: str | None, settings: Settings) -> bool:
    """Whether ``ip`` lies in ``LANYAN_LOGIN_TRUSTED_NETWORKS``."""
    networks = parse_networks(settings.login_trusted_networks, "LANYAN_LOGIN_TRUSTED_NETWORKS")
    if ip is None or not networks:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in net for net in networks)


def is_known(session: Session, *, user_id: int, ip: str | None) -> bool:
    """Whether the user has logged in from ``ip`` before."""
    if ip is None:
        return False
    found = session.scalar(
        select(exists().where(KnownLoginAddress.user_id == user_id, KnownLoginAddress.ip == ip))
    )
    return bool(found)


def _limits(username: str, ip: str | None, *, known: bool, limit: int) -> list[tuple[str, int]]:
    address = ip or NO_ADDRESS
    keys = [(f"pair:{address}|{username}", limit)]
    if not known:
        keys += [
            (f"addr:{address}", SHARED_FACTOR * limit),
            (f"user:{username}", SHARED_FACTOR * limit),
        ]
    return keys  # always in this order: concurrent reservations lock rows in one order, no deadlock


def _upsert(dialect: str) -> Any:
    """``INSERT … ON CONFLICT`` of the database (both spell it the same way)."""
    return pg_insert if dialect == "postgresql" else sqlite_insert


def _insert_missing(conn: Connection, key: str, now: datetime) -> None:
    values = {"key": key, "failures": 0, "window_started_at": now}
    stmt = _upsert(conn.dialect.name)(LoginThrottle).values(values)
    conn.execute(stmt.on_conflict_do_nothing(index_elements=["key"]))


def _take_slot(conn: Connection, key: str, limit: int, now: datetime, since: datetime) -> bool:
    """One more guess under ``key`` if it has room; a window that has run out starts afresh."""
    stale = LoginThrottle.window_started_at < since
    taken = conn.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, or_(stale, LoginThrottle.failures < limit))
        .values(
            failures=case((stale, 1), else_=LoginThrottle.failures + 1),
            window_started_at=case((stale, now), else_=LoginThrottle.window_started_at),
        )
    )
    return taken.rowcount == 1


def _refusal(window_started_at: datetime, now: datetime, settings: Settings) -> TooManyRequests:
    window_end = window_started_at + timedelta(seconds=settings.login_window_seconds)
    return TooManyRequests(
        "登录失败次数过多，请稍后再试",
        "too many failed logins; try again later",
        retry_after_s=max(1, math.ceil((window_end - now).total_seconds())),
    )


def reserve(
    session: Session,
    *,
    username: str,
    ip: str | None,
    known: bool,
    now: datetime,
    settings: Settings,
) -> Slots:
    """Take this guess's slots and commit, or refuse it (429) and leave every counter as it was.

    Call with no transaction open (or one that may be committed): the slots are committed here,
    before the password is checked.

    Raises
    ------
    lanyan.core.errors.TooManyRequests
        When any of the guess's counters is full; ``retry_after_s`` says when it empties.
    """
    since = now - timedelta(seconds=settings.login_window_seconds)
    keys = _limits(username, ip, known=known, limit=settings.login_max_failures)
    conn = session.connection()
    for key, limit in keys:
        for _ in range(3):  # a stale row may be pruned between our insert and update: again
            _insert_missing(conn, key, now)
            if _take_slot(conn, key, limit, now, since):
                break
            started = conn.scalar(
                select(LoginThrottle.window_started_at).where(LoginThrottle.key == key)
            )
            if started is not None:
                session.rollback()
                raise _refusal(started, now, settings)
        else:
            session.rollback()
            raise _refusal(now, now, settings)
    session.commit()
    return Slots(pair=keys[0][0], shared=tuple(key for key, _ in keys[1:]))


def forgive(session: Session, slots: Slots) -> None:
    """After a success: clear the account's count at this address, give back the shared slots."""
    session.execute(update(LoginThrottle).where(LoginThrottle.key == slots.pair).values(failures=0))
    if slots.shared:
        session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key.in_(slots.shared), LoginThrottle.failures > 0)
            .values(failures=LoginThrottle.failures - 1)
        )


def remember(session: Session, *, user_id: int, ip: str | None, now: datetime) -> None:
    """Note ``ip`` as a known address of the user (after a successful login)."""
    if ip is None:
        return
    values = {"user_id": user_id, "ip": ip, "last_login_at": now}
    stmt = _upsert(session.get_bind().dialect.name)(KnownLoginAddress).values(values)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["user_id", "ip"], set_={"last_login_at": stmt.excluded.last_login_at}
        )
    )


def prune(session: Session, *, now: datetime, settings: Settings) -> None:
    """Drop counters whose window has run out (they count as empty anyway)."""
    since = now - timedelta(seconds=settings.login_window_seconds)
    session.execute(delete(LoginThrottle).where(LoginThrottle.window_started_at < since))
