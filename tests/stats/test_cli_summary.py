"""``lanyan stats summary``: one table per title, 虚假警 once, "—" where a figure has no data, and
``--json`` as one object of dotted keys. A fire and three hazards in 2025; 2024 starts empty."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import World
from typer.testing import CliRunner

from lanyan.core.actor import SYSTEM
from lanyan.core.config import get_settings
from lanyan.dispatch.choices import AssignmentStatus, IncidentStatus, IncidentType
from lanyan.dispatch.first_response import refresh_response
from lanyan.dispatch.grading import FireGrade
from lanyan.dispatch.models import Assignment, Incident
from lanyan.prevention import hazards
from lanyan.prevention.schemas import HazardOrder, HazardReport, HazardVerify
from lanyan.stats.cli import stats_app, summary_sections
from lanyan.stats.periods import Period
from lanyan.stats.queries import compute_figures


def at(text: str) -> datetime:
    """An ISO time in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def factory(app_client: TestClient, world: World) -> sessionmaker[Session]:
    made: sessionmaker[Session] = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    with made() as s:
        fire = Incident(
            number="CLI2025000001", status=IncidentStatus.CLOSED, type=IncidentType.FIRE,
            level=1, lon=9.52, lat=47.14, brigade_id=world.a.brigade_id,
            received_at=at("2025-03-01T02:00"), closed_at=at("2025-03-01T04:00"),
            deaths=0, serious_injuries=0, minor_injuries=0, direct_loss_cny=500.0,
            fire_grade=FireGrade.ORDINARY, slight_fire=True,
        )  # fmt: skip
        s.add(fire)
        s.flush()
        for unit_id, crew in ((world.a.unit_id, 5), (world.b.unit_id, 4)):
            s.add(
                Assignment(
                    incident_id=fire.id, unit_id=unit_id, status=AssignmentStatus.IN_QUARTERS,
                    crew_sent=crew, assigned_at=at("2025-03-01T02:01"),
                )
            )  # fmt: skip
        refresh_response(s, fire)  # what dispatch does after assigning units
        late = hazards.report_hazard(
            s,
            actor=SYSTEM,
            data=HazardReport(premises_id=world.a.premises_id, title="消防设施损坏"),
            at=at("2025-03-02T05:00"),
        ).id
        hazards.verify_hazard(
            s, actor=SYSTEM, hazard_id=late, data=HazardVerify(), at=at("2025-03-03T06:00")
        )
        hazards.order_rectification(
            s, actor=SYSTEM, hazard_id=late, data=HazardOrder(workdays=5), at=at("2025-03-03T07:00")
        )
        s.commit()
    return made


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LANYAN_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_json_is_one_object_of_dotted_keys(factory: sessionmaker[Session], cli_env: None) -> None:
    result = CliRunner().invoke(stats_app, ["summary", "--year", "2025", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert isinstance(figures, dict)
    assert all("." in key for key in figures)
    assert figures["incidents.total"] == 1
    assert figures["incidents.by_type.fire"] == 1
    assert figures["fires.total"] == 1
    assert figures["fires.slight"] == 1  # 轻微火灾: no casualties, 500 元
    # 队次 / 辆次 / 人次: two stations' units went, with crews of 5 and 4
    assert (figures["turnouts.stations"], figures["turnouts.units"]) == (2, 2)
    assert figures["turnouts.people"] == 9
    assert figures["hazards.found"] == 1
    assert figures["hazards.overdue"] == 1
    assert all(v is None or isinstance(v, int | float) for v in figures.values())
    traced = CliRunner().invoke(
        stats_app, ["summary", "--year", "2025", "--trace", "hazards.found", "--json"]
    )
    assert traced.exit_code == 0, traced.output
    assert [r["title"] for r in json.loads(traced.stdout)] == ["消防设施损坏"]
    traced = CliRunner().invoke(
        stats_app, ["summary", "--year", "2025", "--trace", "fires.slight", "--json"]
    )
    assert [r["number"] for r in json.loads(traced.stdout)] == ["CLI2025000001"]


def _sections(factory: sessionmaker[Session]) -> dict[str, dict[str, tuple[str, str, str]]]:
    with factory() as s:
        cur = compute_figures(s, actor=SYSTEM, period=Period.year(2025))
        prev = compute_figures(s, actor=SYSTEM, period=Period.year(2024), now=cur.computed_at)
        sections = summary_sections(cur, prev)
    titles = [title for title, _ in sections]
    assert len(titles) == len(set(titles)), titles  # 抢险救援成效 once, holding people and property
    labels = Counter(row.label for _, rows in sections for row in rows)
    assert labels["虚假警"] == 1
    return {
        title: {row.key: (row.current, row.previous, row.change) for row in rows}
        for title, rows in sections
    }


def test_tables_show_a_dash_where_a_figure_has_no_data(
    factory: sessionmaker[Session], world: World
) -> None:
    tables = _sections(factory)
    assert set(tables["抢险救援成效"]) >= {"people.rescued", "property.protected_cny"}
    # 2024 has no records: every figure of its column is "—", and so is every change
    for rows in tables.values():
        for key, (_, previous, moved) in rows.items():
            assert (previous, moved) == ("—", "—"), key
    assert tables["接警出动"]["incidents.total"][0] == "1"
    assert tables["接警出动"]["turnouts.people"][0] == "9"
    assert tables["火灾隐患"]["hazards.overdue"][0] == "1"  # at the end of the period (now)

    # a hazard found in 2024: that year has data now, and its stocks are told as of its end
    with factory() as s:
        hazards.report_hazard(
            s,
            actor=SYSTEM,
            data=HazardReport(title="2024年的隐患", premises_id=world.a.premises_id),
            at=at("2024-06-01T02:00"),
        )
        s.commit()
    tables = _sections(factory)
    assert tables["火灾隐患"]["hazards.found"] == ("1", "1", "持平")
    assert tables["火灾隐患"]["hazards.overdue"][:2] == ("1", "0")
    assert tables["接警出动"]["incidents.total"][:2] == ("1", "0")
