"""`lanyan demo` (what `make demo` runs) reaches a serving app whose /api/health is ok."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_command_serves_a_healthy_app(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "LANYAN_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "COLUMNS": "120",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "lanyan", "demo", "--port", str(port), "--history-calls", "100"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        health = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).json()
                break
            except httpx.TransportError:
                time.sleep(0.3)
        assert health is not None, "the demo never served /api/health"
        assert health["status"] == "ok"
        assert health["database"] == "sqlite"
        login = httpx.post(
            f"http://127.0.0.1:{port}/api/auth/login",
            json={"username": "demo_admin", "password": "wrong-password"},
        )
        assert login.status_code == 401
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=20)
    assert "demo_dispatcher" in output
    assert "OpenStreetMap" in output
