"""Demo campaigns (专项整治), 交办单 and listings of 突出 hazards and areas, for the history years.

Per year: a 九小场所 campaign (spring–summer: window bars removed, smoke alarms) and an
e-bike charging campaign (autumn: charging ports, e-bikes cleared, wiring), both set by the
detachment, with targets for each brigade, campaign inspections of the brigades' premises and
the measures they recorded, a 工作清单, 交办单 in every state (answered in time, late, returned,
withdrawn, still open), an area listing of a street of small venues and 突出 hazard listings. A
year whose campaign is already there is skipped, so ``lanyan demo`` may run again.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.actor import Actor
from lanyan.core.clock import LOCAL_TZ, utcnow
from lanyan.core.db import transaction
from lanyan.forces.choices import OrgKind
from lanyan.forces.models import Organization
from lanyan.prevention import campaign_work, campaigns, directives, inspections, listing
from lanyan.prevention.campaign_catalogue import INSPECTED
from lanyan.prevention.campaign_choices import DirectiveStatus, ListingKind, ListingLister
from lanyan.prevention.choices import (
    HazardSeverity,
    HazardStatus,
    InspectionOutcome,
    ListingLevel,
    ListingStatus,
)
from lanyan.prevention.governance_schemas import CampaignCreate
from lanyan.prevention.listing_schemas import ListingCreate
from lanyan.prevention.models import Campaign, Hazard, Premises, SupervisedListing
from lanyan.prevention.patrols import local_today
from lanyan.prevention.schemas import ListingAdvance

Progress = Callable[[str, int, int], None]

PLANS = (
    # name, topic, first month, last month, targets per brigade, quantity range per measure
    (
        "九小场所防盗网专项整治",
        "small_venues",
        3,
        8,
        {INSPECTED: 40, "window_bars_removed": 60, "smoke_alarms_installed": 40},
    ),
    (
        "电动自行车充电安全专项整治",
        "ebike_charging",
        9,
        12,
        {INSPECTED: 30, "charging_ports_added": 120, "ebikes_removed": 80},
    ),
)
DEPARTMENTS = ("住建局", "市场监管局", "街道办事处", "供电公司")


def _at(day: date, hour: float = 10.0) -> datetime:
    moment = datetime.combine(day, dtime(0), tzinfo=LOCAL_TZ) + timedelta(hours=hour)
    return moment.astimezone(UTC)


def _actor(session: Session) -> Actor:
    from lanyan.demo.prevention_history import officer_actor

    return officer_actor(session)


def _campaign(
    session: Session,
    actor: Actor,
    rng: random.Random,
    year: int,
    plan: tuple[str, str, int, int, dict[str, int]],
    brigades: list[Organization],
    today: date,
) -> dict[str, int]:
    name, topic, first, last, targets = plan
    starts = date(year, first, 1)
    ends = (date(year + 1, 1, 1) if last == 12 else date(year, last + 1, 1)) - timedelta(days=1)
    if starts > today:
        return {}
    campaign = campaigns.create_campaign(
        session,
        actor=actor,
        data=CampaignCreate(
            name=f"{year}年{name}",
            topic=topic,
            org_id=actor.org_id,
            starts_on=starts,
            ends_on=ends,
            target_premises=targets[INSPECTED] * len(brigades),
        ),
    )
    measures = campaign_work.allowed_measures(session, campaign)
    for brigade in brigades:
        for key, quantity in targets.items():
            campaign_work.set_target(
                session,
                actor=actor,
                campaign_id=campaign.id,
                org_id=brigade.id,
                measure=key,
                quantity=quantity,
            )
    last_day = min(ends, today - timedelta(days=1))
    span = (last_day - starts).days
    counts = {"inspections": 0, "measures": 0, "directives": 0}
    for brigade in brigades:
        pool = list(
            session.scalars(
                select(Premises)
                .join(Organization, Organization.id == Premises.org_id)
                .where(Organization.path.startswith(brigade.path))
                .order_by(Premises.id)
            ).unique()
        )
        rng.shuffle(pool)
        share = rng.uniform(0.55, 1.1) if last_day == ends else rng.uniform(0.3, 0.7)
        for premises in pool[: int(targets[INSPECTED] * share)]:
            day = starts + timedelta(days=rng.randint(0, max(span, 0)))
            done = inspections.record_inspection(
                session,
                actor=actor,
                premises_id=premises.id,
                inspected_on=day,
                checklist={},
                outcome=InspectionOutcome.PASSED,
                campaign_id=campaign.id,
                at=_at(day, 15),
            )
            items = [(code, rng.randint(1, 6)) for code in measures if rng.random() < 0.7]
            if items:
                campaign_work.record_measures(
                    session,
                    actor=actor,
                    inspection_id=done.inspection.id,
                    items=items,
                    at=_at(day, 16),
                )
                counts["measures"] += len(items)
            counts["inspections"] += 1
        for title in ("摸排辖区场所底数并建立台账", "组织集中宣传和约谈", "开展整治“回头看”"):
            item = campaign_work.add_work_item(
                session,
                actor=actor,
                campaign_id=campaign.id,
                org_id=brigade.id,
                title=title,
                due_on=min(ends, starts + timedelta(days=rng.randint(20, max(span, 20)))),
            )
            if item.due_on is not None and item.due_on < today and rng.random() < 0.8:
                campaign_work.mark_work_item(
                    session, actor=actor, item_id=item.id, done=True, at=_at(item.due_on, 17)
                )
    counts["directives"] = _directives(session, actor, rng, campaign, brigades, last_day, today)
    return counts


def _directives(
    session: Session,
    actor: Actor,
    rng: random.Random,
    campaign: Campaign,
    brigades: list[Organization],
    last_day: date,
    today: date,
) -> int:
    made = 0
    # what happens to each: replied in time and accepted, replied late, returned then answered,
    # withdrawn, still waiting
    fates = ("accepted", "late", "returned", "withdrawn", "open", "accepted")
    for i, fate in enumerate(fates):
        issued_on = campaign.starts_on + timedelta(days=7 + 11 * i)
        if issued_on > last_day:
            break
        due_on = issued_on + timedelta(days=10)
        to_org = brigades[i % len(brigades)] if i % 2 == 0 else None
        d = directives.issue_directive(
            session,
            actor=actor,
            subject=f"{campaign.name}：督促整改第{i + 1}批问题场所",
            content="请按期组织整改并书面回复。",
            due_on=due_on,
            to_org_id=to_org.id if to_org else None,
            to_department=None if to_org else DEPARTMENTS[i % len(DEPARTMENTS)],
            campaign_id=campaign.id,
            at=_at(issued_on, 9),
        )
        made += 1

        def move(
            status: DirectiveStatus, day: date, reply: str | None = None, did: int = d.id
        ) -> bool:
            if day >= today:
                return False
            directives.advance_directive(
                session,
                actor=actor,
                directive_id=did,
                status=status,
                reply=reply,
                at=_at(day, 11),
            )
            return True

        if fate == "withdrawn":
            move(DirectiveStatus.WITHDRAWN, issued_on + timedelta(days=3))
            continue
        if fate == "open":
            continue
        replied_on = due_on + timedelta(days=4) if fate == "late" else due_on - timedelta(days=2)
        if not move(DirectiveStatus.REPLIED, replied_on, "已组织整改，整改情况见附表。"):
            continue
        if fate == "returned":
            if move(DirectiveStatus.RETURNED, replied_on + timedelta(days=1)):
                move(DirectiveStatus.REPLIED, replied_on + timedelta(days=5), "已补充整改。")
            continue
        move(DirectiveStatus.ACCEPTED, replied_on + timedelta(days=rng.randint(1, 3)))
    return made


def _listings(
    session: Session, actor: Actor, rng: random.Random, year: int, brigades: list[Organization]
) -> int:
    made = 0
    day = date(year, 5, 20)
    if day >= local_today():
        return 0
    brigade = brigades[0]
    street = list(
        session.scalars(
            select(Premises)
            .join(Organization, Organization.id == Premises.org_id)
            .where(Organization.path.startswith(brigade.path))
            .order_by(Premises.id)
            .limit(6)
        ).unique()
    )
    if street:
        area = listing.propose_listing(
            session,
            actor=actor,
            data=ListingCreate(
                kind=ListingKind.AREA,
                level=ListingLevel.COUNTY,
                lister=ListingLister.GOVERNMENT,
                org_id=brigade.id,
                area_name=f"{year}年老街沿街商铺区域性火灾隐患",
                premises_ids=[p.id for p in street],
                unit_count=len(street) * 7,
                hazard_count=len(street) * 11,
                basis="沿街商铺“三合一”住人、防盗网封闭外窗问题集中",
            ),
            at=_at(day),
        )
        listing.advance_listing(
            session,
            actor=actor,
            listing_id=area.id,
            data=ListingAdvance(status=ListingStatus.LISTED, deadline_workdays=90),
            at=_at(day + timedelta(days=3)),
        )
        made += 1
    open_general = list(
        session.scalars(
            select(Hazard)
            .where(
                Hazard.severity == HazardSeverity.GENERAL,
                Hazard.status.in_([HazardStatus.VERIFIED, HazardStatus.ORDERED]),
                Hazard.found_at < _at(day),
                ~Hazard.id.in_(
                    select(SupervisedListing.hazard_id).where(
                        SupervisedListing.hazard_id.is_not(None)
                    )
                ),
            )
            .order_by(Hazard.id)
            .limit(3)
        ).unique()
    )
    for i, hazard in enumerate(open_general):
        item = listing.propose_listing(
            session,
            actor=actor,
            data=ListingCreate(
                kind=ListingKind.PROMINENT,
                hazard_id=hazard.id,
                level=ListingLevel.COUNTY if i else ListingLevel.CITY,
                lister=ListingLister.FIRE_DEPARTMENT,
                basis="群众反映强烈的突出火灾隐患",
            ),
            at=_at(day + timedelta(days=i)),
        )
        listing.advance_listing(
            session,
            actor=actor,
            listing_id=item.id,
            data=ListingAdvance(status=ListingStatus.LISTED),
            at=_at(day + timedelta(days=i + 2)),
        )
        made += 1
    return made


def load(
    factory: sessionmaker[Session], *, seed: int, years: Sequence[int], progress: Progress
) -> list[str]:
    """Campaigns, their measures, targets, 工作清单 and 交办单, and listings, for each year."""
    lines: list[str] = []
    today = local_today(utcnow())
    for n, year in enumerate(years, start=1):
        progress("专项整治", n, len(years))
        with factory() as session:
            if session.scalar(select(Campaign.id).where(Campaign.name.startswith(f"{year}年"))):
                lines.append(f"{year}年专项整治：已存在，跳过")
                continue
        rng = random.Random(f"campaigns:{seed}:{year}")  # noqa: S311 - demo data, seeded
        with transaction(factory) as session:
            actor = _actor(session)
            brigades = list(
                session.scalars(
                    select(Organization)
                    .where(
                        Organization.kind == OrgKind.BRIGADE,
                        Organization.path.startswith(actor.org_path),
                    )
                    .order_by(Organization.path)
                )
            )
            if not brigades:
                continue
            totals = {"inspections": 0, "measures": 0, "directives": 0}
            for plan in PLANS:
                for key, value in _campaign(
                    session, actor, rng, year, plan, brigades, today
                ).items():
                    totals[key] += value
            listed = _listings(session, actor, rng, year, brigades)
        lines.append(
            f"{year}年专项整治：检查 {totals['inspections']} 次，整治措施 {totals['measures']} 项，"
            f"交办单 {totals['directives']} 份，挂牌督办（突出/区域）{listed} 项"
        )
    return lines
