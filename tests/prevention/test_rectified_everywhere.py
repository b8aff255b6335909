"""A hazard rejected as untrue is stamped ``closed_at`` but is never 整改销案, on any surface.

Three hazards go through the real workflow in March 2025: one rejected as untrue, one ordered,
rectified and closed after the re-check, one ordered and left past its deadline. The figures
page, the statistics, their trace, the yearly report and the officer's list must
all count the same one hazard as rectified and the same one as overdue (both backends).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import World

from lanyan.core.actor import SYSTEM
from lanyan.prevention import figures, hazards
from lanyan.prevention.choices import HazardStatus
from lanyan.prevention.hazards_api import hazard_public
from lanyan.prevention.models import Hazard
from lanyan.prevention.schemas import (
    HazardCheck,
    HazardOrder,
    HazardRectified,
    HazardReport,
    HazardVerify,
)
from lanyan.stats.periods import Period
from lanyan.stats.queries import compute_figures
from lanyan.stats.report import yearly_content
from lanyan.stats.trace import trace

NOW = datetime(2025, 6, 1, tzinfo=UTC)
YEAR = 2025


def at(text: str) -> datetime:
    """An ISO time in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def ids(app_client: TestClient, world: World) -> dict[str, int]:
    factory: sessionmaker[Session] = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    with factory() as s:

        def report(title: str, when: str) -> int:
            data = HazardReport(premises_id=world.a.premises_id, title=title)
            return hazards.report_hazard(s, actor=SYSTEM, data=data, at=at(when)).id

        rejected = report("不属实的举报", "2025-03-02T03:00")
        hazards.verify_hazard(
            s,
            actor=SYSTEM,
            hazard_id=rejected,
            data=HazardVerify(accept=False),
            at=at("2025-03-03T03:00"),
        )
        fixed = report("堵塞疏散通道", "2025-03-02T04:00")
        hazards.verify_hazard(
            s, actor=SYSTEM, hazard_id=fixed, data=HazardVerify(), at=at("2025-03-03T04:00")
        )
        hazards.order_rectification(
            s,
            actor=SYSTEM,
            hazard_id=fixed,
            data=HazardOrder(workdays=5),
            at=at("2025-03-03T05:00"),
        )
        hazards.mark_rectified(
            s, actor=SYSTEM, hazard_id=fixed, data=HazardRectified(), at=at("2025-03-06T05:00")
        )
        hazards.check_hazard(
            s,
            actor=SYSTEM,
            hazard_id=fixed,
            data=HazardCheck(passed=True),
            at=at("2025-03-07T05:00"),
        )
        late = report("消防设施损坏", "2025-03-02T05:00")
        hazards.verify_hazard(
            s, actor=SYSTEM, hazard_id=late, data=HazardVerify(), at=at("2025-03-03T06:00")
        )
        hazards.order_rectification(
            s, actor=SYSTEM, hazard_id=late, data=HazardOrder(workdays=5), at=at("2025-03-03T07:00")
        )
        s.commit()
        assert s.get(Hazard, rejected).status == HazardStatus.REJECTED  # type: ignore[union-attr]
        assert s.get(Hazard, rejected).closed_at is not None  # type: ignore[union-attr]
        return {"rejected": rejected, "fixed": fixed, "late": late}


@pytest.fixture
def session(app_client: TestClient) -> Iterator[Session]:
    factory: sessionmaker[Session] = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    with factory() as s:
        yield s


def test_figures_page(ids: dict[str, int], session: Session) -> None:
    got = figures.brigade_figures(
        session, actor=SYSTEM, start=date(YEAR, 1, 1), end=date(YEAR + 1, 1, 1), now=NOW
    ).total
    assert (got.hazards_found, got.hazards_rectified, got.hazards_overdue) == (2, 1, 1)


def test_statistics_and_their_trace(ids: dict[str, int], session: Session) -> None:
    v = compute_figures(session, actor=SYSTEM, period=Period.year(YEAR), now=NOW).values
    assert (v["hazards.found"], v["hazards.rectified"], v["hazards.overdue"]) == (2, 1, 1)
    listed = {
        key: [r["id"] for r in trace(session, SYSTEM, key, Period.year(YEAR), now=NOW)]
        for key in ("hazards.found", "hazards.rectified", "hazards.overdue")
    }
    assert listed == {
        "hazards.found": [ids["fixed"], ids["late"]],
        "hazards.rectified": [ids["fixed"]],
        "hazards.overdue": [ids["late"]],
    }


def test_yearly_report(ids: dict[str, int], session: Session) -> None:
    content = yearly_content(session, actor=SYSTEM, year=YEAR, org_id=None)
    assert content.context["prevention"]["hazards_found"] == 2
    assert content.context["prevention"]["hazards_rectified"] == 1
    rows = {row[0]: row[1] for row in content.tables["prevention"].rows}
    assert rows["整改销案隐患"] == 1


def test_officers_list_and_the_hazard_answer(ids: dict[str, int], session: Session) -> None:
    overdue = session.scalars(hazards.query_hazards(actor=SYSTEM, overdue=True, now=NOW)).all()
    assert [h.id for h in overdue] == [ids["late"]]
    for name, hazard_id in ids.items():
        answer = hazard_public(session.get(Hazard, hazard_id))  # type: ignore[arg-type]
        assert answer.overdue is (name == "late")  # the deadline of 2025-03 is long past
