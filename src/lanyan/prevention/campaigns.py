"""Special campaigns (专项整治): a topic, a period, a checklist, a target — and the counts.

Topics come from the editable catalogue (:mod:`lanyan.prevention.campaign_catalogue`); what the
inspections did in physical units, the targets per brigade, the 工作清单 and the 交办单 are in
:mod:`lanyan.prevention.campaign_work` and :mod:`lanyan.prevention.directives`.

A detachment launches "electric-bike charging" for three months and its brigades carry it out, so a
campaign is visible both below its organization (the brigades doing the work) and above it (the
leadership tallying it). The counts are what the reports quote: premises inspected against the
target, hazards found by the campaign's inspections, and how many of those were closed within the
campaign period. Hazards are tied to their campaign by their ``source`` (``campaign:<id>``), set
when an inspection of the campaign records a finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import Session

from lanyan.core import crud
from lanyan.core.actor import Actor
from lanyan.core.clock import LOCAL_TZ
from lanyan.core.errors import Invalid
from lanyan.core.jurisdiction import get_visible, visible, visible_condition
from lanyan.core.permissions import Action
from lanyan.forces.service import get_organization
from lanyan.prevention import campaign_catalogue
from lanyan.prevention.checklists import ITEMS
from lanyan.prevention.definitions import not_rejected, rectified_between
from lanyan.prevention.governance_schemas import CampaignCreate
from lanyan.prevention.models import Campaign, Hazard, Inspection


def hazard_source(campaign_id: int) -> str:
    """The ``Hazard.source`` of hazards found by a campaign's inspections."""
    return f"campaign:{campaign_id}"


def local_day_start(day: date) -> datetime:
    """Midnight of ``day`` in Asia/Shanghai, as a UTC instant."""
    return datetime.combine(day, time(0), LOCAL_TZ).astimezone(UTC)


def get_campaign(session: Session, actor: Actor, campaign_id: int) -> Campaign:
    """A campaign the actor takes part in (of an organization above) or oversees, else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, Campaign, campaign_id)


def query_campaigns(
    *,
    actor: Actor,
    active_on: date | None = None,
    topic_key: str | None = None,
) -> Select[Campaign]:
    """Campaigns of the actor's subtree and of the organizations above it, latest start first."""
    actor.require(Action.READ)
    stmt = visible(actor, Campaign)
    if active_on is not None:
        stmt = stmt.where(Campaign.starts_on <= active_on, Campaign.ends_on >= active_on)
    if topic_key is not None:
        stmt = stmt.where(Campaign.topic == topic_key)
    return stmt.order_by(Campaign.starts_on.desc(), Campaign.id.desc())


def create_campaign(session: Session, *, actor: Actor, data: CampaignCreate) -> Campaign:
    """Launch a campaign for an organization of the actor's jurisdiction (their own by default)."""
    actor.require(Action.INSPECT)
    template = campaign_catalogue.topic(session, data.topic)
    org_id = data.org_id if data.org_id is not None else actor.org_id
    if org_id is None:
        raise Invalid("须指定组织机构", "org_id is required")
    get_organization(session, actor, org_id)
    if data.ends_on < data.starts_on:
        raise Invalid("结束日期不能早于开始日期", "ends_on must not be before starts_on")
    checklist = list(data.checklist) if data.checklist is not None else list(template.checklist)
    unknown = sorted(set(checklist) - set(ITEMS))
    if unknown:
        raise Invalid(f"未知的检查项：{'、'.join(unknown)}", f"unknown checklist items: {unknown}")
    if not checklist:
        raise Invalid("检查表不能为空", "the checklist must not be empty")
    campaign = Campaign(
        name=data.name,
        topic=template.key,
        org_id=org_id,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        checklist=list(dict.fromkeys(checklist)),
        target_premises=data.target_premises,
    )
    return crud.create(session, actor=actor, obj=campaign, entity="campaign", entity_zh="专项整治")


@dataclass(frozen=True, slots=True)
class CampaignFigures:
    """A campaign's counts within its period and the actor's jurisdiction."""

    campaign_id: int
    target_premises: int
    premises_inspected: int
    inspections: int
    hazards_found: int
    hazards_rectified: int

    @property
    def progress(self) -> float | None:
        """Share of the target inspected (may exceed 1), or None without a target."""
        if self.target_premises <= 0:
            return None
        return round(self.premises_inspected / self.target_premises, 4)


def campaign_figures(session: Session, *, actor: Actor, campaign_id: int) -> CampaignFigures:
    """Premises inspected, hazards found and rectified (closed) within the campaign period.

    Counted in the actor's jurisdiction, so a brigade sees its own share of a detachment's
    campaign and the detachment sees the whole.
    """
    campaign = get_campaign(session, actor, campaign_id)
    start = local_day_start(campaign.starts_on)
    end = local_day_start(campaign.ends_on + timedelta(days=1))
    inspected = session.execute(
        select(func.count(Inspection.id), func.count(distinct(Inspection.premises_id))).where(
            visible_condition(actor, Inspection),
            Inspection.campaign_id == campaign.id,
            Inspection.inspected_on >= campaign.starts_on,
            Inspection.inspected_on <= campaign.ends_on,
        )
    ).one()
    hazards = session.execute(
        select(
            func.count(Hazard.id).filter(not_rejected()),
            func.count(Hazard.id).filter(rectified_between(start, end)),
        ).where(
            visible_condition(actor, Hazard),
            Hazard.source == hazard_source(campaign.id),
        )
    ).one()
    return CampaignFigures(
        campaign_id=campaign.id,
        target_premises=campaign.target_premises,
        inspections=int(inspected[0]),
        premises_inspected=int(inspected[1]),
        hazards_found=int(hazards[0]),
        hazards_rectified=int(hazards[1]),
    )
