"""A past year's figures and report are reproducible: changing the present changes none of them.

2025 is recorded through the real services: incidents; hazards found, ordered, rectified, closed,
one left overdue at the year's end, one listed for supervision and still open then; patrol tasks,
one checked in and one missed; an inspection. The yearly report (docx and xlsx), the figures,
``lanyan stats summary --json``, the dashboard's API and the figures page are generated for 2025.
Then the present changes: the overdue hazard is rectified and closed, the listing delisted, a
2025 report is rejected as untrue, another re-graded major, a rectified one fails its re-check and
is ordered again, the missed task is checked in late, and new incidents and hazards come in
today. Generated again, every figure of 2025 is the same (both backends).

Rejected hazards never count as rectified on any surface (issue 14, acceptance 4): the rejection
changes neither the report's, the dashboard's nor the figures page's 整改销案 count.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import World
from typer.testing import CliRunner

from lanyan.core.actor import SYSTEM
from lanyan.core.clock import utcnow
from lanyan.core.config import get_settings
from lanyan.dispatch.choices import AssignmentStatus, IncidentStatus, IncidentType
from lanyan.dispatch.first_response import refresh_response
from lanyan.dispatch.grading import FireGrade
from lanyan.dispatch.models import Assignment, Incident
from lanyan.prevention import figures, hazards, inspections, listing, patrols
from lanyan.prevention.choices import (
    HazardSeverity,
    InspectionOutcome,
    ListingLevel,
    ListingStatus,
    PatrolTaskStatus,
)
from lanyan.prevention.models import PatrolTask
from lanyan.prevention.schemas import (
    HazardCheck,
    HazardOrder,
    HazardRectified,
    HazardReport,
    HazardVerify,
    ListingAdvance,
    ListingPropose,
)
from lanyan.stats.cli import stats_app
from lanyan.stats.periods import Period
from lanyan.stats.queries import compute_figures
from lanyan.stats.report import write_yearly_report

YEAR = 2025
LON, LAT = 9.522, 47.142  # the world's premises


def at(text: str) -> datetime:
    """An ISO time in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _incident(s: Session, world: World, number: str, received: datetime, typ: IncidentType) -> None:
    incident = Incident(
        number=number, status=IncidentStatus.CLOSED, type=typ, level=1, lon=9.52, lat=47.14,
        brigade_id=world.a.brigade_id, received_at=received,
        closed_at=received + timedelta(hours=2),
        deaths=0, serious_injuries=0, minor_injuries=0,
        direct_loss_cny=800.0 if typ == IncidentType.FIRE else None,
        fire_grade=FireGrade.ORDINARY if typ == IncidentType.FIRE else None,
        slight_fire=typ == IncidentType.FIRE,
    )  # fmt: skip
    s.add(incident)
    s.flush()
    s.add(
        Assignment(
            incident_id=incident.id, unit_id=world.a.unit_id,
            status=AssignmentStatus.IN_QUARTERS, crew_sent=5,
            assigned_at=received + timedelta(seconds=50),
            en_route_at=received + timedelta(seconds=110),
            on_scene_at=received + timedelta(seconds=400),
        )
    )  # fmt: skip
    refresh_response(s, incident)  # what dispatch does after assigning units


def _report(s: Session, world: World, title: str, when: str, **kw: Any) -> int:
    data = HazardReport(premises_id=world.a.premises_id, title=title, **kw)
    return hazards.report_hazard(s, actor=SYSTEM, data=data, at=at(when)).id


def _order(s: Session, hazard_id: int, verified: str, ordered: str) -> None:
    hazards.verify_hazard(
        s, actor=SYSTEM, hazard_id=hazard_id, data=HazardVerify(), at=at(verified)
    )
    hazards.order_rectification(
        s, actor=SYSTEM, hazard_id=hazard_id, data=HazardOrder(workdays=5), at=at(ordered)
    )


@pytest.fixture(scope="module")
def factory(app_client: TestClient, world: World) -> sessionmaker[Session]:
    made: sessionmaker[Session] = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    with made() as s:
        _incident(s, world, "REP2025000001", at("2025-02-10T03:00"), IncidentType.FIRE)
        _incident(s, world, "REP2025000002", at("2025-08-10T13:00"), IncidentType.RESCUE)
        ids: dict[str, int] = {}
        # ordered in November, its deadline passes: overdue at the end of 2025
        ids["overdue"] = _report(s, world, "消防设施损坏", "2025-11-01T02:00")
        _order(s, ids["overdue"], "2025-11-02T02:00", "2025-11-03T02:00")
        # overdue in October, answered (reported rectified) in December: not overdue at the end
        ids["answered"] = _report(s, world, "疏散指示标志损坏", "2025-10-01T02:00")
        _order(s, ids["answered"], "2025-10-01T03:00", "2025-10-02T02:00")
        hazards.mark_rectified(
            s, actor=SYSTEM, hazard_id=ids["answered"], data=HazardRectified(),
            at=at("2025-12-20T02:00"),
        )  # fmt: skip
        # reported in December, still unverified at the end of the year
        ids["pending"] = _report(s, world, "群众举报：楼道堆物", "2025-12-01T02:00")
        ids["regraded"] = _report(s, world, "电动车室内充电", "2025-12-30T02:00")
        # a major hazard, rectified and closed in May, listed in May and still listed at the end
        ids["listed"] = _report(
            s, world, "重大火灾隐患：自动喷水灭火系统瘫痪", "2025-05-01T02:00",
            severity=HazardSeverity.MAJOR,
        )  # fmt: skip
        _order(s, ids["listed"], "2025-05-01T03:00", "2025-05-02T02:00")
        proposed = listing.propose_listing(
            s, actor=SYSTEM, data=ListingPropose(hazard_id=ids["listed"], level=ListingLevel.CITY),
            at=at("2025-05-03T02:00"),
        )  # fmt: skip
        ids["listing"] = proposed.id
        listing.advance_listing(
            s, actor=SYSTEM, listing_id=proposed.id,
            data=ListingAdvance(status=ListingStatus.LISTED), at=at("2025-05-04T02:00"),
        )  # fmt: skip
        hazards.mark_rectified(
            s, actor=SYSTEM, hazard_id=ids["listed"], data=HazardRectified(),
            at=at("2025-05-05T02:00"),
        )  # fmt: skip
        hazards.check_hazard(
            s, actor=SYSTEM, hazard_id=ids["listed"], data=HazardCheck(passed=True),
            at=at("2025-05-06T02:00"),
        )  # fmt: skip
        for key, due in (("task_done", date(2025, 3, 1)), ("task_missed", date(2025, 12, 15))):
            task = PatrolTask(
                premises_id=world.a.premises_id, org_id=world.a.brigade_id, due_on=due,
                status=PatrolTaskStatus.PENDING,
            )  # fmt: skip
            s.add(task)
            s.flush()
            ids[key] = task.id
        patrols.check_in(
            s, actor=SYSTEM, premises_id=world.a.premises_id, lon=LON, lat=LAT, checklist={},
            photo_ids=[], task_id=ids["task_done"], at=at("2025-03-01T03:00"),
        )  # fmt: skip
        inspections.record_inspection(
            s, actor=SYSTEM, premises_id=world.a.premises_id, inspected_on=date(2025, 6, 1),
            checklist={}, outcome=InspectionOutcome.PASSED, at=at("2025-06-01T03:00"),
        )  # fmt: skip
        s.commit()
    made.info = ids  # type: ignore[attr-defined]
    return made


def _change_the_present(s: Session, world: World, ids: dict[str, int]) -> None:
    now = utcnow()
    hazards.mark_rectified(
        s, actor=SYSTEM, hazard_id=ids["overdue"], data=HazardRectified(), at=now
    )
    hazards.check_hazard(
        s, actor=SYSTEM, hazard_id=ids["overdue"], data=HazardCheck(passed=True), at=now
    )
    listing.advance_listing(
        s, actor=SYSTEM, listing_id=ids["listing"],
        data=ListingAdvance(status=ListingStatus.RECTIFYING), at=now,
    )  # fmt: skip
    listing.advance_listing(
        s, actor=SYSTEM, listing_id=ids["listing"],
        data=ListingAdvance(status=ListingStatus.DELISTED), at=now,
    )  # fmt: skip
    hazards.verify_hazard(
        s, actor=SYSTEM, hazard_id=ids["pending"], data=HazardVerify(accept=False), at=now
    )
    hazards.verify_hazard(
        s, actor=SYSTEM, hazard_id=ids["regraded"],
        data=HazardVerify(severity=HazardSeverity.MAJOR), at=now,
    )  # fmt: skip
    # the re-check fails: ordered again, a new deadline overwrites the hazard's own
    hazards.check_hazard(
        s, actor=SYSTEM, hazard_id=ids["answered"], data=HazardCheck(passed=False), at=now
    )
    patrols.check_in(
        s, actor=SYSTEM, premises_id=world.a.premises_id, lon=LON, lat=LAT, checklist={},
        photo_ids=[], task_id=ids["task_missed"], at=now,
    )  # fmt: skip
    _incident(s, world, "REPNOW000001", now - timedelta(minutes=5), IncidentType.FIRE)
    _report(s, world, "今天发现的隐患", now.isoformat()[:19])


def _docx_text(path: Path) -> list[str]:
    document = Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines += [" | ".join(cell.text for cell in row.cells) for row in table.rows]
    for section in document.sections:
        lines += [p.text for p in section.header.paragraphs]
    return lines


def _xlsx_values(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(path, read_only=True)
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


def _everything(
    client: TestClient, factory: sessionmaker[Session], world: World, out: Path
) -> dict[str, Any]:
    out.mkdir()
    with factory() as s:
        values = compute_figures(s, actor=SYSTEM, period=Period.year(YEAR)).values
        docx, xlsx = write_yearly_report(s, actor=SYSTEM, year=YEAR, org_id=None, out_dir=out)
        page = figures.brigade_figures(
            s, actor=SYSTEM, start=date(YEAR, 1, 1), end=date(YEAR + 1, 1, 1)
        ).total
    cli = CliRunner().invoke(stats_app, ["summary", "--year", str(YEAR), "--json"])
    assert cli.exit_code == 0, cli.output
    api = client.get(
        "/api/stats/summary",
        params={"from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31"},
        headers=world.headers("leader"),
    )
    assert api.status_code == 200, api.text
    return {
        "figures": values,
        "json": json.loads(cli.stdout),
        "dashboard": api.json()["values"],
        "page": page,
        "docx": _docx_text(docx),
        "xlsx": _xlsx_values(xlsx),
    }


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("LANYAN_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_a_past_year_reads_the_same_after_the_present_changes(
    app_client: TestClient,
    factory: sessionmaker[Session],
    world: World,
    cli_env: None,
    tmp_path: Path,
) -> None:
    before = _everything(app_client, factory, world, tmp_path / "before")
    v = before["figures"]
    assert (v["incidents.total"], v["fires.total"]) == (2, 1)
    # found: five (the unverified one too); major: the listed one (the re-grade comes later)
    assert (v["hazards.found"], v["hazards.major"], v["hazards.rectified"]) == (5, 1, 1)
    assert v["hazards.overdue"] == 1  # the November order; October's was answered in December
    assert (v["listings.listed"], v["listings.open"], v["listings.delisted"]) == (1, 1, 0)
    assert (v["patrol.tasks_planned"], v["patrol.tasks_done"], v["patrol.tasks_missed"]) == (
        2,
        1,
        1,
    )
    assert (v["patrol.visits"], v["patrol.inspections"]) == (1, 1)
    text = "\n".join(before["docx"])
    assert "年末逾期未改1处" in text and "年末仍在督办1处" in text

    with factory() as s:
        _change_the_present(s, world, factory.info)  # type: ignore[attr-defined]
        s.commit()
        now_values = compute_figures(s, actor=SYSTEM, period=Period.year(utcnow().year)).values
    assert now_values["incidents.total"] >= 1  # today's calls count in this year, not in 2025

    after = _everything(app_client, factory, world, tmp_path / "after")
    for surface in ("figures", "json", "dashboard", "page", "xlsx"):
        assert after[surface] == before[surface], surface
    assert after["docx"] == before["docx"]


def test_a_rejected_hazard_is_never_rectified_on_any_surface(
    app_client: TestClient, factory: sessionmaker[Session], world: World, cli_env: None
) -> None:
    """After the first test the 2025 report rejected in the present is still found in 2025
    (it stood unrejected at the year's end) but never 整改销案; in the present year the
    rejection counts nowhere as rectified either."""
    year = utcnow().year
    with factory() as s:
        stats = compute_figures(s, actor=SYSTEM, period=Period.year(year)).values
        page = figures.brigade_figures(
            s, actor=SYSTEM, start=date(year, 1, 1), end=date(year + 1, 1, 1)
        ).total
    api = app_client.get(
        "/api/stats/summary",
        params={"from": f"{year}-01-01", "to": f"{year}-12-31"},
        headers=world.headers("leader"),
    ).json()["values"]
    # closed this year: the overdue hazard of 2025; the rejected report is not among them
    assert stats["hazards.rectified"] == api["hazards.rectified"] == page.hazards_rectified == 1
