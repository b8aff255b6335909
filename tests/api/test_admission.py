"""A busy room's reads wait their turn; a 119 call and every write go straight in.

The middleware is exercised around a small ASGI app whose reads block until the test lets them
go, so "the server is busy" is a fact of the test, not a matter of timing.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from tests.factories import World, run_async

from lanyan.api.admission import Admission, Lane, lane_of, role_of
from lanyan.core.callboard import stepping_back
from lanyan.core.permissions import Role


@pytest.mark.parametrize(
    ("method", "path", "role", "lane"),
    [
        ("POST", "/api/dispatch/incidents", None, Lane.CALL),
        ("POST", "/api/dispatch/incidents/3/assignments", Role.DISPATCHER, Lane.CALL),
        ("POST", "/api/dispatch/assignments/7/status", Role.STATION, Lane.URGENT),
        ("POST", "/api/auth/login", None, Lane.URGENT),
        ("GET", "/api/dispatch/incidents", Role.COMMANDER, Lane.READ),
        ("GET", "/api/dispatch/incidents/3/recommendation", Role.DISPATCHER, Lane.CALL),
        ("POST", "/api/dispatch/incidents/3/close", Role.COMMANDER, Lane.URGENT),
        ("GET", "/api/dispatch/incidents/3/recommendation", Role.LEADER, Lane.READ),
        ("GET", "/api/premises", None, Lane.READ),
        ("POST", "/api/exchange/premises/import", Role.ADMIN, Lane.BULK),
        ("GET", "/api/stats/summary", Role.DISPATCHER, Lane.BULK),
        ("GET", "/api/events", Role.COMMANDER, Lane.FREE),
        ("GET", "/static/js/console.js", None, Lane.FREE),
    ],
)
def test_the_lane_of_a_request(method: str, path: str, role: Role | None, lane: Lane) -> None:
    assert lane_of(method, path, role) is lane


def _blocking_app(release: asyncio.Event, inside: list[str]) -> Starlette:
    async def read(request: Request) -> PlainTextResponse:
        inside.append(request.url.path)
        await release.wait()
        return PlainTextResponse("read")

    async def write(request: Request) -> PlainTextResponse:
        return PlainTextResponse("written")

    return Starlette(
        routes=[
            Route("/api/list/{n}", read),
            Route("/api/dispatch/incidents", write, methods=["POST"]),
        ]
    )


def test_reads_beyond_the_limit_wait_while_a_call_goes_straight_in() -> None:
    async def run() -> None:
        release = asyncio.Event()
        inside: list[str] = []
        app = Admission(_blocking_app(release, inside), reads_at_once=2)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            reads = [asyncio.create_task(client.get(f"/api/list/{n}")) for n in range(5)]
            for _ in range(50):
                await asyncio.sleep(0)
            assert len(inside) == 2  # two reads are served, three wait outside
            call = await asyncio.wait_for(client.post("/api/dispatch/incidents"), timeout=5)
            assert call.text == "written"
            assert len(inside) == 2 and not any(r.done() for r in reads)
            release.set()
            answers = await asyncio.wait_for(asyncio.gather(*reads), timeout=5)
            assert [a.text for a in answers] == ["read"] * 5
            assert len(inside) == 5

    run_async(run())


def test_a_dispatchers_login_is_known_to_the_admission_without_a_query(
    app_client: TestClient, world: World
) -> None:
    headers = world.headers("dispatcher_a")
    scope = {
        "type": "http",
        "app": app_client.app,
        "headers": [(b"authorization", headers["Authorization"].encode())],
    }
    assert app_client.get("/api/forces/units", headers=headers).status_code == 200
    assert role_of(scope) is Role.DISPATCHER
    scope["headers"] = [(b"cookie", f"x=1; lanyan_session={world.tokens['officer_a']}".encode())]
    assert (
        app_client.get("/api/forces/units", headers=world.headers("officer_a")).status_code == 200
    )
    assert role_of(scope) is Role.PREVENTION
    scope["headers"] = [(b"authorization", b"Bearer not-a-token")]
    assert role_of(scope) is None


def _call_blocking_app(release: asyncio.Event, inside: list[str]) -> Starlette:
    async def take_call(request: Request) -> PlainTextResponse:
        inside.append("call")
        await release.wait()
        return PlainTextResponse("taken")

    async def other(request: Request) -> PlainTextResponse:
        inside.append(f"{request.method} {request.url.path}")
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/api/dispatch/incidents", take_call, methods=["POST"]),
            Route("/api/list/{n}", other),
            Route("/api/dispatch/assignments/{n}/status", other, methods=["POST"]),
            Route("/api/events", other),
        ]
    )


def test_while_a_call_is_taken_nothing_else_goes_in_but_streams() -> None:
    async def run() -> None:
        release = asyncio.Event()
        inside: list[str] = []
        app = Admission(_call_blocking_app(release, inside))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            call = asyncio.create_task(client.post("/api/dispatch/incidents"))
            for _ in range(50):
                await asyncio.sleep(0)
            assert inside == ["call"]
            held = [
                asyncio.create_task(client.get("/api/list/1")),
                asyncio.create_task(client.post("/api/dispatch/assignments/7/status")),
            ]
            stream = await asyncio.wait_for(client.get("/api/events"), timeout=5)
            assert stream.text == "ok"
            for _ in range(50):
                await asyncio.sleep(0)
            assert inside == ["call", "GET /api/events"]  # the read and the crew's write wait
            release.set()
            assert (await asyncio.wait_for(call, timeout=5)).text == "taken"
            answers = await asyncio.wait_for(asyncio.gather(*held), timeout=5)
            assert [a.text for a in answers] == ["ok", "ok"]

    run_async(run())


def test_a_storm_of_calls_holds_the_others_for_a_bounded_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("lanyan.api.admission.CALL_HOLD_S", 0.2)

    async def run() -> None:
        release = asyncio.Event()
        inside: list[str] = []
        app = Admission(_call_blocking_app(release, inside))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            call = asyncio.create_task(client.post("/api/dispatch/incidents"))
            for _ in range(50):
                await asyncio.sleep(0)
            read = await asyncio.wait_for(client.get("/api/list/1"), timeout=5)
            assert read.text == "ok" and not call.done()  # went in after the hold
            release.set()
            await asyncio.wait_for(call, timeout=5)

    run_async(run())


COMMANDER = {"Authorization": "Bearer commander"}
DISPATCHER = {"Authorization": "Bearer dispatcher"}
"""The two logins the kept-list app knows: a reader (duty commander) and a 119 dispatcher."""


def _client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def _kept_list_app(release: asyncio.Event, built: list[int]) -> Any:
    """A list kept in a real answer cache (reading table ``incident``) and a read that blocks,
    behind the admission (an ASGI app)."""
    from lanyan.api.cache import ResponseCache, answer_key
    from lanyan.api.logins import LoginCache
    from lanyan.core.actor import Actor

    async def kept_list(request: Request) -> PlainTextResponse:
        actor = request.app.state.logins.get(request.headers["authorization"][7:])

        def build() -> bytes:
            built.append(1)
            return f'{{"version": {len(built)}}}'.encode()

        body = request.app.state.response_cache.get(
            answer_key(request.scope, actor), ("incident",), build
        )
        return PlainTextResponse(body, media_type="application/json")

    async def slow(request: Request) -> PlainTextResponse:
        await release.wait()
        return PlainTextResponse("slow")

    async def write(request: Request) -> PlainTextResponse:
        return PlainTextResponse("written")

    inner = Starlette(
        routes=[
            Route("/api/kept", kept_list),
            Route("/api/slow/{n}", slow),
            Route("/api/write", write, methods=["POST"]),
        ]
    )
    inner.state.response_cache = ResponseCache()
    inner.state.logins = LoginCache(ttl_s=3600)
    for token, role in (("commander", Role.COMMANDER), ("dispatcher", Role.DISPATCHER)):
        actor = Actor(1, token, role, 1, "/1/")
        inner.state.logins.keep(
            token, actor, datetime.now(UTC) + timedelta(hours=1), LoginCache.version()
        )
    admission = Admission(inner, reads_at_once=2)

    def asgi(scope, receive, send):  # type: ignore[no-untyped-def]
        scope["app"] = inner  # as Starlette sets it before the middleware runs
        return admission(scope, receive, send)

    return asgi


def test_a_busy_read_lane_gives_readers_the_kept_answer_of_a_second_ago() -> None:
    """With every reading place taken, a wall screen gets the list kept a moment ago (with its
    age) instead of a place in the queue; a dispatcher, and the reader who just wrote, get the
    list as it is now."""
    from lanyan.core import changes

    async def run() -> None:
        release = asyncio.Event()
        built: list[int] = []
        async with _client(_kept_list_app(release, built)) as client:
            first = await client.get("/api/kept", headers=COMMANDER)
            assert first.json() == {"version": 1} and "age" not in first.headers
            changes.bump(("incident",))
            quiet = await client.get("/api/kept", headers=COMMANDER)
            assert quiet.json() == {"version": 2}  # not busy: the answer is never older
            busy = [
                asyncio.create_task(client.get(f"/api/slow/{n}", headers=COMMANDER))
                for n in range(2)
            ]
            for _ in range(50):
                await asyncio.sleep(0)
            changes.bump(("incident",))
            stale = await asyncio.wait_for(client.get("/api/kept", headers=COMMANDER), 5)
            assert stale.json() == {"version": 2} and stale.headers["age"] == "0"
            fresh = await asyncio.wait_for(client.get("/api/kept", headers=DISPATCHER), 5)
            assert fresh.json() == {"version": 3}  # the call lane: as it is now
            changes.bump(("incident",))
            wrote = await asyncio.wait_for(
                client.post("/api/write", headers=COMMANDER), 5
            )  # the commander's own write, then their next read
            assert wrote.text == "written"
            waiting = asyncio.create_task(client.get("/api/kept", headers=COMMANDER))
            for _ in range(50):
                await asyncio.sleep(0)
            assert not waiting.done()  # queued for a place: not the answer from before the write
            release.set()
            assert (await asyncio.wait_for(waiting, 5)).json() == {"version": 4}
            await asyncio.gather(*busy)

    run_async(run())


def test_readers_and_only_readers_step_back_for_calls_taken_elsewhere() -> None:
    """A GET of the read or bulk lane runs marked to step back (lanyan.core.callboard); a call,
    a write and a stream do not."""

    def marked(request: Request) -> PlainTextResponse:  # synchronous: run in the thread pool
        return PlainTextResponse(str(stepping_back.get()))

    app = Admission(
        Starlette(
            routes=[
                Route("/api/premises", marked),
                Route("/api/stats/summary", marked),
                Route("/api/events", marked),
                Route("/api/dispatch/incidents", marked, methods=["GET", "POST"]),
                Route("/api/dispatch/assignments/1/status", marked, methods=["POST"]),
            ]
        )
    )
    with TestClient(app) as client:
        assert client.get("/api/premises").text == "True"
        assert client.get("/api/stats/summary").text == "True"
        assert client.get("/api/dispatch/incidents").text == "True"
        assert client.post("/api/dispatch/incidents").text == "False"
        assert client.post("/api/dispatch/assignments/1/status").text == "False"
        assert client.get("/api/events").text == "False"


def test_a_reader_at_the_door_waits_for_a_call_taken_by_another_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A call marked on the server's board (here by this process's slot, as another server
    process marks its own) holds a reader's kept answer at the door, for at most the hold; a
    dispatcher's kept answer and a stream go straight through."""
    from lanyan.core.callboard import board

    monkeypatch.setattr("lanyan.api.admission.CALL_HOLD_S", 0.3)

    async def run() -> None:
        release = asyncio.Event()
        built: list[int] = []
        async with _client(_kept_list_app(release, built)) as client:
            assert (await client.get("/api/kept", headers=COMMANDER)).json() == {"version": 1}
            assert (await client.get("/api/kept", headers=DISPATCHER)).json() == {"version": 2}
            with board().taking():  # the call, on the board: not in this loop's own count
                reader = asyncio.create_task(client.get("/api/kept", headers=COMMANDER))
                for _ in range(50):
                    await asyncio.sleep(0)
                assert not reader.done()  # held at the door
                kept = await asyncio.wait_for(client.get("/api/kept", headers=DISPATCHER), 5)
                assert kept.json() == {"version": 2}  # the call lane's kept answer: at once
                await asyncio.sleep(0.05)
                assert not reader.done()
                # the call goes on: the reader goes in after the hold
                assert (await asyncio.wait_for(reader, 5)).json() == {"version": 1}
            assert built == [1, 1]

    run_async(run())
