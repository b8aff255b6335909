"""Acceptance 1 of issue 18 on both databases: an overdue major hazard raises a premises' score and
a warning; closing it lowers the score; a cell's score is the documented aggregation of its
inputs. Plus the incremental run touching only what changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.actor import SYSTEM
from lanyan.core.clock import utcnow
from lanyan.prevention import hazards
from lanyan.prevention.choices import ControlLevel, HazardSeverity
from lanyan.prevention.models import Premises
from lanyan.prevention.schemas import HazardCheck, HazardOrder, HazardRectified, HazardReport
from lanyan.risk.choices import RiskLevel, WarningRule
from lanyan.risk.indicators import GROUPS, cell_groups, cell_score, level_of, risk_table
from lanyan.risk.models import CellRisk, PremisesRisk, RiskWarning
from lanyan.risk.service import run_scoring
from tests.factories import World

NOW = {"start": utcnow()}
"""The first run's time, real: the incremental run finds changes by their real update stamps."""


@pytest.fixture(scope="module")
def factory(app_client: TestClient, world: World) -> sessionmaker[Session]:
    f: sessionmaker[Session] = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    with f() as session:
        session.execute(
            update(Premises)
            .where(Premises.id == world.a.premises_id)
            .values(control_level=ControlLevel.LEVEL1, occupants=400)
        )
        NOW["start"] = utcnow()
        run_scoring(session, actor=SYSTEM, full=True, now=NOW["start"], seasonal=False)
        session.commit()
    return f


def _score(session: Session, premises_id: int) -> PremisesRisk:
    row = session.get(PremisesRisk, premises_id)
    assert row is not None
    session.refresh(row)
    return row


def test_overdue_major_hazard_raises_score_and_warning_closing_lowers_it(
    factory: sessionmaker[Session], world: World
) -> None:
    pid = world.a.premises_id
    start = NOW["start"]
    with factory() as session:
        before = _score(session, pid)
        score0, level0 = before.score, before.level
        assert before.factors["hazards_overdue"] == [0.0, 0.0]
        hazard = hazards.report_hazard(
            session,
            actor=SYSTEM,
            data=HazardReport(premises_id=pid, title="疏散通道堵塞", severity=HazardSeverity.MAJOR),
            at=start - timedelta(days=120),
            verified=True,
        )
        hazards.order_rectification(
            session,
            actor=SYSTEM,
            hazard_id=hazard.id,
            data=HazardOrder(),
            at=start - timedelta(days=119),
        )
        session.commit()
        hazard_id = hazard.id

    later = utcnow()
    with factory() as session:
        result = run_scoring(session, actor=SYSTEM, now=later, seasonal=False)
        session.commit()
        assert not result.full and result.premises_scored == 1  # only the premises that changed
        after = _score(session, pid)
        assert after.score > score0
        assert after.factors["hazards_major_open"][1] > 0
        assert after.factors["hazards_overdue"][0] == 1.0
        assert after.level.rank > level0.rank
        warnings = session.scalars(select(RiskWarning).where(RiskWarning.premises_id == pid)).all()
        rules = {w.rule for w in warnings}
        assert WarningRule.LEVEL1_OVERDUE_MAJOR in rules
        assert WarningRule.LEVEL_UP in rules
        raised = score_after = after.score

    with factory() as session:  # a second run raises nothing new while the warnings are open
        again = run_scoring(session, actor=SYSTEM, now=utcnow(), seasonal=False)
        session.commit()
        assert again.warnings_raised == 0 and again.premises_scored <= 1

    with factory() as session:
        hazards.mark_rectified(
            session, actor=SYSTEM, hazard_id=hazard_id, data=HazardRectified(note="已清理")
        )
        hazards.check_hazard(
            session, actor=SYSTEM, hazard_id=hazard_id, data=HazardCheck(passed=True)
        )
        session.commit()
    with factory() as session:
        run_scoring(session, actor=SYSTEM, now=utcnow(), seasonal=False)
        session.commit()
        closed = _score(session, pid)
        assert closed.score < score_after
        assert closed.score == pytest.approx(score0)
        assert closed.factors["hazards_major_open"] == [0.0, 0.0]
    assert raised > score0


def test_cell_score_is_the_documented_aggregation(
    factory: sessionmaker[Session], world: World
) -> None:
    table = risk_table()
    with factory() as session:
        premises = _score(session, world.a.premises_id)
        cell = session.get(CellRisk, premises.cell)
        assert cell is not None
        members = session.scalars(
            select(PremisesRisk.score).where(PremisesRisk.cell == cell.cell)
        ).all()
        assert sorted(cell.inputs["premises_scores"]) == sorted(members)
        groups = cell_groups(cell.inputs, table)
        assert groups == cell.groups
        assert set(groups) == set(GROUPS)
        expected = round(sum(table.group_weights[g] * groups[g] for g in GROUPS), 2)
        assert cell.score == pytest.approx(expected) == cell_score(groups, table)
        assert cell.level == level_of(cell.score)
        # the hazard-sources group by hand: 0.6 × the worst premises + 0.4 × the mean
        worst, mean = max(members), sum(members) / len(members)
        assert groups["hazard_sources"] == pytest.approx(0.6 * worst + 0.4 * mean, abs=0.01)
        assert cell.org_id == world.a.brigade_id


def test_levels_on_their_boundaries() -> None:
    low, mid, high = risk_table().level_cuts
    assert level_of(low - 0.01) is RiskLevel.LOW
    assert level_of(low) is RiskLevel.MEDIUM
    assert level_of(mid) is RiskLevel.ELEVATED
    assert level_of(high - 0.01) is RiskLevel.ELEVATED
    assert level_of(high) is RiskLevel.HIGH
