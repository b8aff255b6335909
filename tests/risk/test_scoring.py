"""Acceptance 1 of issue 18 on both databases: an overdue major hazard raises a premises' score and
a warning; closing it lowers the score; a cell's score is the documented aggregation of its
inputs. Plus the incremental run touching only what changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
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
        # the world as if made a minute ago: an incremental run looks back WATERMARK_MARGIN before
        # the last run, so premises written just before the first run would count as changed
        session.execute(update(Premises).values(updated_at=utcnow() - timedelta(minutes=1)))
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
            at=start - timedelta(days=150),
            verified=True,
        )
        hazards.order_rectification(
            session,
            actor=SYSTEM,
            hazard_id=hazard.id,
            data=HazardOrder(),
            at=start - timedelta(days=149),
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


# ---- the API, the workflow, the figures and the report on the same module world ---------------


def test_api_explains_and_layers(app_client: TestClient, factory: object, world: World) -> None:
    admin = world.headers("admin_det")
    page = app_client.get("/api/risk/premises", headers=admin).json()
    assert page["total"] == 2
    assert page["items"][0]["score"] >= page["items"][1]["score"]
    pid = world.a.premises_id
    detail = app_client.get(f"/api/risk/premises/{pid}", headers=admin).json()
    assert sum(f["points"] for f in detail["factors"]) == pytest.approx(detail["score"])
    assert all(f["source"] for f in detail["factors"])
    # the other brigade's officer sees neither the score nor the point on the map
    other = world.headers("officer_b")
    assert app_client.get(f"/api/risk/premises/{pid}", headers=other).status_code == 404
    layer = app_client.get("/api/risk/layers/premises", headers=other).json()
    assert [f["properties"]["id"] for f in layer["features"]] == [world.b.premises_id]
    cells = app_client.get("/api/risk/layers/cells", headers=admin).json()
    assert cells["features"] and cells["features"][0]["geometry"]["type"] == "Polygon"
    areas = app_client.get("/api/risk/areas", headers=admin).json()
    # both test premises stand in one cell: it answers to one brigade (ties: the lower id)
    assert [a["id"] for a in areas] == [world.a.brigade_id]
    assert areas[0]["premises_by_level"] and areas[0]["cells"] == 1
    coverage = app_client.get("/api/risk/coverage", headers=admin).json()
    assert coverage["premises"] == 2 and 0 <= coverage["risk_share"] <= 1
    assert app_client.get("/api/risk/areas?by=county", headers=admin).status_code == 422


def test_warning_workflow_pair_by_pair(app_client: TestClient, world: World) -> None:
    from lanyan.core.audit import AuditLog
    from lanyan.risk.choices import WARNING_TRANSITIONS, WarningStatus
    from tests.audit_cases_risk import warning_at

    factory_ = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    action_of = {
        WarningStatus.ACKNOWLEDGED: "acknowledge",
        WarningStatus.HANDLING: "handle",
        WarningStatus.CLOSED: "close",
    }
    officer = world.headers("officer_a")
    for start in WarningStatus:
        for target, action in action_of.items():
            wid = warning_at(app_client, world, start)
            with factory_() as session:
                audits = session.scalar(
                    select(func.count())
                    .select_from(AuditLog)
                    .where(AuditLog.entity == "risk_warning")
                )
            r = app_client.post(
                f"/api/risk/warnings/{wid}/{action}", headers=officer, json={"note": "已核查"}
            )
            legal = target in WARNING_TRANSITIONS[start]
            assert r.status_code == (200 if legal else 409), (start, target, r.text)
            with factory_() as session:
                after = session.scalar(
                    select(func.count())
                    .select_from(AuditLog)
                    .where(AuditLog.entity == "risk_warning")
                )
                warning = session.get(RiskWarning, wid)
                assert warning is not None
                assert warning.status == (target if legal else start)
            assert after == audits + (1 if legal else 0)
    # closing needs a note; the grid worker of the other brigade cannot reach it; a leader may
    # read but not act
    wid = warning_at(app_client, world, WarningStatus.HANDLING)
    r = app_client.post(f"/api/risk/warnings/{wid}/close", headers=officer, json={})
    assert r.status_code == 422 and "处置情况" in r.text
    r = app_client.post(
        f"/api/risk/warnings/{wid}/close", headers=world.headers("grid_b"), json={"note": "x"}
    )
    assert r.status_code == 404
    r = app_client.post(
        f"/api/risk/warnings/{wid}/close", headers=world.headers("leader"), json={"note": "x"}
    )
    assert r.status_code == 403
    mine = app_client.get("/api/risk/warnings?open_only=true", headers=officer).json()
    assert mine["total"] >= 1


def test_warning_figures_are_traced(app_client: TestClient, world: World) -> None:
    from lanyan.risk.figures import SECTION
    from lanyan.stats.periods import Period
    from lanyan.stats.queries import Scope

    factory_ = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    today = utcnow().date()
    period = Period.year(today.year)
    scope = Scope(org_id=None, org_name="全部", path="/")
    with factory_() as session:
        values = SECTION.compute(session, scope, period, utcnow())
        assert values["risk.warnings.raised"] >= 2
        for key, value in values.items():
            rows = session.execute(SECTION.trace(session, scope, period, utcnow(), key)).all()
            assert len(rows) == value, key


def test_assessment_report_reads_the_data(app_client: TestClient, world: World) -> None:
    import io

    from docx import Document

    from lanyan.risk.report import build_report, report_content

    factory_ = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    with factory_() as session:
        data = report_content(session, SYSTEM)
        scored = session.scalar(select(func.count()).select_from(PremisesRisk))
        assert data["premises"] == scored
        first = build_report(session, SYSTEM)
        again = build_report(session, SYSTEM)
    text = "\n".join(p.text for p in Document(io.BytesIO(first)).paragraphs)
    assert "消防安全风险评估报告" in text and "对策建议" in text
    assert f"共评估单位 {scored} 家" in text
    assert (
        len(first) > 0 and Document(io.BytesIO(again)).paragraphs[0].text == "消防安全风险评估报告"
    )
    r = app_client.get("/api/risk/report.docx", headers=world.headers("admin_det"))
    assert r.status_code == 200 and r.content[:2] == b"PK"


def test_assessment_report_opens_in_libreoffice(
    app_client: TestClient, backend: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """LibreOffice converts the report to PDF and the Chinese text is there (once: the document
    does not depend on the database it was read from)."""
    import shutil
    import subprocess

    from lanyan.risk.report import build_report

    if backend != "sqlite":
        return
    soffice, pdftotext = shutil.which("soffice"), shutil.which("pdftotext")
    assert soffice and pdftotext, "make test installs libreoffice-writer-nogui and poppler-utils"
    out = tmp_path_factory.mktemp("risk-report")
    factory_ = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    with factory_() as session:
        (out / "risk.docx").write_bytes(build_report(session, SYSTEM))
    subprocess.run(
        [
            soffice,
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(out / "risk.docx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    text = subprocess.run(
        [pdftotext, str(out / "risk.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    text = "".join(text.split())
    for phrase in ("消防安全风险评估报告", "各大队风险等级", "对策建议", "数据口径与追溯"):
        assert phrase in text


def test_forecast_spike_rule_on_a_computed_forecast(
    factory: sessionmaker[Session], world: World
) -> None:
    """Two years of calls around the test premises; its own cell burns every December: the
    December forecast (lanyan.risk.forecast, seasonal by call type) flags the cell, and the rule
    raises one warning for its brigade."""
    from datetime import date

    import numpy as np

    from lanyan.risk.calls import CallHistory
    from lanyan.risk.forecast import forecast_cells
    from lanyan.risk.warnings import SPIKE_MIN_CALLS, SPIKE_RATIO

    rng = np.random.default_rng(3)
    last = date(2026, 12, 6)
    days, lons, lats, kinds = [], [], [], []
    for place in range(40):  # rescues all year round, one a week in each of 40 places
        x, y = 9.50 + 0.004 * (place % 8), 47.12 + 0.004 * (place // 8)
        for d in range(0, 728, 7):
            days.append(last.toordinal() - 728 + d + int(rng.integers(0, 3)))
            lons.append(x)
            lats.append(y)
            kinds.append("rescue")
    for year in (2024, 2025):  # fires at the premises, each December
        for _ in range(60):
            days.append(date(year, 12, int(rng.integers(1, 29))).toordinal())
            lons.append(9.522)
            lats.append(47.142)
            kinds.append("fire")
    history = CallHistory(
        day=np.array(days, dtype=np.int64),
        lon=np.array(lons),
        lat=np.array(lats),
        kind=tuple(kinds),
    )
    forecast = forecast_cells(history, horizon=7)
    spikes = forecast.spikes(ratio=SPIKE_RATIO, min_expected=SPIKE_MIN_CALLS)
    with factory() as session:
        cell = _score(session, world.a.premises_id).cell
        assert cell in [s["cell"] for s in spikes]
        origin = forecast.origin.isoformat()
        result = run_scoring(
            session,
            actor=SYSTEM,
            seasonal=False,
            spikes=[{**s, "origin": origin} for s in spikes],
        )
        session.commit()
        warning = session.scalars(
            select(RiskWarning).where(
                RiskWarning.rule == WarningRule.FORECAST_SPIKE, RiskWarning.cell == cell
            )
        ).one()
        assert warning.org_id == world.a.brigade_id
        assert result.warnings_raised >= 1


def test_premises_layers_for_the_backtest_prior(factory: sessionmaker[Session]) -> None:
    """``lanyan risk backtest`` on the database offers its premises to the model as layers by
    venue type (rare types pooled): every premises with a position is in exactly one layer."""
    from lanyan.risk.covariates import MIN_LAYER_POINTS, premises_layers

    with factory() as session:
        layers = premises_layers(session)
        total = session.scalar(select(func.count()).select_from(Premises))
        kinds = session.scalars(select(Premises.venue_type)).all()
    assert sum(len(layer) for layer in layers) == total
    assert layers  # the world has premises
    for layer in layers:
        if layer.name != "其他场所":
            assert len(layer) >= MIN_LAYER_POINTS
            assert layer.name in {k.value for k in kinds}


def test_backtest_history_leaves_drills_out(factory: sessionmaker[Session]) -> None:
    """A 拉动演练 runs through dispatch but is no call (issue 20): the forecast and the backtest
    read every incident except drills."""
    from lanyan.dispatch.choices import IncidentStatus, IncidentType
    from lanyan.dispatch.models import Incident
    from lanyan.risk.calls import history_from_db

    with factory() as session:
        before = len(history_from_db(session))
        at = utcnow() - timedelta(days=3)
        for n, drill in enumerate((False, True)):
            session.add(
                Incident(
                    number=f"T-RISK-{n}",
                    status=IncidentStatus.CLOSED,
                    type=IncidentType.FIRE,
                    lon=113.3,
                    lat=23.1,
                    received_at=at,
                    level=1,
                    is_drill=drill,
                )
            )
        session.flush()
        assert len(history_from_db(session)) == before + 1  # the call, not the drill
        session.rollback()


def test_a_drill_at_a_premises_is_no_fire_in_its_score(
    factory: sessionmaker[Session], world: World
) -> None:
    """A 拉动演练 at a premises runs through dispatch as a fire; its score must not count it."""
    from lanyan.dispatch.choices import IncidentStatus, IncidentType
    from lanyan.dispatch.models import Incident
    from lanyan.risk.inputs import gather

    pid = world.a.premises_id
    with factory() as session:
        premises = session.get(Premises, pid)
        assert premises is not None

        def fires() -> float:
            return float(gather(session, [pid], utcnow()).numeric["fires_3y"][0])

        before = fires()
        for n, drill in enumerate((True, False)):
            session.add(
                Incident(
                    number=f"T-RISK-DRILL-{n}",
                    status=IncidentStatus.CLOSED,
                    type=IncidentType.FIRE,
                    lon=premises.lon,
                    lat=premises.lat,
                    premises_id=pid,
                    received_at=utcnow() - timedelta(days=2),
                    level=1,
                    is_drill=drill,
                )
            )
            session.flush()
            assert fires() == before + (0 if drill else 1), "drill" if drill else "fire"
        session.rollback()
