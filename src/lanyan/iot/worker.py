"""The intake worker (``lanyan iot run``): MQTT intake, the GB/T 26875.3 listener and the sweeps,
in one process, publishing its live events on the broker when ``LANYAN_EVENT_BUS=mqtt``.

Consoles served by any number of server processes see the worker's alarms because every server
relays broker events to its own consoles (:mod:`lanyan.live.bus`) and the worker forwards each
event it commits to the same topic.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.config import Settings
from lanyan.core.events import BUS
from lanyan.iot import service
from lanyan.iot.config import IotSettings
from lanyan.iot.gbt26875 import Gbt26875Listener
from lanyan.iot.mqtt_intake import MqttIntake
from lanyan.live.bus import BrokerRelay, events_topic, make_transport

log = logging.getLogger(__name__)


@dataclass
class WorkerOptions:
    """What the worker runs."""

    mqtt: bool = True
    tcp_host: str | None = "0.0.0.0"  # noqa: S104 - devices connect from the network
    tcp_port: int = 5010
    sweep_every_s: float = 5.0
    client_id: str | None = None


def sweep_once(factory: sessionmaker[Session], settings: IotSettings) -> service.SweepResult:
    """One sweep in its own transaction."""
    with factory() as session:
        result = service.sweep(session, settings=settings)
        session.commit()
        return result


async def run_worker(
    factory: sessionmaker[Session],
    settings: Settings,
    iot: IotSettings,
    options: WorkerOptions,
    *,
    stop: asyncio.Event | None = None,
) -> None:
    """Run until ``stop`` is set (or SIGINT/SIGTERM)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread
            loop.add_signal_handler(sig, stop.set)
    relay = None
    if settings.event_bus == "mqtt":
        relay = BrokerRelay(BUS, make_transport(settings), events_topic(settings))
        relay.start()
    intake = None
    if options.mqtt:
        intake = MqttIntake(settings.mqtt_url, factory, settings=iot, client_id=options.client_id)
        intake.start()
    listener = None
    if options.tcp_host is not None:
        listener = Gbt26875Listener(
            factory, host=options.tcp_host, port=options.tcp_port, settings=iot
        )
        port = await listener.start()
        log.info("GB/T 26875.3 listener on %s:%s", options.tcp_host, port)
    try:
        while not stop.is_set():
            try:
                await asyncio.to_thread(sweep_once, factory, iot)
            except Exception:  # a sweep failing (database away) must not stop the intake
                log.exception("IoT sweep failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=options.sweep_every_s)
    finally:
        if listener is not None:
            await listener.close()
        if intake is not None:
            await asyncio.to_thread(intake.stop)
        if relay is not None:
            await asyncio.to_thread(relay.close)
