"""Campaign records of one side of the jurisdiction walk (tests/test_jurisdiction_walk.py)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from lanyan.core.clock import utcnow
from lanyan.prevention.campaign_choices import DirectiveStatus
from lanyan.prevention.campaign_models import (
    CampaignDirective,
    CampaignMeasure,
    CampaignWorkItem,
)


def campaign_walk_records(
    session: Session,
    *,
    org_id: int,
    premises_id: int,
    campaign_id: int,
    inspection_id: int,
    tag: str,
) -> dict[str, int]:
    """A measure recorded at the side's inspection, a 工作清单 line and a 交办单."""
    now = utcnow()
    measure = CampaignMeasure(
        campaign_id=campaign_id,
        inspection_id=inspection_id,
        premises_id=premises_id,
        org_id=org_id,
        measure="window_bars_removed",
        quantity=3,
        recorded_on=date.today(),
        recorded_at=now,
    )
    item = CampaignWorkItem(campaign_id=campaign_id, org_id=org_id, title=f"{tag}工作清单")
    directive = CampaignDirective(
        number=f"交办〔{tag}〕1号",
        campaign_id=campaign_id,
        org_id=org_id,
        issuer_org_id=org_id,
        to_department=f"{tag}部门",
        subject=f"{tag}交办事项",
        content=f"{tag}交办内容",
        status=DirectiveStatus.ISSUED,
        issued_at=now,
        due_on=date.today() + timedelta(days=10),
    )
    session.add_all([measure, item, directive])
    session.flush()
    return {"measure_id": measure.id, "work_item_id": item.id, "directive_id": directive.id}
