"""Audit cases of the risk write routes (merged into tests/test_audit.py's CASES)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from lanyan.core.actor import SYSTEM
from lanyan.core.clock import utcnow
from lanyan.risk import warnings as rules
from lanyan.risk.choices import RiskLevel, WarningRule, WarningStatus
from tests.factories import World

API = "/api/risk"


def warning_at(client: TestClient, world: World, status: WarningStatus) -> int:
    """A fresh warning of the first brigade's premises, moved to ``status`` (audited like any)."""
    from sqlalchemy import select

    from lanyan.risk.models import RiskWarning

    factory = client.app.state.sessionmaker  # type: ignore[attr-defined]
    key = f"test:{utcnow().timestamp()}:{status.value}"
    with factory() as session:
        rules.insert_new(
            session,
            actor=SYSTEM,
            drafts=[
                {
                    "rule": WarningRule.REPEATED_ALARMS,
                    "key": key,
                    "level": RiskLevel.ELEVATED,
                    "org_id": world.a.brigade_id,
                    "premises_id": world.a.premises_id,
                    "cell": None,
                    "assignee_id": None,
                    "title": "审计预警",
                    "detail": None,
                }
            ],
            now=utcnow(),
        )
        warning_id = session.scalars(select(RiskWarning.id).where(RiskWarning.key == key)).one()
        path = {
            WarningStatus.OPEN: [],
            WarningStatus.ACKNOWLEDGED: [WarningStatus.ACKNOWLEDGED],
            WarningStatus.HANDLING: [WarningStatus.ACKNOWLEDGED, WarningStatus.HANDLING],
            WarningStatus.CLOSED: [WarningStatus.ACKNOWLEDGED, WarningStatus.CLOSED],
        }[status]
        for step in path:
            note = "已处置" if step is WarningStatus.CLOSED else None
            rules.move_warning(session, actor=SYSTEM, warning_id=warning_id, to=step, note=note)
        session.commit()
    return int(warning_id)


CASES: dict[tuple[str, str], Callable[[TestClient, World], tuple[str, dict[str, Any]]]] = {
    ("POST", "/api/risk/score"): lambda c, w: (f"{API}/score", {"json": {"full": True}}),
    ("POST", "/api/risk/warnings/{warning_id}/acknowledge"): lambda c, w: (
        f"{API}/warnings/{warning_at(c, w, WarningStatus.OPEN)}/acknowledge",
        {"json": {}},
    ),
    ("POST", "/api/risk/warnings/{warning_id}/handle"): lambda c, w: (
        f"{API}/warnings/{warning_at(c, w, WarningStatus.ACKNOWLEDGED)}/handle",
        {"json": {"note": "已派员现场核查"}},
    ),
    ("POST", "/api/risk/warnings/{warning_id}/close"): lambda c, w: (
        f"{API}/warnings/{warning_at(c, w, WarningStatus.HANDLING)}/close",
        {"json": {"note": "已督促整改并复查"}},
    ),
}
