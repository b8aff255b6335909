"""The app served by uvicorn in a subprocess on a free port, as production runs it.

Tests of live streams need a real server: holding 200 connections, or two processes that share
only a database and a broker, cannot be imitated in one process's test client.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

START_TIMEOUT_S = 60.0


def free_port() -> int:
    """A TCP port nobody listens on (never 8000, which the demo uses)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A served app: its base URL and its log file (for failure messages)."""

    base: str
    log: Path
    process: subprocess.Popen[bytes]

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the server's output."""
        return self.log.read_text(errors="replace")[-chars:]


@contextmanager
def serve(env: dict[str, str], log: Path) -> Iterator[Server]:
    """Run ``lanyan.app:create_app`` under uvicorn with ``LANYAN_*`` settings ``env``."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "lanyan.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--timeout-graceful-shutdown",
        "2",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
    server = Server(f"http://127.0.0.1:{port}", log, process)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert process.poll() is None, f"the server exited at start:\n{server.log_tail()}"
            try:
                if httpx.get(f"{server.base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"no answer in time:\n{server.log_tail()}"
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Received:
    """One Server-Sent Event and when the reader parsed it (``time.monotonic()``)."""

    kind: str
    data: dict[str, Any]
    at: float


@dataclass
class Console:
    """A browser console's ``GET /api/events`` stream, read by a daemon thread."""

    name: str
    base: str
    token: str
    received: list[Received] = field(default_factory=list)
    opened: threading.Event = field(default_factory=threading.Event)
    changed: threading.Condition = field(default_factory=threading.Condition)
    failure: BaseException | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _response: httpx.Response | None = None

    def open(self, timeout_s: float = 10.0) -> Console:
        """Start reading; return once the server said ``: connected``."""
        self._thread = threading.Thread(target=self._read, name=f"sse-{self.name}", daemon=True)
        self._thread.start()
        assert self.opened.wait(timeout_s), f"{self.name}'s stream did not open"
        assert self.failure is None, (self.name, self.failure)
        return self

    def _read(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(10.0, read=None)) as client,
                client.stream("GET", f"{self.base}/api/events", headers=headers) as response,
            ):
                assert response.status_code == 200, response.status_code
                self._response = response
                kind, data = "message", ""
                for line in response.iter_lines():
                    if line == ": connected":
                        self.opened.set()
                    elif line.startswith("event: "):
                        kind = line[len("event: ") :]
                    elif line.startswith("data: "):
                        data += line[len("data: ") :]
                    elif line == "" and data:
                        item = Received(kind, json.loads(data), time.monotonic())
                        with self.changed:
                            self.received.append(item)
                            self.changed.notify_all()
                        kind, data = "message", ""
        except BaseException as exc:  # closing the stream at the end lands here too
            if not self._stop.is_set():
                self.failure = exc
        finally:
            self.opened.set()

    def close(self) -> None:
        """Hang up (as a closing browser tab does) and wait for the reader."""
        self._stop.set()
        stream = self._response.extensions.get("network_stream") if self._response else None
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def mark(self) -> int:
        """Position after everything received so far."""
        with self.changed:
            return len(self.received)

    def since(self, position: int) -> list[Received]:
        """Everything received after ``position``."""
        with self.changed:
            return list(self.received[position:])

    def wait_for(
        self, match: Callable[[Received], bool], *, since: int, timeout_s: float
    ) -> Received | None:
        """The first event after ``since`` that matches, or None after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        with self.changed:
            while True:
                for item in self.received[since:]:
                    if match(item):
                        return item
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.failure is not None:
                    return None
                self.changed.wait(timeout=remaining)
