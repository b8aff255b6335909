"""`lanyan serve --workers N`: N processes on one port, live events between them by the broker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(database: Path, port: int, workers: int, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "lanyan", "serve", "--port", str(port), "--workers", str(workers)],
        env={**os.environ, "LANYAN_DATABASE_URL": f"sqlite:///{database}", "COLUMNS": "200", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _workers(pid: int) -> list[int]:
    """The server processes uvicorn started (spawned interpreters serving the app)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(c)
        for c in children
        if b"multiprocessing.spawn" in Path(f"/proc/{c}/cmdline").read_bytes()
        and b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()
    ]


def _connections_of(pid: int, port: int) -> int:
    """Established TCP connections to ``port`` that process ``pid`` holds."""
    established = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                established.add(fields[9])
    held = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        held += target.startswith("socket:[") and target[8:-1] in established
    return held


def test_more_than_one_worker_without_the_broker_is_refused(tmp_path: Path) -> None:
    proc = _serve(tmp_path / "a.db", _free_port(), 2, LANYAN_EVENT_BUS="memory")
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert "LANYAN_EVENT_BUS=mqtt" in out


def test_two_workers_serve_one_port(tmp_path: Path) -> None:
    port = _free_port()
    proc = _serve(
        tmp_path / "b.db",
        port,
        2,
        LANYAN_EVENT_BUS="mqtt",
        LANYAN_MQTT_TOPIC_PREFIX=f"lanyan-test-{uuid.uuid4().hex[:8]}",
    )
    try:
        healthy = 0
        deadline = time.monotonic() + 120  # a guard against a server that never starts
        while time.monotonic() < deadline and proc.poll() is None and healthy < 10:
            try:
                # a new connection each time: the kernel hands them to either process
                answer = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
                healthy += answer.json()["status"] == "ok"
            except httpx.TransportError:
                time.sleep(0.2)
        assert healthy == 10
        workers = _workers(proc.pid)
        assert len(workers) == 2
        # forty consoles connect at once and keep their connections: each process gets a share
        consoles = [socket.create_connection(("127.0.0.1", port)) for _ in range(40)]
        try:
            for c in consoles:
                c.sendall(b"GET /api/health HTTP/1.1\r\nHost: t\r\n\r\n")
            for c in consoles:
                assert c.recv(65536).startswith(b"HTTP/1.1 200")
            shares = [_connections_of(w, port) for w in workers]
            assert sum(shares) == 40 and min(shares) >= 8, shares
        finally:
            for c in consoles:
                c.close()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=60)
    assert "2 个服务进程" in out
