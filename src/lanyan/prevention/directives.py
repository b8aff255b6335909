"""交办单: a campaign's order to a department (住建, 市场监管 …) or to a lower organization.

Issued with a due date; the recipient replies (an officer records a department's reply); the
issuer accepts the reply (办结) or returns it (退回重办) to be answered again, or withdraws the
order. Every move is one legal pair of :data:`DIRECTIVE_TRANSITIONS` (others are 409) and is
audited. An order is *overdue* when its first reply came after the due day, or none came and
the due day is past — :func:`overdue_as_of` is the one definition the API, the pages and the
figures use.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from lanyan.core import audit
from lanyan.core.actor import Actor
from lanyan.core.clock import utcnow
from lanyan.core.errors import Conflict, Forbidden, Invalid
from lanyan.core.jurisdiction import get_visible, visible
from lanyan.core.permissions import Action
from lanyan.forces.models import Organization
from lanyan.forces.service import get_organization
from lanyan.prevention.campaign_choices import DIRECTIVE_TRANSITIONS, DirectiveStatus
from lanyan.prevention.campaign_models import CampaignDirective
from lanyan.prevention.campaigns import get_campaign
from lanyan.prevention.models import Premises
from lanyan.prevention.patrols import local_today


def overdue_as_of(moment: datetime) -> ColumnElement[bool]:
    """交办单 overdue at ``moment``: issued before it and not answered by the end of the due day.

    Days are local (Asia/Shanghai). The first reply decides (a returned order answered again is
    still answered in time if its first reply was); an order withdrawn before ``moment`` without
    a late reply is not overdue.
    """
    today = local_today(moment)
    d = CampaignDirective
    unanswered = or_(d.first_replied_on.is_(None), d.first_replied_on > today)
    answered_late = and_(
        d.first_replied_on.is_not(None), d.first_replied_on > d.due_on, d.first_replied_on <= today
    )
    withdrawn = and_(d.status == DirectiveStatus.WITHDRAWN, d.closed_at < moment)
    return and_(
        d.issued_at < moment,
        or_(answered_late, and_(unanswered, d.due_on < today, ~withdrawn)),
    )


def is_overdue(directive: CampaignDirective, moment: datetime | None = None) -> bool:
    """:func:`overdue_as_of` for one loaded row (the API's ``overdue`` flag)."""
    now = moment or utcnow()
    today = local_today(now)
    first = directive.first_replied_on
    if first is not None and first <= today:
        return first > directive.due_on
    if directive.status == DirectiveStatus.WITHDRAWN:
        return False
    return directive.due_on < today


def _number(session: Session, issued: datetime) -> str:
    year = local_today(issued).year
    prefix = f"交办〔{year}〕"
    taken = session.scalar(select(func.count()).where(CampaignDirective.number.startswith(prefix)))
    return f"{prefix}{int(taken or 0) + 1}号"


def issue_directive(
    session: Session,
    *,
    actor: Actor,
    subject: str,
    due_on: date,
    to_org_id: int | None = None,
    to_department: str | None = None,
    campaign_id: int | None = None,
    premises_id: int | None = None,
    content: str | None = None,
    issuer_org_id: int | None = None,
    at: datetime | None = None,
) -> CampaignDirective:
    """Issue a 交办单 to a lower organization or to a department, numbered 交办〔年〕N号."""
    actor.require(Action.CAMPAIGN_MANAGE)
    if (to_org_id is None) == (not to_department):
        raise Invalid(
            "须指定接收的下级单位或部门（二选一）",
            "give exactly one of to_org_id and to_department",
        )
    now = at or utcnow()
    if due_on < local_today(now):
        raise Invalid("办理期限不能早于今天", "due_on must not be in the past")
    issuer_id = issuer_org_id if issuer_org_id is not None else actor.org_id
    if issuer_id is None:
        raise Invalid("须指定交办单位", "issuer_org_id is required")
    issuer = get_organization(session, actor, issuer_id)
    owner = issuer
    if to_org_id is not None:
        owner = get_organization(session, actor, to_org_id)
        if owner.id == issuer.id or not owner.path.startswith(issuer.path):
            raise Invalid(
                f"“{owner.name}”不是“{issuer.name}”的下级单位",
                "the recipient must be below the issuer",
            )
    if campaign_id is not None:
        campaign = get_campaign(session, actor, campaign_id)
        campaign_org = session.get(Organization, campaign.org_id)
        assert campaign_org is not None
        if not issuer.path.startswith(campaign_org.path):
            raise Invalid("交办单位不在该专项整治范围内", "the issuer lies outside the campaign")
    if premises_id is not None:
        get_visible(session, actor, Premises, premises_id)
    directive = CampaignDirective(
        number=_number(session, now),
        campaign_id=campaign_id,
        org_id=owner.id,
        issuer_org_id=issuer.id,
        to_org_id=to_org_id,
        to_department=to_department or None,
        premises_id=premises_id,
        subject=subject,
        content=content,
        status=DirectiveStatus.ISSUED,
        issued_at=now,
        issued_by_id=actor.user_id,
        due_on=due_on,
        created_at=now,
        updated_at=now,
    )
    session.add(directive)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="issue",
        entity="directive",
        entity_id=directive.id,
        after=audit.snapshot(directive),
    )
    return directive


def get_directive(session: Session, actor: Actor, directive_id: int) -> CampaignDirective:
    """A 交办单 the actor issued, received or oversees, else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, CampaignDirective, directive_id)


def advance_directive(
    session: Session,
    *,
    actor: Actor,
    directive_id: int,
    status: DirectiveStatus,
    reply: str | None = None,
    at: datetime | None = None,
) -> CampaignDirective:
    """Reply, accept, return or withdraw — one legal move, audited.

    Accepting, returning and withdrawing are the issuer's (or an organization above it): a
    recipient cannot settle its own order.
    """
    actor.require(Action.CAMPAIGN_MANAGE)
    directive = get_directive(session, actor, directive_id)
    if status not in DIRECTIVE_TRANSITIONS[directive.status]:
        raise Conflict(
            f"交办单不能从“{directive.status.zh}”变为“{status.zh}”",
            f"a directive cannot go from {directive.status.en} to {status.en}",
        )
    if status != DirectiveStatus.REPLIED and not directive.issuer_org.path.startswith(
        actor.org_path
    ):
        raise Forbidden("只有交办单位可以办结、退回或撤回交办单", "only the issuer may settle it")
    now = at or utcnow()
    before = audit.snapshot(directive)
    changes: dict[str, Any] = {"status": status, "updated_at": now}
    if status == DirectiveStatus.REPLIED:
        if not reply:
            raise Invalid("回复内容不能为空", "a reply is required")
        changes |= {"reply": reply, "replied_at": now}
        if directive.first_replied_on is None:
            changes["first_replied_on"] = local_today(now)
    elif reply:
        raise Invalid("只有回复时可填写回复内容", "reply is only given when replying")
    if status in (DirectiveStatus.ACCEPTED, DirectiveStatus.WITHDRAWN):
        changes["closed_at"] = now
    for key, value in changes.items():
        setattr(directive, key, value)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=status.value,
        entity="directive",
        entity_id=directive.id,
        before=before,
        after=audit.snapshot(directive),
    )
    return directive


def query_directives(
    *,
    actor: Actor,
    campaign_id: int | None = None,
    status: DirectiveStatus | None = None,
    overdue: bool | None = None,
    now: datetime | None = None,
) -> Select[CampaignDirective]:
    """交办单 in the actor's jurisdiction, latest first (indexed by issue time)."""
    actor.require(Action.READ)
    stmt = visible(actor, CampaignDirective)
    if campaign_id is not None:
        stmt = stmt.where(CampaignDirective.campaign_id == campaign_id)
    if status is not None:
        stmt = stmt.where(CampaignDirective.status == status)
    if overdue is not None:
        condition = overdue_as_of(now or utcnow())
        stmt = stmt.where(condition if overdue else ~condition)
    return stmt.order_by(CampaignDirective.issued_at.desc(), CampaignDirective.id.desc())
