"""Imports in Chinese coordinate systems, and rows placed far from every road.

Acceptance 4 and 5 of "Your own city": a GCJ-02 import lands within a metre of the WGS-84 truth;
a station 50 km from any road, an unknown coordinate system and a malformed phone list each get a
clear row report, and nothing is written.
"""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from pyproj import Geod
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import World

from lanyan.core.actor import SYSTEM
from lanyan.exchange.importer import import_file
from lanyan.exchange.specs import SPECS
from lanyan.forces.models import Organization, WaterSource
from lanyan.geo.crs import Crs, from_wgs84

GEOD = Geod(ellps="WGS84")
TRUTH = {"bj:ws:1": (116.397, 39.908), "bj:ws:2": (121.4737, 31.2304)}


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _factory(client: TestClient) -> sessionmaker[Session]:
    return client.app.state.sessionmaker  # type: ignore[attr-defined,no-any-return]


def test_gcj02_and_bd09_rows_land_on_their_wgs84_truth(
    app_client: TestClient, world: World
) -> None:
    gcj = from_wgs84(*TRUTH["bj:ws:1"], Crs.GCJ02)
    bd = from_wgs84(*TRUTH["bj:ws:2"], Crs.BD09)
    content = _csv(
        ["编号", "名称", "类型", "管护单位编号", "经度", "纬度", "坐标系"],
        [
            ["bj:ws:1", "天安门消火栓", "市政消火栓", "t:station:a", gcj[0], gcj[1], ""],
            # a row may name its own system, whatever the file's is
            ["bj:ws:2", "人民广场消火栓", "市政消火栓", "t:station:a", bd[0], bd[1], "百度"],
        ],
    )
    with _factory(app_client)() as session:
        report = import_file(
            session,
            actor=SYSTEM,
            spec=SPECS["water_sources"],
            filename="hydrants.csv",
            content=content,
            crs=Crs.GCJ02,
            distance_to_road=None,  # no Beijing roads here: the report says it did not check
        )
        assert report.created == 2
        assert any("未检查" in w.reason_zh for w in report.warnings)
        stored = {
            ws.external_id: (ws.lon, ws.lat)
            for ws in session.scalars(select(WaterSource).where(WaterSource.external_id.in_(TRUTH)))
        }
    for external_id, truth in TRUTH.items():
        assert _metres(stored[external_id], truth) < 1.0, external_id

    # exported in GCJ-02, each row says so and imports back to the same place
    exported = app_client.get(
        "/api/exchange/water_sources/export",
        params={"format": "csv", "crs": "gcj02"},
        headers=world.headers("admin_det"),
    )
    assert exported.status_code == 200
    rows = {
        r["external_id"]: r for r in csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff")))
    }
    row = rows["bj:ws:1"]
    assert row["crs"] == "gcj02"
    assert _metres((float(row["lon"]), float(row["lat"])), gcj) < 1.0
    with _factory(app_client)() as session:
        again = import_file(
            session,
            actor=SYSTEM,
            spec=SPECS["water_sources"],
            filename="back.csv",
            content=exported.content,
        )
        session.rollback()
    assert again.updated == 0
    assert again.unchanged == again.rows


def _count(client: TestClient, model: type) -> int:
    with _factory(client)() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_station_50_km_from_any_road_is_refused_with_its_row(
    app_client: TestClient, world: World
) -> None:
    before = _count(app_client, Organization)
    content = _csv(
        ["编号", "名称", "类别", "上级编号", "经度", "纬度"],
        [
            ["far:s1", "近处消防站", "消防救援站", "t:brigade:a", 9.5205, 47.1405],
            ["far:s2", "远处消防站", "消防救援站", "t:brigade:a", 10.2, 47.1],
        ],
    )
    r = app_client.post(
        "/api/exchange/organizations/import",
        headers=world.headers("admin_det"),
        files={"file": ("stations.csv", content, "text/csv")},
    )
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert [e["row"] for e in errors] == ["3"]
    assert "距最近道路" in errors[0]["reason"]
    assert "坐标系" in errors[0]["reason"]
    assert _count(app_client, Organization) == before


def test_a_point_a_little_off_the_road_is_imported_with_a_warning(
    app_client: TestClient, world: World
) -> None:
    content = _csv(
        ["编号", "名称", "类型", "管护单位编号", "经度", "纬度"],
        [["off:ws:1", "山坡水池", "消防水池", "t:station:a", 9.5795, 47.1545]],
    )
    r = app_client.post(
        "/api/exchange/water_sources/import",
        headers=world.headers("admin_det"),
        files={"file": ("pool.csv", content, "text/csv")},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["created"] == 1
    assert body["warnings"], "a point hundreds of metres off the road is pointed out"
    assert "请核对坐标" in body["warnings"][0]["reason"]


def test_unknown_crs_and_malformed_phones_get_a_row_report(
    app_client: TestClient, world: World
) -> None:
    before = _count(app_client, Organization)
    headers = world.headers("admin_det")
    unknown_file_crs = app_client.post(
        "/api/exchange/organizations/import?crs=utm50n",
        headers=headers,
        files={"file": ("x.csv", _csv(["编号", "名称"], [["x:1", "x"]]), "text/csv")},
    )
    assert unknown_file_crs.status_code == 422
    assert "坐标系" in unknown_file_crs.json()["detail"]
    content = _csv(
        ["编号", "名称", "类别", "上级编号", "经度", "纬度", "坐标系", "电话"],
        [
            ["bad:s1", "一站", "消防救援站", "t:brigade:a", 9.5205, 47.1405, "utm50n", ""],
            ["bad:s2", "二站", "消防救援站", "t:brigade:a", 9.5205, 47.1405, "", "请打总机"],
            [
                "bad:s3",
                "三站",
                "消防救援站",
                "t:brigade:a",
                9.5205,
                47.1405,
                "",
                "58825029、68620029",
            ],
        ],
    )
    r = app_client.post(
        "/api/exchange/organizations/import",
        headers=headers,
        files={"file": ("stations.csv", content, "text/csv")},
    )
    assert r.status_code == 422, r.text
    errors = {e["row"]: e for e in r.json()["errors"]}
    assert set(errors) == {"2", "3"}
    assert errors["2"]["column"] == "crs"
    assert "未知的坐标系" in errors["2"]["reason"]
    assert errors["3"]["column"] == "phone"
    assert _count(app_client, Organization) == before


def test_numbers_typed_full_width_or_with_separators_are_read(
    app_client: TestClient, world: World
) -> None:
    content = _csv(
        ["编号", "车辆名称", "车辆类型", "所属站编号", "载水量(升)", "在岗人数", "泵流量(升/秒)"],
        [["fw:u1", "全角水罐", "水罐车", "t:station:a", "８，０００", "５", "６0.5"]],
    )
    with _factory(app_client)() as session:
        report = import_file(
            session, actor=SYSTEM, spec=SPECS["units"], filename="units.csv", content=content
        )
        session.commit()
    assert report.created == 1
    r = app_client.get(
        "/api/forces/units", params={"limit": 1000}, headers=world.headers("admin_a")
    )
    unit = next(u for u in r.json()["items"] if u["external_id"] == "fw:u1")
    assert (unit["water_l"], unit["crew_on_duty"], unit["pump_flow_lps"]) == (8000, 5, 60.5)
