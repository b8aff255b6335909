"""``lanyan serve --workers N``: N server processes, each with its own listening socket on one port.

uvicorn's own ``--workers`` opens one socket and lets its processes take turns accepting from it;
whichever is waiting in ``accept`` when a burst of connections arrives takes most of them. A
dispatch room's consoles keep their connections open for a shift, so one process could end up
with nearly all of them while the other idled: measured with 50 clients, the split ranged from even
to everything in one process, and throughput with it from 116 to 83 requests/s. Here every process
binds the port itself with ``SO_REUSEPORT``, and the kernel spreads new connections over them by
their addresses, evenly however busy each process is.

The processes share one board of the 119 calls being taken (:mod:`lanyan.core.callboard`), so
that the readers of one step back while the other takes a call.

The supervisor restarts a process that dies, and stops them all on SIGINT or SIGTERM. A process
whose supervisor is gone (killed without a goodbye) stops too.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from multiprocessing.process import BaseProcess
from types import FrameType

from lanyan.core.callboard import board

log = logging.getLogger(__name__)

BACKLOG = 2048
STOP_WAIT_S = 30.0


def reuseport_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` that other processes may bind as well."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    sock.set_inheritable(True)
    return sock


def _worker(host: str, port: int, log_level: str, access_log: bool, parent: int) -> None:
    """One server process: its own socket, the app from the factory, gone with its supervisor."""
    import uvicorn

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="exit-with-supervisor", daemon=True).start()
    start_import_worker_soon()
    config = uvicorn.Config(
        "lanyan.app:create_served_app",
        factory=True,
        log_level=log_level,
        access_log=access_log,
    )
    uvicorn.Server(config).run(sockets=[reuseport_socket(host, port)])


def start_import_worker_soon(delay_s: float = 2.0) -> None:
    """Start this server process's import worker once the server is up (see
    :func:`lanyan.exchange.jobs.start_worker`)."""

    def start() -> None:
        from lanyan.core.config import Settings
        from lanyan.exchange.jobs import start_worker

        try:
            start_worker(Settings())
        except Exception:  # the first import starts it then
            log.exception("the import worker did not start")

    timer = threading.Timer(delay_s, start)
    timer.daemon = True
    timer.start()


def serve_workers(
    host: str, port: int, workers: int, *, log_level: str = "info", access_log: bool = True
) -> None:
    """Run ``workers`` server processes on ``host:port`` until SIGINT or SIGTERM."""
    reuseport_socket(host, port).close()  # the port is free (or shared): fail here, not N times
    board()  # made here and named in the environment: every process marks its calls on it
    context = multiprocessing.get_context("spawn")  # the parent's threads must not be forked
    stopping = threading.Event()

    def start() -> BaseProcess:
        process = context.Process(
            target=_worker,
            args=(host, port, log_level, access_log, os.getpid()),
            name="lanyan-server",
        )
        process.start()
        return process

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    processes = [start() for _ in range(workers)]
    try:
        while not stopping.wait(0.5):
            for i, process in enumerate(processes):
                if not process.is_alive():
                    log.warning("server process %s ended (%s); starting another", process.pid,
                                process.exitcode)  # fmt: skip
                    processes[i] = start()
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()  # uvicorn finishes the requests in progress, then exits
        deadline = time.monotonic() + STOP_WAIT_S
        for process in processes:
            process.join(max(deadline - time.monotonic(), 0.1))
            if process.is_alive():
                process.kill()
                process.join()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
