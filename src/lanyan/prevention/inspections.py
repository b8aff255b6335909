"""Enforcement inspections (监督检查): the officer's record, outcome, follow-up and findings.

An inspection answers the premises' checklist (and its campaign's, when it is part of one); an
order to correct, a penalty or a temporary seal is meaningless without the date someone goes back,
so those outcomes require ``follow_up_on``. What the officer finds becomes a hazard already
verified — the officer is the one who would verify it — in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from lanyan.core import crud
from lanyan.core.actor import Actor
from lanyan.core.clock import utcnow
from lanyan.core.errors import Invalid
from lanyan.core.jurisdiction import get_visible, visible
from lanyan.core.permissions import Action
from lanyan.forces.models import Organization
from lanyan.prevention.campaigns import get_campaign, hazard_source
from lanyan.prevention.checklists import template_for, unknown_keys
from lanyan.prevention.choices import InspectionOutcome
from lanyan.prevention.governance_schemas import Finding
from lanyan.prevention.hazards import report_hazard
from lanyan.prevention.models import Hazard, Inspection, Premises
from lanyan.prevention.patrols import local_today
from lanyan.prevention.schemas import HazardReport

NEEDS_FOLLOW_UP = frozenset(
    {InspectionOutcome.ORDERED, InspectionOutcome.PENALIZED, InspectionOutcome.SEALED}
)
"""Outcomes that oblige the officer to come back (复查)."""


@dataclass
class InspectionResult:
    """An inspection and the hazards its findings became."""

    inspection: Inspection
    hazards: list[Hazard] = field(default_factory=list)


def record_inspection(
    session: Session,
    *,
    actor: Actor,
    premises_id: int,
    inspected_on: date,
    checklist: dict[str, Any],
    outcome: InspectionOutcome,
    follow_up_on: date | None = None,
    note: str | None = None,
    campaign_id: int | None = None,
    findings: list[Finding] | None = None,
    at: datetime | None = None,
) -> InspectionResult:
    """Record an inspection of a premises in the actor's jurisdiction, with its findings."""
    actor.require(Action.INSPECT)
    premises = get_visible(session, actor, Premises, premises_id)
    now = at or utcnow()
    if inspected_on > local_today(now):
        raise Invalid("检查日期不能晚于今天", "inspected_on must not be in the future")
    if outcome in NEEDS_FOLLOW_UP and follow_up_on is None:
        raise Invalid(
            f"检查结果为“{outcome.zh}”时须填写复查日期",
            f"an outcome of {outcome.en} needs a follow_up_on date",
        )
    if follow_up_on is not None and follow_up_on < inspected_on:
        raise Invalid("复查日期不能早于检查日期", "follow_up_on must not be before inspected_on")
    template = template_for(premises.category, premises.venue_type, premises.control_level)
    allowed = set(template.items)
    source = "inspection"
    if campaign_id is not None:
        campaign = get_campaign(session, actor, campaign_id)
        campaign_org = session.get(Organization, campaign.org_id)
        if campaign_org is None or not premises.org.path.startswith(campaign_org.path):
            raise Invalid("该单位不在专项整治范围内", "the premises lies outside the campaign")
        if not campaign.starts_on <= inspected_on <= campaign.ends_on:
            raise Invalid(
                f"检查日期不在专项整治期间（{campaign.starts_on}至{campaign.ends_on}）",
                "inspected_on lies outside the campaign period",
            )
        allowed |= set(campaign.checklist)
        source = hazard_source(campaign.id)
    unknown = unknown_keys(checklist, allowed)
    if unknown:
        raise Invalid(
            f"检查项不属于该单位的检查表：{'、'.join(unknown)}",
            f"not items of this premises' checklist: {', '.join(unknown)}",
        )
    inspection = Inspection(
        premises_id=premises.id,
        org_id=premises.org_id,
        campaign_id=campaign_id,
        officer_id=actor.user_id,
        inspected_on=inspected_on,
        checklist=dict(checklist),
        outcome=outcome,
        follow_up_on=follow_up_on,
        note=note,
    )
    crud.create(session, actor=actor, obj=inspection, entity="inspection", entity_zh="监督检查")
    hazards = [
        report_hazard(
            session,
            actor=actor,
            data=HazardReport(premises_id=premises.id, **finding.model_dump()),
            at=now,
            verified=True,
            source=source,
            inspection_id=inspection.id,
        )
        for finding in findings or []
    ]
    return InspectionResult(inspection, hazards)


def get_inspection(session: Session, actor: Actor, inspection_id: int) -> Inspection:
    """An inspection of a premises in the actor's jurisdiction, else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, Inspection, inspection_id)


def query_inspections(
    *,
    actor: Actor,
    premises_id: int | None = None,
    campaign_id: int | None = None,
    outcome: InspectionOutcome | None = None,
) -> Select[Inspection]:
    """Inspections in the jurisdiction, latest first."""
    actor.require(Action.READ)
    stmt = visible(actor, Inspection)
    if premises_id is not None:
        stmt = stmt.where(Inspection.premises_id == premises_id)
    if campaign_id is not None:
        stmt = stmt.where(Inspection.campaign_id == campaign_id)
    if outcome is not None:
        stmt = stmt.where(Inspection.outcome == outcome)
    return stmt.order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
