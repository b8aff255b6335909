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
        assert len(_workers(proc.pid)) == 2
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=60)
    assert "2 个服务进程" in out
