"""Inspection plans (检查计划): 双随机 draws from the premises register, campaign lists, complaints.

A random draw takes the premises register of an organization's subtree (optionally one category),
ordered by id, and samples it with :class:`random.Random` seeded by ``seed``; the seed and the
register's size are stored with the plan, so anyone can redraw the same sample and see it was
not picked by hand (双随机、一公开). A campaign's or a complaint's plan lists its premises.
"""

from __future__ import annotations

import random
import secrets
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lanyan.core import crud
from lanyan.core.actor import Actor
from lanyan.core.errors import Invalid
from lanyan.core.jurisdiction import get_visible, visible, visible_condition
from lanyan.core.permissions import Action
from lanyan.enforcement.choices import PlanKind
from lanyan.enforcement.models import Plan, PlanItem
from lanyan.forces.models import Organization
from lanyan.prevention.choices import PremisesCategory
from lanyan.prevention.models import Premises

MAX_ITEMS = 2000
"""The most premises one plan lists."""


def draw(population: list[int], size: int, seed: int) -> list[int]:
    """The sample of ``size`` ids a seed gives from ``population`` (sorted ids), in draw order."""
    # reproducible by design: the published seed must redraw the same sample
    return random.Random(seed).sample(population, min(size, len(population)))  # noqa: S311


def register_ids(
    session: Session, actor: Actor, org: Organization, category: PremisesCategory | None
) -> list[int]:
    """Ids of the premises register under ``org`` that the actor sees, ascending."""
    stmt = (
        select(Premises.id)
        .join(Organization, Organization.id == Premises.org_id)
        .where(
            Organization.path.startswith(org.path, autoescape=True),
            visible_condition(actor, Premises),
        )
        .order_by(Premises.id)
    )
    if category is not None:
        stmt = stmt.where(Premises.category == category)
    return list(session.scalars(stmt))


def create_plan(
    session: Session,
    *,
    actor: Actor,
    org_id: int,
    name: str,
    kind: PlanKind,
    starts_on: date,
    ends_on: date,
    sample_size: int | None = None,
    seed: int | None = None,
    category: PremisesCategory | None = None,
    premises_ids: list[int] | None = None,
    campaign_id: int | None = None,
    complaint: str | None = None,
) -> Plan:
    """Create a plan and its list of premises (drawn, or given)."""
    actor.require(Action.ENFORCE)
    org = get_visible(session, actor, Organization, org_id)
    if ends_on < starts_on:
        raise Invalid("计划结束日期不能早于开始日期", "ends_on must not be before starts_on")
    population: int | None = None
    if kind == PlanKind.RANDOM:
        if sample_size is None or not 1 <= sample_size <= MAX_ITEMS:
            raise Invalid(f"双随机抽查须填写抽取数量（1至{MAX_ITEMS}）", "sample_size is required")
        if premises_ids:
            raise Invalid(
                "双随机抽查的单位由系统抽取，不能指定", "a random plan draws its premises"
            )
        seed = secrets.randbelow(2**31) if seed is None else seed
        register = register_ids(session, actor, org, category)
        if not register:
            raise Invalid("该范围内没有可抽取的单位", "no premises to draw from")
        population = len(register)
        chosen = draw(register, sample_size, seed)
    else:
        if not premises_ids:
            raise Invalid("请选择要检查的单位", "premises_ids is required")
        if kind == PlanKind.COMPLAINT and not complaint:
            raise Invalid("投诉举报核查须填写举报内容", "complaint is required")
        if len(set(premises_ids)) != len(premises_ids) or len(premises_ids) > MAX_ITEMS:
            raise Invalid("单位重复或超过上限", "duplicate premises or too many")
        chosen = [get_visible(session, actor, Premises, pid).id for pid in premises_ids]
        seed = None
    if campaign_id is not None:
        from lanyan.prevention.campaigns import get_campaign

        get_campaign(session, actor, campaign_id)
    plan = Plan(
        org_id=org.id,
        name=name,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        seed=seed,
        population=population,
        campaign_id=campaign_id,
        complaint=complaint,
        created_by=actor.user_id,
    )
    plan.items = [PlanItem(premises_id=pid) for pid in chosen]
    return crud.create(
        session, actor=actor, obj=plan, entity="enforcement_plan", entity_zh="检查计划"
    )


def get_plan(session: Session, actor: Actor, plan_id: int) -> Plan:
    """A plan in the actor's jurisdiction (or of an organization above it), else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, Plan, plan_id)


def query_plans(*, actor: Actor, kind: PlanKind | None = None) -> Select[Plan]:
    """Plans in the jurisdiction, latest first."""
    actor.require(Action.READ)
    stmt = visible(actor, Plan)
    if kind is not None:
        stmt = stmt.where(Plan.kind == kind)
    return stmt.order_by(Plan.starts_on.desc(), Plan.id.desc())


def query_items(*, actor: Actor, plan_id: int, pending: bool | None = None) -> Select[PlanItem]:
    """The premises of a plan (``pending``: not yet inspected)."""
    actor.require(Action.READ)
    stmt = visible(actor, PlanItem).where(PlanItem.plan_id == plan_id)
    if pending is True:
        stmt = stmt.where(PlanItem.inspection_id.is_(None))
    elif pending is False:
        stmt = stmt.where(PlanItem.inspection_id.is_not(None))
    return stmt.order_by(PlanItem.id)
