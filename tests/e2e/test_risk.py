"""Acceptance 4 of issue 18 in the browser: the risk layers and the warning workflow.

On the demo city: the scores are computed, a level-1 premises of the officer's brigade gets an
overdue major hazard, the incremental run raises its warnings; the officer opens /risk, sees the
premises and cell layers, the warning, the premises' factors, and signs for, handles and closes
it with buttons (the close asks for what was done).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from lanyan.accounts.models import User
from lanyan.core.actor import SYSTEM
from lanyan.core.clock import utcnow
from lanyan.prevention import hazards
from lanyan.prevention.choices import ControlLevel, HazardSeverity
from lanyan.prevention.models import Premises
from lanyan.prevention.schemas import HazardOrder, HazardReport
from lanyan.risk.choices import WarningRule, WarningStatus
from lanyan.risk.models import RiskWarning
from lanyan.risk.service import run_scoring
from tests.e2e.conftest import LiveServer, shot


def _overdue_major_warning(live: LiveServer) -> tuple[int, str]:
    """Score the city, give a premises of the officer's brigade an overdue major hazard, rescore:
    the id and title of the level-1 warning raised."""
    factory = live.session_factory
    with factory() as session:
        officer = session.scalars(select(User).where(User.username == "demo_prevention")).one()
        premises = session.scalars(
            select(Premises).where(Premises.org_id == officer.organization_id).order_by(Premises.id)
        ).first()
        assert premises is not None
        session.execute(
            update(Premises)
            .where(Premises.id == premises.id)
            .values(control_level=ControlLevel.LEVEL1)
        )
        run_scoring(session, actor=SYSTEM, full=True, seasonal=False)
        session.commit()
        start = utcnow()
        hazard = hazards.report_hazard(
            session,
            actor=SYSTEM,
            data=HazardReport(
                premises_id=premises.id, title="E2E 疏散通道锁闭", severity=HazardSeverity.MAJOR
            ),
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
        run_scoring(session, actor=SYSTEM, seasonal=False)
        session.commit()
        warning = session.scalars(
            select(RiskWarning).where(
                RiskWarning.premises_id == premises.id,
                RiskWarning.rule == WarningRule.LEVEL1_OVERDUE_MAJOR,
                RiskWarning.status == WarningStatus.OPEN,
            )
        ).one()
        return warning.id, warning.title


def test_risk_layers_and_warning_workflow(live_server: LiveServer, new_page: Any) -> None:
    warning_id, title = _overdue_major_warning(live_server)
    page = new_page("demo_prevention")
    page.goto("/risk")
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    assert int(page.get_attribute("body", "data-risk-layers") or 0) > 0
    control = page.locator(".leaflet-control-layers")
    for name in ("单位风险（按等级）", "网格风险", "在办隐患"):
        assert control.get_by_text(name).count() == 1
    assert "5分钟内覆盖：风险" in page.inner_text("#risk-coverage")
    item = page.locator(f".risk-warning[data-id='{warning_id}']")
    assert title in item.inner_text()
    item.get_by_text("查看风险构成").click()
    page.wait_for_selector("#risk-why:not([hidden])")
    assert "重大火灾隐患" in page.inner_text("#risk-why-rows")
    shot(page, "risk-page")

    item.locator("button[data-action='acknowledge']").click()
    page.wait_for_selector(f".risk-warning[data-id='{warning_id}'][data-status='acknowledged']")
    page.locator(f".risk-warning[data-id='{warning_id}'] button[data-action='handle']").click()
    page.wait_for_selector(f".risk-warning[data-id='{warning_id}'][data-status='handling']")
    page.once("dialog", lambda dialog: dialog.accept("已约谈单位负责人，通道当场打开"))
    page.locator(f".risk-warning[data-id='{warning_id}'] button[data-action='close']").click()
    page.wait_for_selector(f".risk-warning[data-id='{warning_id}']", state="detached")
    with live_server.session_factory() as session:
        warning = session.get(RiskWarning, warning_id)
        assert warning is not None
        assert warning.status is WarningStatus.CLOSED
        assert warning.note == "已约谈单位负责人，通道当场打开"
    assert page.errors == []
