"""Load of a dispatch room against a served app, with a large import running (issue 11, item 12).

What an outside probe measured before (PostgreSQL, 50 clients for 60 s, load generator on the same
2 cores): 0 errors but 17 requests/s in all, incident list p50 4.3 s / p99 8.6 s, recommendation
p50 1.9 s. This bench repeats that kind of load, on PostgreSQL and on SQLite, each time on a fresh
database with the demo city, last year's demo history and the demo accounts, served by
``lanyan serve --workers N`` (default 2: one process per core, as deployed, each with its own
socket on the port; live events between them through the MQTT broker). The generator is aiohttp,
not httpx: it shares the two cores with the server, and costs ~1.5 ms of CPU per request where httpx
cost ~6:

* consoles (``--consoles``, closed loop, the duty commander's login): the open-incident list as
  the console asks for it, the map layers (organizations, units, water sources, premises; first
  page of 1,000 each, as the map pages them) and the recommendation of an open incident;
* dispatchers (``--dispatchers``, closed loop): the address search of the intake form (geocode;
  since 2026-12-07), a new incident (intake), its recommendation, the
  assignment of the recommended units, then the crews' status changes (出动, 到场, 返回, 归队) and
  the incident's close, so the city never runs out of units. Each crew reports from its own
  station's account, as on the crew page of the station's phone (one account per station, made
  here); until 2026-12-06 they reported under the consoles' login, which made every console a
  user who had just written (a user's own writes are in their next answer, so none of the forty
  was ever given a second-old kept answer);
* ``--streams`` open live-event streams (GET /api/events) for the whole run;
* one large import: a premises file of ``--import-rows`` rows posted by the administrator a few
  seconds in; when it finishes, the next one starts, so an import runs through the whole window.

Figures per backend: requests per second (every request but the streams, over the window),
p50/p99 of all requests and per kind, intake p99 while an import was running, errors (a 5xx, a
transport error, a refused stream, or any 4xx but the two answers a busy dispatch room must give,
counted apart as ``conflicts``: an assignment refused because another dispatcher took the unit
first, and a crew's status change refused because the unit was sent on to another call from the
road, 改派). The last line is one JSON object;
its four top-level figures are the worse backend's (named in ``worst_backend_*``).

Usage::

    .venv/bin/python bench/load.py                   # both backends, 45 s each
    .venv/bin/python bench/load.py --backend sqlite --seconds 20 --history-calls 0
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import itertools
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import numpy as np
import psycopg
from sqlalchemy import select

from lanyan.accounts.schemas import UserCreate
from lanyan.accounts.service import create_user
from lanyan.app import create_app
from lanyan.core.actor import SYSTEM
from lanyan.core.config import Settings
from lanyan.core.migrate import upgrade
from lanyan.core.permissions import Role
from lanyan.core.security import generate_password
from lanyan.demo import ensure_demo_accounts, load_demo
from lanyan.demo.history import call_sites, load_history, plan_calls
from lanyan.forces.models import Unit

PG_ADMIN_DSN = os.environ.get(
    "LANYAN_BENCH_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=test"
)
PG_URL_BASE = os.environ.get(
    "LANYAN_BENCH_PG_URL_BASE", "postgresql+psycopg://postgres@127.0.0.1:5432/"
)
HISTORY_YEAR = 2025
STATUS_STEPS = ("en_route", "on_scene", "returning", "in_quarters")
MAP_LAYERS = (
    "/api/forces/organizations",
    "/api/forces/units",
    "/api/forces/water-sources",
    "/api/premises",
)


def log(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def machine_load() -> float:
    return round(os.getloadavg()[0], 2)


def reference_cpu_ms(repeats: int = 5) -> float:
    """CPU milliseconds of a fixed piece of work like the server's: a 1,000-row JSON page parsed
    and encoded again 20 times, the median of ``repeats``.

    These machines' speed changes between sessions and within one (the same code's generator cost
    1.03 ms of CPU per request in one run and 1.9 in the next, its throughput 147 and 81
    requests/s): each backend's figures carry this reference, taken on the quiet machine before
    its server starts and after it stops, so that a change of the code and a change of the
    machine can be told apart.
    """
    rows = [
        {"id": i, "name": f"压测站{i}", "lon": 9.5 + i * 1e-4, "lat": 47.1, "status": "available"}
        for i in range(1000)
    ]
    payload = json.dumps({"items": rows, "total": 1000}, ensure_ascii=False)
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        for _ in range(20):
            json.dumps(json.loads(payload), ensure_ascii=False)
        times.append((time.process_time() - t0) * 1000)
    return round(float(np.median(times)), 1)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of process ``pid`` and its waited-for children (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    ticks = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    total = ticks / os.sysconf("SC_CLK_TCK")
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        total += cpu_seconds(int(child))
    return total


# --- setup -------------------------------------------------------------------------------------


def new_database(backend: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'load.db'}"
    name = f"lanyan_load_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_URL_BASE + name


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


@dataclass
class City:
    passwords: dict[str, str]
    calls: list[dict[str, Any]]
    crew_of_unit: dict[int, str]
    """The login (station account) each unit's crew reports its status from."""


def prepare(url: str, *, history_calls: int, seed: int) -> City:
    """Migrate, load the demo city, last year's history and the accounts; plan this run's calls."""
    upgrade(url)
    settings = Settings(database_url=url)
    app = create_app(settings)  # not served: its road network replays the history
    factory = app.state.sessionmaker
    network = app.state.network
    load_demo(factory, osm_file=settings.demo_osm_file, seed=settings.demo_seed)
    if history_calls:
        summary = load_history(
            factory, network, seed=settings.demo_seed, year=HISTORY_YEAR, calls=history_calls
        )
        log(f"  history {HISTORY_YEAR}: {summary.incidents} incidents in {summary.elapsed_s:.1f} s")
    passwords = {
        a.username: a.password
        for a in ensure_demo_accounts(factory, seed=settings.demo_seed)
        if a.password is not None
    }
    with factory() as session:
        sites = call_sites(session, network)
    planned = plan_calls(sites, seed=seed, year=HISTORY_YEAR + 1, calls=2000)
    calls = [
        {
            "caller_number": c.caller_number,
            "address_text": c.address_text,
            "lon": c.lon,
            "lat": c.lat,
            "type": c.type.value,
            "subtype": c.subtype.value if c.subtype else None,
            "level": c.level,
            "premises_id": c.premises_id,
            "description": "压测警情 load bench",
        }
        for c in planned
    ]
    crew_of_unit = crew_accounts(factory, passwords)
    app.state.engine.dispose()
    return City(passwords, calls, crew_of_unit)


def crew_accounts(factory: Any, passwords: dict[str, str]) -> dict[int, str]:
    """A station account for every station with units, as each station's crews have on their
    phones (the crew page, 车组): they report their units' milestones from it. Adds the accounts'
    passwords to ``passwords``; returns each unit's account."""
    with factory() as session:
        station_of_unit = {u: s for u, s in session.execute(select(Unit.id, Unit.station_id))}
        for station_id in sorted(set(station_of_unit.values())):
            username = f"load_crew_{station_id}"
            passwords[username] = generate_password(16)
            create_user(
                session,
                actor=SYSTEM,
                data=UserCreate(
                    username=username,
                    display_name=f"压测车组 {station_id}",
                    role=Role.STATION,
                    organization_id=station_id,
                    password=passwords[username],
                ),
            )
        session.commit()
    return {unit_id: f"load_crew_{station_id}" for unit_id, station_id in station_of_unit.items()}


class Server:
    """``lanyan serve --workers N`` on ``url``, as deployed (access log off, as a bench needs)."""

    def __init__(self, url: str, workers: int, log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        # the server's own messages go to a file: the bench's last line stays its JSON
        self.log = log_path.open("wb")
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "lanyan", "serve", "--host", "127.0.0.1",
                "--port", str(self.port), "--workers", str(workers), "--no-access-log",
            ],
            env={**os.environ, "LANYAN_DATABASE_URL": url, **self.bus_env(workers)},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip

    @staticmethod
    def bus_env(workers: int) -> dict[str, str]:
        """More than one process: live events go between them through the MQTT broker."""
        if workers == 1:
            return {}
        prefix = f"lanyan-load-{uuid.uuid4().hex[:8]}"
        return {"LANYAN_EVENT_BUS": "mqtt", "LANYAN_MQTT_TOPIC_PREFIX": prefix}

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base}/api/health", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def premises_csv(prefix: str, rows: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["external_id", "name", "category", "venue_type", "org_external_id", "lon", "lat"]
    )
    for i in range(rows):
        writer.writerow(
            [f"{prefix}:{i:06d}", f"压测场所{i}", "small_venue", "restaurant",
             "demo:brigade:oberland", round(9.50 + (i % 400) * 1e-4, 6),
             round(47.10 + (i // 400) * 1e-4, 6)]
        )  # fmt: skip
    return buffer.getvalue().encode("utf-8")


# --- the load ----------------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str
    start: float
    seconds: float
    status: int  # 0: transport error


@dataclass
class Run:
    started: float
    stop_at: float
    samples: list[Sample] = field(default_factory=list)
    imports: list[tuple[float, float, int, int]] = field(default_factory=list)
    """(start, end, status, rows) of every import posted."""
    transport_errors: Counter[str] = field(default_factory=Counter)
    server_cpu_s: float = 0.0
    generator_cpu_s: float = 0.0
    """CPU this bench process (the load generator) used during the window."""
    """CPU the server (all its processes, the import worker too) used during the window."""
    streams_opened: int = 0
    stream_errors: list[str] = field(default_factory=list)
    conflicts: int = 0
    open_incidents: list[int] = field(default_factory=list)

    def running(self) -> bool:
        return time.perf_counter() < self.stop_at


@dataclass
class Answer:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def timed(
    run: Run, client: aiohttp.ClientSession, kind: str, method: str, path: str, **kw: Any
) -> Answer | None:
    t0 = time.perf_counter()
    try:
        async with client.request(method, path, **kw) as response:
            answer = Answer(response.status, await response.read())
    except (TimeoutError, aiohttp.ClientError) as exc:
        run.samples.append(Sample(kind, t0, time.perf_counter() - t0, 0))
        run.transport_errors[type(exc).__name__] += 1
        return None
    run.samples.append(Sample(kind, t0, time.perf_counter() - t0, answer.status))
    return answer


async def console(run: Run, client: aiohttp.ClientSession, token: str, n: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    layers = itertools.cycle(MAP_LAYERS[n % len(MAP_LAYERS) :] + MAP_LAYERS[: n % len(MAP_LAYERS)])
    while run.running():
        r = await timed(
            run, client, "incident_list", "GET", "/api/dispatch/incidents",
            params={"open": "true", "limit": "200"}, headers=headers,
        )  # fmt: skip
        if r is not None and r.status == 200:
            items = r.json().get("items", [])
            if items:
                run.open_incidents = [i["id"] for i in items]
        await timed(
            run, client, "map_layer", "GET", next(layers),
            params={"limit": "1000", "offset": "0"}, headers=headers,
        )  # fmt: skip
        if run.open_incidents:
            iid = random.choice(run.open_incidents)
            await timed(
                run, client, "recommendation", "GET",
                f"/api/dispatch/incidents/{iid}/recommendation", headers=headers,
            )  # fmt: skip


async def dispatcher(
    run: Run,
    client: aiohttp.ClientSession,
    tokens: dict[str, str],
    calls: list[dict[str, Any]],
    crew_of_unit: dict[int, str],
) -> None:
    d = {"Authorization": f"Bearer {tokens['demo_dispatcher']}"}
    while run.running():
        body = calls.pop() if calls else None
        if body is None:
            return
        # the intake form looks up what the caller says before the call is placed (the console
        # searches as the dispatcher types; one search per call here)
        if body["address_text"]:
            await timed(
                run, client, "geocode", "GET", "/api/dispatch/geocode",
                params={"q": body["address_text"], "limit": "5"}, headers=d,
            )  # fmt: skip
        r = await timed(
            run, client, "intake", "POST", "/api/dispatch/incidents", json=body, headers=d
        )
        if r is None or r.status != 201:
            continue
        iid = r.json()["id"]
        assignments: list[dict[str, Any]] = []
        for _attempt in range(3):
            r = await timed(
                run, client, "recommendation", "GET",
                f"/api/dispatch/incidents/{iid}/recommendation", params={"routes": "false"},
                headers=d,
            )  # fmt: skip
            if r is None or r.status != 200:
                break
            unit_ids = [u["unit_id"] for u in r.json()["units"]][:3]
            if not unit_ids:
                break
            r = await timed(
                run, client, "assignment", "POST", f"/api/dispatch/incidents/{iid}/assignments",
                json={"unit_ids": unit_ids}, headers=d,
            )  # fmt: skip
            if r is not None and r.status == 409:
                run.conflicts += 1  # another dispatcher took a unit first: ask again
                run.samples[-1].status = 299
                continue
            if r is not None and r.status == 201:
                assignments = r.json()["assignments"]
            break
        for step in STATUS_STEPS:
            for a in assignments:
                r = await timed(
                    run, client, "status_change", "POST",
                    f"/api/dispatch/assignments/{a['id']}/status", json={"status": step},
                    headers={"Authorization": f"Bearer {tokens[crew_of_unit[a['unit_id']]]}"},
                )  # fmt: skip
                if r is not None and r.status == 409:
                    # another dispatcher sent this unit on from the road (改派): its part in this
                    # call ended there, and the crew's next step here is refused, as it should be
                    run.conflicts += 1
                    run.samples[-1].status = 299
        await timed(
            run, client, "close", "POST", f"/api/dispatch/incidents/{iid}/close", json={},
            headers=d,
        )  # fmt: skip


async def stream(run: Run, client: aiohttp.ClientSession, token: str) -> None:
    try:
        async with client.get(
            "/api/events", headers={"Authorization": f"Bearer {token}"}
        ) as response:
            if response.status != 200:
                run.stream_errors.append(f"status {response.status}")
                return
            run.streams_opened += 1
            async for _chunk in response.content.iter_any():
                if not run.running():
                    return
    except (TimeoutError, aiohttp.ClientError, asyncio.CancelledError) as exc:
        if run.running() and not isinstance(exc, asyncio.CancelledError):
            run.stream_errors.append(type(exc).__name__)


async def importer(
    run: Run, client: aiohttp.ClientSession, token: str, rows: int, delay_s: float
) -> None:
    if rows <= 0:
        return  # --import-rows 0: the load without an import, to see what the import costs
    await asyncio.sleep(delay_s)
    headers = {"Authorization": f"Bearer {token}"}
    n = 0
    while run.running():
        n += 1
        # in a thread: 50,000 rows are ~0.4 s of Python that would stop this event loop, and
        # with it the clocks of the requests it times (the generator's lag counted as the server's)
        content = await asyncio.to_thread(premises_csv, f"load:{uuid.uuid4().hex[:6]}:{n}", rows)
        t0 = time.perf_counter()
        form = aiohttp.FormData()
        form.add_field("file", content, filename="premises.csv", content_type="text/csv")
        try:
            async with client.post(
                "/api/exchange/premises/import",
                data=form,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=1800),
            ) as r:
                await r.read()
                status = r.status
        except (TimeoutError, aiohttp.ClientError):
            status = 0
        run.imports.append((t0, time.perf_counter(), status, rows))


async def drive(base: str, server_pid: int, city: City, args: argparse.Namespace) -> Run:
    # aiohttp, not httpx: the generator shares the server's two cores, and aiohttp's client costs
    # a fraction of httpx's CPU per request. An idle keep-alive connection is dropped here before
    # uvicorn drops it (after 5 s): reusing one the server is closing would count its race as an
    # error of the server
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=2.0)
    stream_connector = aiohttp.TCPConnector(limit=0)
    async with (
        aiohttp.ClientSession(
            base_url=base, connector=connector, timeout=aiohttp.ClientTimeout(total=60)
        ) as client,
        aiohttp.ClientSession(
            base_url=base,
            connector=stream_connector,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=60),
        ) as streams,
    ):
        tokens = {}
        crews = sorted(set(city.crew_of_unit.values()))
        for user in ("demo_dispatcher", "demo_commander", "demo_station", "demo_admin", *crews):
            async with client.post(
                "/api/auth/login", json={"username": user, "password": city.passwords[user]}
            ) as r:
                r.raise_for_status()
                tokens[user] = (await r.json())["access_token"]
            client.cookie_jar.clear()
        stream_tokens = [
            tokens["demo_commander"],
            tokens["demo_dispatcher"],
            tokens["demo_station"],
        ]
        calls = list(city.calls)
        # warm-up: the road network tables, the first queries, the pool
        warm = Run(time.perf_counter(), time.perf_counter() + 3)
        await asyncio.gather(
            dispatcher(warm, client, tokens, calls, city.crew_of_unit),
            console(warm, client, tokens["demo_commander"], 0),
        )
        run = Run(time.perf_counter(), time.perf_counter() + args.seconds)
        stream_tasks = [
            asyncio.create_task(stream(run, streams, stream_tokens[i % 3]))
            for i in range(args.streams)
        ]
        await asyncio.sleep(1.0)  # let the streams open before the clock starts
        run.started = time.perf_counter()
        run.stop_at = run.started + args.seconds
        tasks = [
            *(console(run, client, tokens["demo_commander"], i) for i in range(args.consoles)),
            *(
                dispatcher(run, client, tokens, calls, city.crew_of_unit)
                for _ in range(args.dispatchers)
            ),
        ]
        import_task = asyncio.create_task(
            importer(run, client, tokens["demo_admin"], args.import_rows, args.import_delay)
        )
        cpu_before = cpu_seconds(server_pid)
        generator_before = time.process_time()
        await asyncio.gather(*tasks)
        run.server_cpu_s = cpu_seconds(server_pid) - cpu_before
        run.generator_cpu_s = time.process_time() - generator_before
        run.stop_at = 0.0
        for task in stream_tasks:
            task.cancel()
        await asyncio.gather(*stream_tasks, return_exceptions=True)
        if not import_task.done():
            log("  waiting for the running import to finish")
        await import_task
    return run


def pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(values) * 1000.0, q)), 1) if values else 0.0


def figures_of(run: Run, seconds: float, streams: int) -> dict[str, Any]:
    window = [s for s in run.samples if s.start <= run.started + seconds]
    ok = [s for s in window if 200 <= s.status < 400]
    bad = [s for s in window if not 200 <= s.status < 400]
    by_kind: dict[str, list[float]] = defaultdict(list)
    for s in window:
        by_kind[s.kind].append(s.seconds)

    def during_import(s: Sample) -> bool:
        return any(a <= s.start + s.seconds and s.start <= b for a, b, _, _ in run.imports)

    intake_during = [s.seconds for s in window if s.kind == "intake" and during_import(s)]
    slowest = sorted(
        (s for s in window if s.kind == "intake" and during_import(s)), key=lambda s: -s.seconds
    )[:5]
    errors = (
        len(bad) + len(run.stream_errors) + (streams - run.streams_opened - len(run.stream_errors))
    )
    errors += sum(1 for _, _, status, _ in run.imports if status != 200)
    out: dict[str, Any] = {
        "requests_per_s": round(len(ok) / seconds, 1),
        "p99_ms": pct([s.seconds for s in window], 99),
        "p50_ms": pct([s.seconds for s in window], 50),
        "intake_p99_ms_during_import": pct(intake_during, 99),
        "intake_during_import": len(intake_during),
        # when (seconds into the window) the slowest calls during the import started, and ms
        "intake_slowest_during_import": [
            [round(s.start - run.started, 1), round(s.seconds * 1000)] for s in slowest
        ],
        "import_windows": [
            [round(a - run.started, 1), round(b - run.started, 1)] for a, b, _, _ in run.imports
        ],
        "errors": errors,
        "requests": len(window),
        "conflicts": run.conflicts,
        "streams_open": run.streams_opened,
        # load-independent: what one request costs the server, import included
        "server_cpu_ms_per_request": round(run.server_cpu_s * 1000 / max(len(ok), 1), 2),
        "generator_cpu_ms_per_request": round(run.generator_cpu_s * 1000 / max(len(ok), 1), 2),
        "imports_finished": sum(1 for _, b, status, _ in run.imports if status == 200),
        "import_rows_per_s": round(
            max((r / (b - a) for a, b, status, r in run.imports if status == 200), default=0.0), 1
        ),
    }
    for kind, values in sorted(by_kind.items()):
        out[f"{kind}_p50_ms"] = pct(values, 50)
        out[f"{kind}_p99_ms"] = pct(values, 99)
        out[f"{kind}_n"] = len(values)
    if bad:
        kinds: dict[str, int] = defaultdict(int)
        for s in bad:
            kinds[f"{s.kind}:{s.status}"] += 1
        out["error_kinds"] = dict(kinds)
    if run.transport_errors:
        out["transport_errors"] = dict(run.transport_errors)
    if run.stream_errors:
        out["stream_errors"] = run.stream_errors[:5]
    return out


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    log(f"== {backend} (machine load {machine_load()})")
    with tempfile.TemporaryDirectory(prefix="lanyan-load-") as tmp:
        url = new_database(backend, Path(tmp))
        try:
            started = time.perf_counter()
            city = prepare(url, history_calls=args.history_calls, seed=args.seed)
            log(f"  database ready in {time.perf_counter() - started:.1f} s")
            reference_before = reference_cpu_ms()
            server = Server(url, args.workers, Path(tmp) / "server.log")
            try:
                server.wait_ready()
                load_before = machine_load()
                run = asyncio.run(drive(server.base, server.proc.pid, city, args))
            finally:
                server.stop()
                server_log = server.log_path.read_text(errors="replace")
        finally:
            drop_database(url)
    figures = figures_of(run, args.seconds, args.streams)
    if figures["errors"] and "Traceback" in server_log:
        kept = Path(tempfile.gettempdir()) / f"lanyan-load-server-{backend}.log"
        kept.write_text(server_log)
        log(f"  the server's log is kept in {kept}; from its first traceback:")
        log(server_log[server_log.index("Traceback") :][:6000])
    figures["machine_load_before"] = load_before
    figures["machine_load_after"] = machine_load()
    figures["reference_cpu_ms_before"] = reference_before
    figures["reference_cpu_ms_after"] = reference_cpu_ms()
    for key in (
        "requests_per_s",
        "p50_ms",
        "p99_ms",
        "intake_p99_ms_during_import",
        "errors",
        "server_cpu_ms_per_request",
        "generator_cpu_ms_per_request",
        "reference_cpu_ms_before",
        "reference_cpu_ms_after",
    ):
        log(f"  {key:<32} {figures[key]}")
    for kind in (
        "geocode",
        "intake",
        "recommendation",
        "assignment",
        "status_change",
        "incident_list",
        "map_layer",
    ):
        if f"{kind}_n" in figures:
            p50, p99, n = (figures[f"{kind}_{k}"] for k in ("p50_ms", "p99_ms", "n"))
            log(f"  {kind:<32} p50 {p50} ms  p99 {p99} ms  (n={n})")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=["both", "postgresql", "sqlite"], default="both")
    parser.add_argument("--seconds", type=float, default=45.0, help="measured window per backend")
    parser.add_argument("--consoles", type=int, default=40, help="closed-loop console clients")
    parser.add_argument("--dispatchers", type=int, default=10, help="closed-loop dispatchers")
    parser.add_argument("--streams", type=int, default=200, help="open live-event streams")
    parser.add_argument("--import-rows", type=int, default=50_000, help="rows per premises import")
    parser.add_argument("--import-delay", type=float, default=3.0, help="seconds before the import")
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="server processes, one per core as deployed (more than 1: live events by MQTT)",
    )
    parser.add_argument("--history-calls", type=int, default=1200, help="last year's demo calls")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    backends = ["postgresql", "sqlite"] if args.backend == "both" else [args.backend]
    results = {b: run_backend(b, args) for b in backends}
    worst_rps = min(backends, key=lambda b: results[b]["requests_per_s"])
    worst_p99 = max(backends, key=lambda b: results[b]["p99_ms"])
    worst_intake = max(backends, key=lambda b: results[b]["intake_p99_ms_during_import"])
    out: dict[str, Any] = {
        "requests_per_s": results[worst_rps]["requests_per_s"],
        "p99_ms": results[worst_p99]["p99_ms"],
        "intake_p99_ms_during_import": results[worst_intake]["intake_p99_ms_during_import"],
        "errors": sum(results[b]["errors"] for b in backends),
        "worst_backend_requests_per_s": worst_rps,
        "worst_backend_p99_ms": worst_p99,
        "worst_backend_intake_p99": worst_intake,
        "clients": args.consoles + args.dispatchers,
        "streams": args.streams,
        "workers": args.workers,
        "seconds": args.seconds,
        "import_rows": args.import_rows,
    }
    for b in backends:
        out.update({f"{k}_{b}": v for k, v in results[b].items()})
    print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
