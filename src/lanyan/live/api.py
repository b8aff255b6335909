"""Live updates for every open console as Server-Sent Events (``GET /api/events``).

A stream holds no database connection and no worker thread while it waits: the login is resolved
by a short session closed before streaming starts (:func:`lanyan.api.deps.get_stream_login`), the
generator is async and only awaits its queue. Every ``LANYAN_LIVE_RECHECK_SECONDS`` (a minute) the
login is re-checked with a fresh short session (a logout or a disabled account ends the stream),
and the stream ends when the login expires, so a console left open does not outlive its shift.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from lanyan.api.deps import StreamLogin, StreamLoginDep, resolve_login
from lanyan.core.clock import utcnow
from lanyan.core.errors import Unauthorized
from lanyan.core.events import BUS
from lanyan.core.permissions import Action

router = APIRouter(tags=["events 实时"])
log = logging.getLogger(__name__)

HEARTBEAT_S = 15.0
"""A comment line this often keeps proxies from closing an idle stream."""
BATCH_S = 0.1
"""A stream that wakes for an event waits this long for the ones that follow and sends them in one
write. A busy dispatch room commits events in bursts (a dispatch, then each crew's status); with
two hundred consoles open, one write per event per stream cost the server a fifth of its CPU."""


async def _login_ended(factory: sessionmaker[Session], login: StreamLogin) -> dict[str, str] | None:
    """Why the stream's login no longer holds (Chinese and English), or None while it does."""
    try:
        now = await run_in_threadpool(resolve_login, factory, login.token, login.actor.ip)
    except Unauthorized as exc:
        return {"detail": exc.detail, "detail_en": exc.detail_en}
    except SQLAlchemyError:  # the database is away: keep the console live, ask again later
        log.warning("live stream could not re-check its login", exc_info=True)
        return None
    if now.actor != login.actor:
        return {"detail": "账号的角色或单位已变更，请重新连接", "detail_en": "role or unit changed"}
    return None


_EXPIRED = {"detail": "登录已过期，请重新登录", "detail_en": "session expired; log in again"}


def _frame(kind: str, data: object) -> str:
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


@router.get("/api/events")
async def stream(
    request: Request,
    login: StreamLoginDep,
    limit: Annotated[int | None, Query(ge=1, le=100_000, description="end after N events")] = None,
    max_seconds: Annotated[
        float | None, Query(gt=0, le=86_400, description="end the stream after this long")
    ] = None,
) -> StreamingResponse:
    """Every change in your jurisdiction as it is committed (incident, assignment, unit status).

    The stream ends with a ``session.ended`` event when the login is logged out, disabled or
    expires.
    """
    actor = login.actor
    actor.require(Action.READ)
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    recheck_s: float = request.app.state.settings.live_recheck_seconds

    async def events() -> AsyncIterator[str]:
        # subscribed here, not in the handler: a generator that never starts (the client left
        # first) never runs its finally, and would leave the subscriber behind
        subscriber = BUS.subscribe(actor.org_path)
        sent = 0
        loop = asyncio.get_running_loop()
        last_write = start = loop.time()
        expires = start + (login.expires_at - utcnow()).total_seconds()
        deadline = expires if max_seconds is None else min(expires, start + max_seconds)
        next_check = start + recheck_s
        try:
            yield ": connected\n\n"
            while limit is None or sent < limit:
                now = loop.time()
                if now >= expires:
                    yield _frame("session.ended", _EXPIRED)
                    return
                if now >= deadline:  # max_seconds
                    return
                if now >= next_check:
                    next_check = now + recheck_s
                    ended = await _login_ended(factory, login)
                    if ended is not None:
                        yield _frame("session.ended", ended)
                        return
                if now - last_write >= HEARTBEAT_S:
                    yield ": heartbeat\n\n"
                    last_write = now
                wait = min(last_write + HEARTBEAT_S, deadline, next_check) - now
                try:
                    async with asyncio.timeout(max(wait, 0)):  # no task per wait, as wait_for
                        item = await subscriber.queue.get()
                except TimeoutError:
                    continue
                frames = [item.frame]
                await asyncio.sleep(BATCH_S)
                while not subscriber.queue.empty() and (
                    limit is None or sent + len(frames) < limit
                ):
                    frames.append(subscriber.queue.get_nowait().frame)
                yield "".join(frames)
                last_write = loop.time()
                sent += len(frames)
        finally:
            BUS.unsubscribe(subscriber)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
