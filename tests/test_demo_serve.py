"""`lanyan demo` (what `make demo` runs): serves a healthy app on the port asked for, and a rerun
keeps the demo accounts' passwords unless asked to reset them."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from lanyan.accounts.service import login
from lanyan.core.config import PROJECT_ROOT, Settings
from lanyan.core.db import make_engine, make_sessionmaker
from lanyan.core.errors import Unauthorized


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(database: Path) -> dict[str, str]:
    return {**os.environ, "LANYAN_DATABASE_URL": f"sqlite:///{database}", "COLUMNS": "200"}


def test_demo_command_serves_a_healthy_app(tmp_path: Path) -> None:
    port = _free_port()
    command = ["demo", "--host", "127.0.0.1", "--port", str(port), "--history-calls", "20"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "lanyan", *command],
        env=_env(tmp_path / "demo.db"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # a guard against a demo that never serves, not a measure of speed (it loads two years
        # of history and prevention work first; a loaded CI machine takes minutes)
        deadline = time.monotonic() + 300
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
        login_answer = httpx.post(
            f"http://127.0.0.1:{port}/api/auth/login",
            json={"username": "demo_admin", "password": "wrong-password"},
        )
        assert login_answer.status_code == 401
        favicon = httpx.get(f"http://127.0.0.1:{port}/favicon.ico")
        assert favicon.status_code == 200
        assert favicon.headers["content-type"] == "image/x-icon"
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=20)
    assert "demo_dispatcher" in output
    assert "OpenStreetMap" in output
    assert f"http://127.0.0.1:{port}" in output


def _run_demo(database: Path, *extra: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "lanyan", "demo", "--no-serve", "--history-calls", "0", *extra],
        env=_env(database),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _passwords(output: str) -> dict[str, str]:
    """Username → password of the rows of the accounts table that show a new password."""
    rows = re.findall(r"│ (demo_\w+)\s+│ (\S+)\s+│", output)
    return {user: password for user, password in rows if password != "沿用原密码"}


def _can_log_in(database: Path, username: str, password: str) -> bool:
    engine = make_engine(f"sqlite:///{database}")
    try:
        with make_sessionmaker(engine)() as session:
            try:
                login(session, username=username, password=password, ip=None, settings=Settings())
            except Unauthorized:
                return False
            session.commit()
            return True
    finally:
        engine.dispose()


def test_a_rerun_keeps_demo_passwords_and_reset_replaces_them(tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    first = _passwords(_run_demo(database))
    assert {"demo_admin", "demo_station", "demo_leader"} <= set(first)

    again = _run_demo(database)
    assert _passwords(again) == {}, "a rerun printed new passwords"
    assert "沿用原密码" in again
    assert "--reset-passwords" in again
    assert _can_log_in(database, "demo_station", first["demo_station"])

    reset = _passwords(_run_demo(database, "--reset-passwords"))
    assert set(reset) == set(first)
    assert reset["demo_station"] != first["demo_station"]
    assert not _can_log_in(database, "demo_station", first["demo_station"])
    assert _can_log_in(database, "demo_station", reset["demo_station"])


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ([], "demo --host 127.0.0.1 --port 8000"),
        (["PORT=8123", "HOST=0.0.0.0"], "demo --host 0.0.0.0 --port 8123"),
        (["PORT=8123", "RESET=1"], "demo --host 127.0.0.1 --port 8123 --reset-passwords"),
    ],
)
def test_make_demo_takes_port_host_and_reset(variables: list[str], expected: str) -> None:
    # -n prints the commands without running them (nor the install they depend on)
    result = subprocess.run(
        ["make", "-n", "-s", "demo", *variables],
        cwd=PROJECT_ROOT,
        env={k: v for k, v in os.environ.items() if k not in ("PORT", "HOST", "RESET")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].rstrip().endswith(expected), result.stdout
