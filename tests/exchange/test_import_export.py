"""Imports are all-or-nothing with a row-by-row report, idempotent, and round-trip with exports."""

from __future__ import annotations

import csv
import gc
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import World

from lanyan.core.actor import SYSTEM
from lanyan.core.audit import AuditLog
from lanyan.exchange.exporter import export_file
from lanyan.exchange.formats import Format
from lanyan.exchange.importer import ImportRejected, import_file
from lanyan.exchange.jobs import worker_pace
from lanyan.exchange.specs import SPECS
from lanyan.forces.models import WaterSource
from lanyan.iot import service as iot_service
from lanyan.iot.choices import DeviceKind
from lanyan.iot.schemas import DeviceCreate

HEADER = ["external_id", "name", "kind", "state", "org_external_id", "lon", "lat", "flow_lps"]
BAD_INDEX = 536  # 0-based data row: line 538 of the file (header is line 1)


def _rows(n: int, prefix: str, bad: bool) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for i in range(n):
        rows.append(
            [
                f"{prefix}:{i:04d}",
                f"消火栓{i}",
                "市政消火栓",
                "完好",
                "t:station:a",
                9.5 + i * 1e-5,
                47.1 + i * 1e-5,
                15,
            ]
        )
    if bad:
        rows[BAD_INDEX][6] = 147.1  # latitude out of range
    return rows


def _csv(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _geojson(rows: list[list[Any]]) -> bytes:
    features = []
    for row in rows:
        props = dict(zip(HEADER, row, strict=True))
        lon, lat = props.pop("lon"), props.pop("lat")
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _counts(factory: sessionmaker[Session]) -> tuple[int, int]:
    with factory() as session:
        sources = session.scalar(select(func.count()).select_from(WaterSource)) or 0
        audits = session.scalar(select(func.count()).select_from(AuditLog)) or 0
    return sources, audits


@pytest.mark.parametrize(
    ("fmt", "build", "label"),
    [
        ("csv", _csv, str(BAD_INDEX + 2)),
        ("xlsx", _xlsx, str(BAD_INDEX + 2)),
        ("geojson", _geojson, f"feature {BAD_INDEX + 1}"),
    ],
)
def test_one_bad_row_in_1000_rejects_the_whole_file(
    world: World, session_factory: sessionmaker[Session], fmt: str, build: Any, label: str
) -> None:
    before = _counts(session_factory)
    with session_factory() as session, pytest.raises(ImportRejected) as caught:
        import_file(
            session,
            actor=SYSTEM,
            spec=SPECS["water_sources"],
            filename=f"f.{fmt}",
            content=build(_rows(1000, f"bad{fmt}", bad=True)),
        )
    errors = caught.value.report.errors
    assert [(e.row, e.column) for e in errors] == [(label, "lat")]
    assert "数值过大" in errors[0].reason_zh
    assert "less than or equal" in errors[0].reason_en
    assert _counts(session_factory) == before


def test_a_row_failing_in_the_database_pass_also_rolls_back_everything(
    world: World, session_factory: sessionmaker[Session]
) -> None:
    rows = _rows(300, "late", bad=False)
    rows[250][4] = "no-such-org"  # only detectable against the database
    before = _counts(session_factory)
    with session_factory() as session, pytest.raises(ImportRejected) as caught:
        import_file(
            session, actor=SYSTEM, spec=SPECS["water_sources"], filename="f.csv", content=_csv(rows)
        )
    assert [(e.row, e.column) for e in caught.value.report.errors] == [("252", "org_external_id")]
    assert _counts(session_factory) == before


def test_reimporting_the_same_file_is_idempotent(
    world: World, session_factory: sessionmaker[Session]
) -> None:
    content = _xlsx(_rows(200, "idem", bad=False))
    with session_factory() as session:
        first = import_file(
            session, actor=SYSTEM, spec=SPECS["water_sources"], filename="f.xlsx", content=content
        )
        session.commit()
    after_first = _counts(session_factory)
    with session_factory() as session:
        second = import_file(
            session, actor=SYSTEM, spec=SPECS["water_sources"], filename="f.xlsx", content=content
        )
        session.commit()
    assert (first.created, first.updated) == (200, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 200)
    assert _counts(session_factory) == after_first


def test_changed_rows_are_updated_and_audited(
    world: World, session_factory: sessionmaker[Session]
) -> None:
    rows = _rows(20, "upd", bad=False)
    with session_factory() as session:
        import_file(
            session, actor=SYSTEM, spec=SPECS["water_sources"], filename="f.csv", content=_csv(rows)
        )
        session.commit()
    rows[3][3] = "损坏"
    with session_factory() as session:
        report = import_file(
            session, actor=SYSTEM, spec=SPECS["water_sources"], filename="f.csv", content=_csv(rows)
        )
        session.commit()
        ws = session.scalars(select(WaterSource).where(WaterSource.external_id == "upd:0003")).one()
    assert (report.updated, report.unchanged) == (1, 19)
    assert ws.state.value == "damaged"


@pytest.fixture(scope="module")
def a_device(world: World, session_factory: sessionmaker[Session]) -> int:
    """One IoT device at a premises of the world: the devices file has a row to carry."""
    with session_factory() as session:
        device = iot_service.create_device(
            session,
            actor=SYSTEM,
            data=DeviceCreate(
                external_id="dev:roundtrip",
                name="往返烟感",
                kind=DeviceKind.SMOKE_ALARM,
                vendor="acme",
                vendor_device_id="roundtrip-1",
                premises_id=world.a.premises_id,
                location="1F 大厅",
            ),
        )
        session.commit()
        return device.id


@pytest.mark.parametrize("entity", sorted(SPECS))
@pytest.mark.parametrize("fmt", list(Format))
def test_export_then_import_changes_nothing(
    world: World,
    session_factory: sessionmaker[Session],
    a_device: int,
    entity: str,
    fmt: Format,
) -> None:
    spec = SPECS[entity]
    with session_factory() as session:
        content = export_file(session, actor=SYSTEM, spec=spec, fmt=fmt)
        report = import_file(
            session, actor=SYSTEM, spec=spec, filename=f"x.{fmt.value}", content=content
        )
        session.commit()
    assert report.rows > 0
    assert (report.created, report.updated) == (0, 0), report.as_dict()


def test_chinese_headers_and_labels_are_accepted(
    world: World, session_factory: sessionmaker[Session]
) -> None:
    header = ["编号", "名称", "类型", "状态", "管护单位编号", "经度", "纬度"]
    content = _csv(
        [["zh:1", "中文表头栓", "消防水池", "水压不足", "t:station:a", 9.5, 47.1]], header
    )
    with session_factory() as session:
        report = import_file(
            session, actor=SYSTEM, spec=SPECS["water_sources"], filename="zh.csv", content=content
        )
        session.commit()
    assert report.created == 1


def test_api_upload_reports_bad_rows_as_problem_json(app_client: TestClient, world: World) -> None:
    content = _csv(_rows(1000, "api", bad=True))
    r = app_client.post(
        "/api/exchange/water_sources/import",
        headers=world.headers("admin_det"),
        files={"file": ("hydrants.csv", content, "text/csv")},
    )
    assert r.status_code == 422
    body = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert body["errors"] == [
        {
            "row": str(BAD_INDEX + 2),
            "column": "lat",
            "reason": "数值过大",
            "reason_en": body["errors"][0]["reason_en"],
            "value": "147.1",
        }
    ]
    assert "未作任何修改" in body["detail"]


def test_api_export_is_limited_to_the_jurisdiction(app_client: TestClient, world: World) -> None:
    r = app_client.get(
        "/api/exchange/units/export",
        params={"format": "xlsx"},
        headers=world.headers("dispatcher_a"),
    )
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).worksheets[0]
    ids = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "t:unit:a" in ids
    assert "t:unit:b" not in ids


def test_unknown_columns_and_files_are_refused(app_client: TestClient, world: World) -> None:
    r = app_client.post(
        "/api/exchange/units/import",
        headers=world.headers("admin_det"),
        files={"file": ("u.csv", b"external_id,colour\nx,red\n", "text/csv")},
    )
    assert r.status_code == 422
    assert "colour" in r.json()["detail"]
    r = app_client.post(
        "/api/exchange/units/import",
        headers=world.headers("admin_det"),
        files={"file": ("u.xlsx", b"not a spreadsheet", "application/octet-stream")},
    )
    assert r.status_code == 422
    r = app_client.post(
        "/api/exchange/units/import",
        headers=world.headers("dispatcher_a"),
        files={"file": ("u.csv", b"external_id\n", "text/csv")},
    )
    assert r.status_code == 403


def test_the_workers_collections_run_between_chunks_never_inside_one(
    world: World, session_factory: sessionmaker[Session], engine: Engine
) -> None:
    """A full collection in the middle of a chunk stopped the import's worker for up to 0.4 s
    while it held SQLite's write lock, and a 119 call waited for it (lanyan.core.heap): in the
    worker, collections run only at the import's pacing points, where it holds no write."""
    writing = False
    during_write: list[bool] = []

    def statement(_c: Any, _cur: Any, sql: str, *_args: Any) -> None:
        nonlocal writing
        writing = writing or sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))

    def ended(_connection: Any) -> None:
        nonlocal writing
        writing = False

    def collection(phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            during_write.append(writing)

    listeners = [("before_cursor_execute", statement), ("commit", ended), ("rollback", ended)]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    gc.callbacks.append(collection)
    try:
        with worker_pace(1.0) as pace, session_factory() as session:
            report = import_file(
                session,
                actor=SYSTEM,
                spec=SPECS["water_sources"],
                filename="f.csv",
                content=_csv(_rows(3000, "gcfree", bad=False)),
                pace=pace,
            )
            session.commit()
    finally:
        gc.callbacks.remove(collection)
        for name, listener in listeners:
            event.remove(engine, name, listener)
    assert report.created == 3000
    assert during_write  # collections ran, at the pacing points
    assert not any(during_write)
    assert gc.isenabled()
