"""Live updates for every open console as Server-Sent Events (``GET /api/events``)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from lanyan.api.deps import CurrentActor
from lanyan.core.events import BUS
from lanyan.core.permissions import Action

router = APIRouter(tags=["events 实时"])
HEARTBEAT_S = 15.0


@router.get("/api/events")
async def stream(
    actor: CurrentActor,
    limit: Annotated[int | None, Query(ge=1, le=100_000, description="end after N events")] = None,
    max_seconds: Annotated[
        float | None, Query(gt=0, le=86_400, description="end the stream after this long")
    ] = None,
) -> StreamingResponse:
    """Every change in your jurisdiction as it is committed (incident, assignment, unit status)."""
    actor.require(Action.READ)
    subscriber = BUS.subscribe(actor.org_path)

    async def events() -> AsyncIterator[str]:
        sent = 0
        loop = asyncio.get_running_loop()
        deadline = None if max_seconds is None else loop.time() + max_seconds
        try:
            yield ": connected\n\n"
            while limit is None or sent < limit:
                wait = HEARTBEAT_S if deadline is None else min(HEARTBEAT_S, deadline - loop.time())
                if wait <= 0:
                    return
                try:
                    item = await asyncio.wait_for(subscriber.queue.get(), timeout=wait)
                except TimeoutError:
                    if deadline is None or loop.time() < deadline:
                        yield ": heartbeat\n\n"
                    continue
                data = json.dumps(item.data, ensure_ascii=False, default=str)
                yield f"event: {item.type}\ndata: {data}\n\n"
                sent += 1
        finally:
            BUS.unsubscribe(subscriber)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
