"""``lanyan iot ...``: the intake worker, the sweeps, demo devices and the device simulator."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

iot_app = typer.Typer(help="物联网监测 IoT monitoring", no_args_is_help=True)
console = Console()


def _factory() -> sessionmaker[Session]:
    from lanyan.core.config import get_settings
    from lanyan.core.errors import DomainError
    from lanyan.core.migrate import current_sessionmaker

    try:
        return current_sessionmaker(get_settings().database_url)
    except DomainError as exc:
        console.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(2) from exc


@iot_app.command()
def run(
    mqtt: Annotated[bool, typer.Option("--mqtt/--no-mqtt", help="take MQTT uplinks")] = True,
    tcp_host: Annotated[str, typer.Option(help="GB/T 26875.3 listener address")] = "0.0.0.0",  # noqa: S104
    tcp_port: Annotated[int, typer.Option(min=0, max=65535, help="0: no listener")] = 5010,
    client_id: Annotated[
        str | None, typer.Option(help="MQTT client id (each worker of a shared group its own)")
    ] = None,
    sweep_every: Annotated[float, typer.Option(min=0.5, help="seconds between sweeps")] = 5.0,
) -> None:
    """Run the intake worker: MQTT, the GB/T 26875.3 listener, escalation/offline/fault sweeps."""
    from lanyan.core.config import get_settings
    from lanyan.iot.config import iot_settings
    from lanyan.iot.worker import WorkerOptions, run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    options = WorkerOptions(
        mqtt=mqtt,
        tcp_host=tcp_host if tcp_port else None,
        tcp_port=tcp_port,
        sweep_every_s=sweep_every,
        client_id=client_id,
    )
    console.print(
        f"物联网接入 → MQTT {'开' if mqtt else '关'}，GB/T 26875.3 端口 {tcp_port or '关'}"
    )
    asyncio.run(run_worker(_factory(), get_settings(), iot_settings(), options))


@iot_app.command()
def listen(
    host: Annotated[str, typer.Option()] = "0.0.0.0",  # noqa: S104
    port: Annotated[int, typer.Option(min=1, max=65535)] = 5010,
) -> None:
    """Run only the GB/T 26875.3 TCP listener (no MQTT)."""
    run(mqtt=False, tcp_host=host, tcp_port=port, client_id=None, sweep_every=5.0)


@iot_app.command()
def sweep() -> None:
    """Escalate alarms left 待核实, mark silent devices offline, raise/close fault hazards."""
    from lanyan.iot.config import iot_settings
    from lanyan.iot.worker import sweep_once

    result = sweep_once(_factory(), iot_settings())
    console.print(
        f"升级 {result.escalated}，离线 {result.offline}，"
        f"新隐患 {result.hazards_opened}，销案 {result.hazards_closed}"
    )


@iot_app.command("demo-devices")
def demo_devices(
    per_premises: Annotated[int, typer.Option(min=1, max=50)] = 2,
) -> None:
    """Give the demo's small venues and key premises devices (smoke alarms, gas, panels)."""
    from lanyan.iot.simulator import ensure_demo_devices

    created = ensure_demo_devices(_factory(), per_premises=per_premises)
    console.print(f"新增物联设备 {created} 台")


@iot_app.command()
def simulate(
    seconds: Annotated[float, typer.Option(min=1)] = 60.0,
    rate: Annotated[float, typer.Option(min=0.1, help="messages per second in all")] = 20.0,
    alarm_share: Annotated[float, typer.Option(min=0, max=1)] = 0.002,
    fault_share: Annotated[float, typer.Option(min=0, max=1)] = 0.01,
    tcp: Annotated[str | None, typer.Option(help="GB/T 26875.3 listener host:port")] = None,
    http: Annotated[str | None, typer.Option(help="server URL for the HTTP push")] = None,
) -> None:
    """Send realistic heartbeats, faults and the odd alarm for the registered devices: over MQTT
    (the broker of LANYAN_MQTT_URL), GB/T 26875.3 frames (--tcp) and signed HTTP pushes (--http,
    vendors with a key in LANYAN_IOT_VENDOR_KEYS)."""
    from lanyan.core.config import get_settings
    from lanyan.iot.config import iot_settings
    from lanyan.iot.simulator import Simulator

    sim = Simulator(
        _factory(),
        mqtt_url=get_settings().mqtt_url,
        tcp=tcp,
        http=http,
        vendor_keys=iot_settings().vendor_keys,
    )
    sent = sim.run(seconds=seconds, rate=rate, alarm_share=alarm_share, fault_share=fault_share)
    console.print(json.dumps(sent, ensure_ascii=False))
