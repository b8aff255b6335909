"""What a campaign did and was to do: measures in physical units, targets, progress, 工作清单.

An officer inspecting a premises within a campaign records what was done there, in the unit the
reports quote ("拆除铁栅栏 3 处"); one row per inspection and measure, recorded again = corrected.
Targets are set per organization (usually each brigade) for a measure or for premises inspected
(:data:`~lanyan.prevention.campaign_catalogue.INSPECTED`); progress adds up what the
organizations below each target did. Everything is read through the actor's jurisdiction, so a
brigade sees its own share and the detachment the whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import Session

from lanyan.core import audit, crud
from lanyan.core.actor import Actor
from lanyan.core.clock import utcnow
from lanyan.core.errors import Conflict, Invalid
from lanyan.core.jurisdiction import get_visible, visible, visible_condition
from lanyan.core.permissions import Action
from lanyan.forces.choices import OrgKind
from lanyan.forces.models import Organization
from lanyan.forces.service import get_organization
from lanyan.prevention import campaign_catalogue
from lanyan.prevention.campaign_catalogue import INSPECTED
from lanyan.prevention.campaign_models import CampaignMeasure, CampaignTarget, CampaignWorkItem
from lanyan.prevention.campaigns import get_campaign
from lanyan.prevention.inspections import get_inspection
from lanyan.prevention.models import Campaign, Inspection, Premises


def _campaign_org(session: Session, campaign: Campaign) -> Organization:
    org = session.get(Organization, campaign.org_id)
    assert org is not None  # a foreign key
    return org


def _inside(session: Session, campaign: Campaign, org: Organization) -> None:
    if not org.path.startswith(_campaign_org(session, campaign).path):
        raise Invalid(
            f"“{org.name}”不在该专项整治的范围内", "the organization lies outside the campaign"
        )


def allowed_measures(session: Session, campaign: Campaign) -> list[str]:
    """The measures the campaign's topic counts (those still offered)."""
    kinds = campaign_catalogue.measure_kinds(session)
    topic = campaign_catalogue.topics(session, include_inactive=True).get(campaign.topic)
    return [code for code in (topic.measures if topic else ()) if code in kinds]


# --- measures ------------------------------------------------------------------------------------


def record_measures(
    session: Session,
    *,
    actor: Actor,
    inspection_id: int,
    items: list[tuple[str, int]],
    at: datetime | None = None,
) -> list[CampaignMeasure]:
    """Record what an inspection of a campaign did; a measure recorded again is corrected."""
    actor.require(Action.INSPECT)
    inspection = get_inspection(session, actor, inspection_id)
    if inspection.campaign_id is None:
        raise Conflict(
            "该检查不属于专项整治，不能录入整治措施", "the inspection is not a campaign's"
        )
    campaign = get_campaign(session, actor, inspection.campaign_id)
    allowed = allowed_measures(session, campaign)
    codes = [code for code, _ in items]
    unknown = sorted(set(codes) - set(allowed))
    if unknown:
        raise Invalid(
            f"整治措施不属于该专项整治：{'、'.join(unknown)}",
            f"measures not counted by this campaign: {', '.join(unknown)}",
        )
    if len(set(codes)) != len(codes):
        raise Invalid("同一措施只能填写一次", "each measure may be given once")
    now = at or utcnow()
    existing = {
        row.measure: row
        for row in session.scalars(
            select(CampaignMeasure).where(CampaignMeasure.inspection_id == inspection.id)
        )
    }
    out: list[CampaignMeasure] = []
    for code, quantity in items:
        row = existing.get(code)
        if row is None:
            row = CampaignMeasure(
                campaign_id=campaign.id,
                inspection_id=inspection.id,
                premises_id=inspection.premises_id,
                org_id=inspection.org_id,
                measure=code,
                quantity=quantity,
                recorded_on=inspection.inspected_on,
                recorded_by_id=actor.user_id,
                recorded_at=now,
            )
            crud.create(
                session, actor=actor, obj=row, entity="campaign_measure", entity_zh="整治措施"
            )
        else:
            crud.update(
                session,
                actor=actor,
                obj=row,
                changes={"quantity": quantity, "recorded_by_id": actor.user_id, "recorded_at": now},
                entity="campaign_measure",
                entity_zh="整治措施",
            )
        out.append(row)
    return out


def delete_measure(session: Session, *, actor: Actor, measure_id: int) -> None:
    """Remove a measure recorded by mistake (audited with what it said)."""
    actor.require(Action.INSPECT)
    row = get_visible(session, actor, CampaignMeasure, measure_id)
    before = audit.snapshot(row)
    session.delete(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="delete",
        entity="campaign_measure",
        entity_id=measure_id,
        before=before,
    )


def query_measures(
    session: Session,
    *,
    actor: Actor,
    campaign_id: int | None = None,
    inspection_id: int | None = None,
    org_id: int | None = None,
    measure: str | None = None,
) -> Select[CampaignMeasure]:
    """Measures recorded, newest first; ``org_id`` takes the organization and its subtree.

    One table only (the premises' names are read for the page shown, :func:`premises_names`),
    so counting all matches never joins.
    """
    actor.require(Action.READ)
    stmt = visible(actor, CampaignMeasure)
    if campaign_id is not None:
        stmt = stmt.where(CampaignMeasure.campaign_id == campaign_id)
    if inspection_id is not None:
        stmt = stmt.where(CampaignMeasure.inspection_id == inspection_id)
    if measure is not None:
        stmt = stmt.where(CampaignMeasure.measure == measure)
    if org_id is not None:
        org = get_organization(session, actor, org_id)
        below = select(Organization.id).where(Organization.path.startswith(org.path))
        stmt = stmt.where(CampaignMeasure.org_id.in_(below))
    return stmt.order_by(CampaignMeasure.recorded_on.desc(), CampaignMeasure.id.desc())


def premises_names(session: Session, premises_ids: list[int]) -> dict[int, str]:
    """The names of the given premises (the measures of one page)."""
    if not premises_ids:
        return {}
    rows = session.execute(
        select(Premises.id, Premises.name).where(Premises.id.in_(set(premises_ids)))
    )
    return {pid: name for pid, name in rows}


# --- targets and progress ------------------------------------------------------------------------


def set_target(
    session: Session, *, actor: Actor, campaign_id: int, org_id: int, measure: str, quantity: int
) -> CampaignTarget:
    """Set (or change) how much of a measure, or of premises inspected, an organization is to do."""
    actor.require(Action.CAMPAIGN_MANAGE)
    campaign = get_campaign(session, actor, campaign_id)
    org = get_organization(session, actor, org_id)
    _inside(session, campaign, org)
    if measure != INSPECTED and measure not in allowed_measures(session, campaign):
        raise Invalid(f"整治措施不属于该专项整治：{measure}", f"measure {measure!r} not counted")
    row = session.scalar(
        select(CampaignTarget).where(
            CampaignTarget.campaign_id == campaign.id,
            CampaignTarget.org_id == org.id,
            CampaignTarget.measure == measure,
        )
    )
    if row is None:
        row = CampaignTarget(
            campaign_id=campaign.id, org_id=org.id, measure=measure, quantity=quantity
        )
        return crud.create(
            session, actor=actor, obj=row, entity="campaign_target", entity_zh="整治目标"
        )
    return crud.update(
        session,
        actor=actor,
        obj=row,
        changes={"quantity": quantity},
        entity="campaign_target",
        entity_zh="整治目标",
    )


@dataclass
class OrgProgress:
    """One organization's targets and what was done below it, by measure key."""

    org_id: int
    org_name: str
    target: dict[str, int] = field(default_factory=dict)
    done: dict[str, int] = field(default_factory=dict)


@dataclass
class Progress:
    """A campaign's progress per brigade (or per organization that has a target)."""

    campaign_id: int
    keys: list[str]
    rows: list[OrgProgress]

    def totals(self) -> OrgProgress:
        """The sums over the rows."""
        total = OrgProgress(0, "合计")
        for row in self.rows:
            for key in self.keys:
                total.target[key] = total.target.get(key, 0) + row.target.get(key, 0)
                total.done[key] = total.done.get(key, 0) + row.done.get(key, 0)
        return total


def campaign_progress(session: Session, *, actor: Actor, campaign_id: int) -> Progress:
    """Targets against what was done, per brigade under the campaign (and any org with a target).

    Done is counted below each organization in the actor's jurisdiction: measures add up their
    quantities, ``inspected`` counts distinct premises inspected within the campaign.
    """
    campaign = get_campaign(session, actor, campaign_id)
    root = _campaign_org(session, campaign)
    targets = list(
        session.scalars(
            visible(actor, CampaignTarget).where(CampaignTarget.campaign_id == campaign.id)
        ).unique()
    )
    units: list[Organization] = list(
        session.scalars(
            visible(actor, Organization)
            .where(
                Organization.path.startswith(root.path),
                Organization.kind == OrgKind.BRIGADE,
            )
            .order_by(Organization.path)
        ).unique()
    )
    seen = {o.id for o in units}
    for t in targets:  # an organization given a target though it is not a brigade
        if t.org_id not in seen:
            seen.add(t.org_id)
            units.append(t.org)
    if not units and root.path.startswith(actor.org_path):
        units = [root]
    measure_sums = session.execute(
        select(CampaignMeasure.org_id, CampaignMeasure.measure, func.sum(CampaignMeasure.quantity))
        .where(
            CampaignMeasure.campaign_id == campaign.id, visible_condition(actor, CampaignMeasure)
        )
        .group_by(CampaignMeasure.org_id, CampaignMeasure.measure)
    ).all()
    inspected_by_org = session.execute(
        select(Inspection.org_id, func.count(distinct(Inspection.premises_id)))
        .where(Inspection.campaign_id == campaign.id, visible_condition(actor, Inspection))
        .group_by(Inspection.org_id)
    ).all()
    org_ids = {row[0] for row in measure_sums} | {row[0] for row in inspected_by_org}
    paths = dict(
        session.execute(
            select(Organization.id, Organization.path).where(Organization.id.in_(org_ids))
        ).all()
    )
    sums = [(paths[org], code, total) for org, code, total in measure_sums]
    inspected = [(paths[org], n) for org, n in inspected_by_org]
    keys = [INSPECTED, *allowed_measures(session, campaign)]
    rows = []
    for unit in units:
        row = OrgProgress(unit.id, unit.name)
        for t in targets:
            if t.org_id == unit.id:
                row.target[t.measure] = t.quantity
        for path, code, total in sums:
            if path.startswith(unit.path):
                row.done[code] = row.done.get(code, 0) + int(total or 0)
        row.done[INSPECTED] = sum(int(n) for path, n in inspected if path.startswith(unit.path))
        rows.append(row)
    for row in rows:
        for key in list(row.target) + list(row.done):
            if key not in keys:
                keys.append(key)
    return Progress(campaign.id, keys, rows)


def measure_totals(
    session: Session, *, actor: Actor, campaign_id: int, org_id: int | None = None
) -> list[tuple[str, int, int]]:
    """Per measure: quantity and inspections, in the campaign (below ``org_id`` if given)."""
    campaign = get_campaign(session, actor, campaign_id)
    # one row per inspection and measure (a unique constraint): counting rows counts inspections
    stmt = select(
        CampaignMeasure.measure,
        func.sum(CampaignMeasure.quantity),
        func.count(),
    ).where(CampaignMeasure.campaign_id == campaign.id, visible_condition(actor, CampaignMeasure))
    if org_id is not None:
        org = get_organization(session, actor, org_id)
        below = select(Organization.id).where(Organization.path.startswith(org.path))
        stmt = stmt.where(CampaignMeasure.org_id.in_(below))
    rows = session.execute(stmt.group_by(CampaignMeasure.measure)).all()
    found = {code: (int(q or 0), int(n)) for code, q, n in rows}
    order = allowed_measures(session, campaign) + sorted(
        set(found) - set(allowed_measures(session, campaign))
    )
    return [(code, *found.get(code, (0, 0))) for code in order]


# --- 工作清单 (work items) ---------------------------------------------------------------------


def add_work_item(
    session: Session,
    *,
    actor: Actor,
    campaign_id: int,
    org_id: int,
    title: str,
    due_on: Any = None,
    note: str | None = None,
) -> CampaignWorkItem:
    """Add a line to the campaign's 工作清单 for an organization of the campaign."""
    actor.require(Action.CAMPAIGN_MANAGE)
    campaign = get_campaign(session, actor, campaign_id)
    org = get_organization(session, actor, org_id)
    _inside(session, campaign, org)
    if due_on is not None and not campaign.starts_on <= due_on <= campaign.ends_on:
        raise Invalid(
            f"完成期限须在专项整治期间（{campaign.starts_on}至{campaign.ends_on}）",
            "due_on lies outside the campaign period",
        )
    item = CampaignWorkItem(
        campaign_id=campaign.id, org_id=org.id, title=title, due_on=due_on, note=note
    )
    return crud.create(
        session, actor=actor, obj=item, entity="campaign_work_item", entity_zh="工作清单"
    )


def mark_work_item(
    session: Session,
    *,
    actor: Actor,
    item_id: int,
    done: bool,
    note: str | None = None,
    at: datetime | None = None,
) -> CampaignWorkItem:
    """Tick a 工作清单 line done, or open it again (each audited)."""
    actor.require(Action.CAMPAIGN_MANAGE)
    item = get_visible(session, actor, CampaignWorkItem, item_id)
    if done == (item.done_at is not None):
        state = "已完成" if done else "未完成"
        raise Conflict(f"该工作事项已是“{state}”", "the work item is already in that state")
    changes: dict[str, Any] = {"done_at": (at or utcnow()) if done else None}
    if note is not None:
        changes["note"] = note
    return crud.update(
        session,
        actor=actor,
        obj=item,
        changes=changes,
        entity="campaign_work_item",
        entity_zh="工作清单",
        action="done" if done else "reopen",
    )


def query_work_items(
    session: Session, *, actor: Actor, campaign_id: int
) -> Select[CampaignWorkItem]:
    """The 工作清单 of a campaign the actor sees (else 404), in its jurisdiction, by due date."""
    get_campaign(session, actor, campaign_id)
    return (
        visible(actor, CampaignWorkItem)
        .where(CampaignWorkItem.campaign_id == campaign_id)
        .order_by(CampaignWorkItem.due_on.is_(None), CampaignWorkItem.due_on, CampaignWorkItem.id)
    )
