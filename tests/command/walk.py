"""Command records (issue 19) of one side of the jurisdiction walk (test_jurisdiction_walk.py):
a combat unit, a reinforcement request to the corps, a 信息报送 rule, item, message and receipt,
and a 战评 record, every text field carrying ``tag``."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from lanyan.command.combat_models import (
    CombatUnit,
    CombatUnitMember,
    IncidentReview,
    InfoReport,
    InfoReportMessage,
    InfoReportReceipt,
    ReinforcementRequest,
    ReportRule,
    ReportStage,
    ReportStatus,
    RequestStatus,
    ReviewStatus,
    RuleKind,
)
from lanyan.core.clock import utcnow
from lanyan.forces.models import Organization


def command_walk_records(
    session: Session, *, org_id: int, unit_id: int, incident_id: int, tag: str
) -> dict[str, int]:
    """One record of each command table at ``org_id`` (the side's station) and its incident."""
    now = utcnow()
    station = session.get(Organization, org_id)
    assert station is not None
    corps_id = int(station.path.strip("/").split("/")[0])
    group = CombatUnit(station_id=org_id, kind=f"{tag}编成", name=f"{tag}攻坚编成", notes=tag)
    group.members = [CombatUnitMember(unit_id=unit_id, role=f"{tag}主战车", position=0)]
    request = ReinforcementRequest(
        incident_id=incident_id,
        from_org_id=org_id,
        to_org_id=corps_id,
        status=RequestStatus.REQUESTED,
        needs=[{"label": f"{tag}水罐车", "unit_types": ["water_tender"], "count": 1}],
        note=f"{tag}请求",
        incident_summary=f"{tag}警情摘要",
        lon=9.5225,
        lat=47.1425,
        requested_by=f"{tag}指挥员",
        requested_at=now,
        assignment_ids=[],
    )
    rule = ReportRule(
        org_id=org_id,
        name=f"{tag}报送规则",
        kind=RuleKind.DEATHS,
        threshold=1,
        venue_types=[],
        recipient_org_ids=[org_id],
        recipient_user_ids=[],
    )
    report = InfoReport(
        incident_id=incident_id,
        status=ReportStatus.FIRST_SENT,
        triggers=[{"rule_id": 0, "name": f"{tag}规则", "why": f"{tag}死亡"}],
        recipient_org_ids=[org_id],
        recipient_user_ids=[],
        triggered_at=now,
        first_due_at=now + timedelta(minutes=30),
        final_due_at=now + timedelta(days=1),
        first_sent_at=now,
    )
    review = IncidentReview(
        incident_id=incident_id,
        status=ReviewStatus.DRAFT,
        title=f"{tag}战评",
        summary=f"{tag}经过",
        lessons=f"{tag}教训",
        attachment_ids=[],
        written_by=f"{tag}作者",
    )
    session.add_all([group, request, rule, report, review])
    session.flush()
    message = InfoReportMessage(
        report_id=report.id,
        stage=ReportStage.FIRST,
        body=f"{tag}首报",
        due_at=report.first_due_at,
        sent_at=now,
        sent_by=f"{tag}报送人",
        on_time=True,
    )
    message.receipts = [InfoReportReceipt(recipient_org_id=org_id, recipient_name=f"{tag}接收")]
    session.add(message)
    session.flush()
    return {
        "combat_unit_id": group.id,
        "request_id": request.id,
        "report_rule_id": rule.id,
        "report_id": report.id,
        "receipt_id": message.receipts[0].id,
    }
