"""Live updates for every open console as Server-Sent Events (``GET /api/events``)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from lanyan.core.api import CurrentActor
from lanyan.core.events import BUS
from lanyan.core.permissions import Action

router = APIRouter(tags=["events 实时"])
HEARTBEAT_S = 15.0


@router.get("/api/events")
async def stream(
    actor: CurrentActor,
    limit: Annotated[int | None, Query(ge=1, le=100_000, description="end after N events")] = None,
) -> StreamingResponse:
    """Every change in your jurisdiction as it is committed (incident, assignment, unit status)."""
    actor.require(Action.READ)
    subscriber = BUS.subscribe(actor.org_path)

    async def events() -> AsyncIterator[str]:
        sent = 0
        try:
            yield ": connected\n\n"
            while limit is None or sent < limit:
                try:
                    item = await asyncio.wait_for(subscriber.queue.get(), timeout=HEARTBEAT_S)
                except TimeoutError:
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
