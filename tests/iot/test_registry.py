"""The device registry: API with role and jurisdiction, audit, and the XLSX/CSV import."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.audit import AuditLog
from tests.factories import World


def _factory(client: TestClient) -> sessionmaker[Session]:
    return client.app.state.sessionmaker  # type: ignore[attr-defined,no-any-return]


def _device(world: World, tag: str, **extra: object) -> dict[str, object]:
    return {
        "external_id": f"reg:{tag}",
        "name": f"{tag}烟感",
        "kind": "smoke_alarm",
        "vendor": "acme",
        "vendor_device_id": f"NB-{tag}",
        "premises_id": world.a.premises_id,
        "location": "3F 东侧走廊",
        **extra,
    }


def test_an_officer_registers_a_device_that_the_other_brigade_never_sees(
    app_client: TestClient, world: World
) -> None:
    r = app_client.post(
        "/api/iot/devices", json=_device(world, "one"), headers=world.headers("officer_a")
    )
    assert r.status_code == 201, r.text
    device = r.json()
    assert device["org_id"] == world.a.brigade_id
    assert device["online"] is False
    assert device["premises_external_id"] == "t:premises:a"
    mine = app_client.get("/api/iot/devices", headers=world.headers("dispatcher_a")).json()
    assert device["id"] in [d["id"] for d in mine["items"]]
    theirs = app_client.get("/api/iot/devices", headers=world.headers("dispatcher_b")).json()
    assert device["id"] not in [d["id"] for d in theirs["items"]]
    hidden = app_client.get(f"/api/iot/devices/{device['id']}", headers=world.headers("admin_b"))
    assert hidden.status_code == 404
    with _factory(app_client)() as session:
        rows = session.scalars(
            select(AuditLog).where(
                AuditLog.entity == "iot_device", AuditLog.entity_id == str(device["id"])
            )
        ).all()
    assert [row.action for row in rows] == ["create"]


def test_roles_and_jurisdiction_guard_every_write(app_client: TestClient, world: World) -> None:
    # a grid worker may not register; an officer of brigade b may not place one at a's premises
    r = app_client.post(
        "/api/iot/devices", json=_device(world, "grid"), headers=world.headers("grid_a")
    )
    assert r.status_code == 403
    r = app_client.post(
        "/api/iot/devices", json=_device(world, "b"), headers=world.headers("officer_b")
    )
    assert r.status_code == 404
    r = app_client.post(
        "/api/iot/devices",
        json={**_device(world, "bad"), "heartbeat_interval_s": 1, "kind": "toaster"},
        headers=world.headers("officer_a"),
    )
    assert r.status_code == 422
    created = app_client.post(
        "/api/iot/devices", json=_device(world, "two"), headers=world.headers("officer_a")
    ).json()
    r = app_client.patch(
        f"/api/iot/devices/{created['id']}",
        json={"location": "B1 配电房"},
        headers=world.headers("officer_b"),
    )
    assert r.status_code == 404
    r = app_client.patch(
        f"/api/iot/devices/{created['id']}",
        json={"location": "B1 配电房"},
        headers=world.headers("officer_a"),
    )
    assert r.status_code == 200 and r.json()["location"] == "B1 配电房"
    dup = app_client.post(
        "/api/iot/devices",
        json={**_device(world, "three"), "vendor_device_id": "NB-two"},
        headers=world.headers("officer_a"),
    )
    assert dup.status_code == 409, "vendor + vendor device id names one device"


def _csv(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["编号", "名称", "设备类型", "厂商", "厂商设备号", "所在单位编号", "安装位置"])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def test_devices_import_from_csv_and_xlsx_and_export_back(
    app_client: TestClient, world: World
) -> None:
    content = _csv(
        [
            ["imp:1", "一号烟感", "独立式感烟火灾探测报警器", "acme", "IMP-1", "t:premises:a", ""],
            ["imp:2", "燃气探测", "gas_detector", "acme", "IMP-2", "t:premises:a", "厨房"],
        ]
    )
    r = app_client.post(
        "/api/exchange/devices/import",
        headers=world.headers("admin_a"),
        files={"file": ("devices.csv", content, "text/csv")},
    )
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 2
    # the other brigade's administrator cannot import onto brigade a's premises
    refused = app_client.post(
        "/api/exchange/devices/import",
        headers=world.headers("admin_b"),
        files={
            "file": (
                "d.csv",
                _csv([["imp:3", "x", "other", "acme", "IMP-3", "t:premises:a", ""]]),
                "text/csv",
            )
        },
    )
    assert refused.status_code in (404, 422), refused.text
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["编号", "名称", "设备类型", "厂商", "厂商设备号", "所在单位编号", "心跳间隔(秒)"])
    sheet.append(["imp:4", "水压", "消防水压传感器", "acme", "IMP-4", "t:premises:a", 600])
    buffer = io.BytesIO()
    book.save(buffer)
    r = app_client.post(
        "/api/exchange/devices/import",
        headers=world.headers("admin_a"),
        files={"file": ("devices.xlsx", buffer.getvalue(), "application/octet-stream")},
    )
    assert r.status_code == 200, r.text
    exported = app_client.get(
        "/api/exchange/devices/export?format=xlsx", headers=world.headers("officer_a")
    )
    assert exported.status_code == 200, exported.text
    rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    by_id = {row[0]: row for row in rows[1:]}
    assert {"imp:1", "imp:2", "imp:4"} <= set(by_id)
    theirs = app_client.get(
        "/api/exchange/devices/export?format=csv", headers=world.headers("officer_b")
    )
    assert "imp:1" not in theirs.text
