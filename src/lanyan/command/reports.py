"""信息报送: incidents that must be reported upward, their time limits, messages and receipts.

A detachment keeps rules (:class:`~lanyan.command.combat_models.ReportRule`): deaths ≥ N, a fire
of 较大 grade or above (lanyan.dispatch.grading), a crowded or special venue, hazardous
materials, trapped people ≥ N, media attention; each rule names its recipients (organizations or
accounts). The commander records what the scene shows (:func:`record_facts`); the rules are read
then and an item is raised once per incident with its time limits from the standards table
(首报 ``info_report_first_min`` after the rules fire, 续报 ``info_report_followup_min`` after each
message, 终报 ``info_report_final_min`` after the rules fire). Each message is drafted from the
incident's own data (premises, address, time, units sent, casualties) and sent to every recipient,
who acknowledges it (签收). The item moves 待首报 → 已首报 → 已续报 … → 已终报 (or 已撤销 before
the first report); every move is checked against :data:`REPORT_TRANSITIONS` and audited.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lanyan.accounts.models import User
from lanyan.command.combat_models import (
    REPORT_TRANSITIONS,
    STAGE_STATUS,
    IncidentFacts,
    InfoReport,
    InfoReportMessage,
    InfoReportReceipt,
    ReportRule,
    ReportStage,
    ReportStatus,
    RuleKind,
)
from lanyan.command.combat_schemas import (
    FactsIn,
    MessagePublic,
    ReportPublic,
    RuleCreate,
    RuleUpdate,
    SendIn,
    WithdrawIn,
)
from lanyan.core import audit, crud
from lanyan.core.actor import Actor
from lanyan.core.clock import as_local, utcnow
from lanyan.core.errors import Conflict, Forbidden, Invalid
from lanyan.core.jurisdiction import get_visible, visible
from lanyan.core.permissions import Action
from lanyan.core.standards import standards
from lanyan.dispatch.choices import IncidentSubtype, IncidentType
from lanyan.dispatch.grading import FireGrade, fire_grade
from lanyan.dispatch.models import Incident
from lanyan.forces.models import Organization
from lanyan.prevention.choices import VenueType

CROWDED_OR_SPECIAL = frozenset(
    {
        VenueType.PUBLIC_ASSEMBLY,
        VenueType.SHOPPING,
        VenueType.HOTEL,
        VenueType.ENTERTAINMENT,
        VenueType.HOSPITAL,
        VenueType.ELDERLY_CARE,
        VenueType.SCHOOL,
        VenueType.KINDERGARTEN,
        VenueType.TRANSPORT,
        VenueType.HERITAGE,
        VenueType.HAZMAT,
    }
)
"""Venues a 场所 rule without its own list counts (人员密集场所 and special sites)."""

HAZMAT_SUBTYPES = frozenset({IncidentSubtype.HAZMAT_LEAK, IncidentSubtype.CHEMICAL_FIRE})
LARGER_OR_ABOVE = frozenset({FireGrade.LARGER, FireGrade.MAJOR, FireGrade.ESPECIALLY_MAJOR})


def _minutes(key: str) -> timedelta:
    return timedelta(minutes=float(standards()[key]))


# --- rules ---------------------------------------------------------------------------------------


def query_rules(*, actor: Actor) -> Select[ReportRule]:
    """The rules that apply in the actor's jurisdiction (its own and those above it)."""
    actor.require(Action.READ)
    return visible(actor, ReportRule).order_by(ReportRule.id)


def _check_recipients(session: Session, org_ids: list[int], user_ids: list[int]) -> None:
    for org_id in org_ids:
        if session.get(Organization, org_id) is None:
            raise Invalid(
                f"接收单位{org_id}不存在",
                f"organization {org_id} not found",
                errors=[{"field": "recipient_org_ids", "reason": "unknown organization"}],
            )
    for user_id in user_ids:
        if session.get(User, user_id) is None:
            raise Invalid(
                f"接收人{user_id}不存在",
                f"user {user_id} not found",
                errors=[{"field": "recipient_user_ids", "reason": "unknown user"}],
            )


def _check_rule(
    kind: RuleKind, threshold: int | None, org_ids: list[int], users: list[int]
) -> None:
    if kind in (RuleKind.DEATHS, RuleKind.TRAPPED) and threshold is None:
        raise Invalid(
            f"“{kind.zh}”规则须填写人数（threshold）",
            f"a {kind.value} rule needs a threshold",
            errors=[{"field": "threshold", "reason": "required for this kind"}],
        )
    if not org_ids and not users:
        raise Invalid(
            "报送规则至少需要一个接收单位或接收人",
            "a rule needs at least one recipient",
            errors=[{"field": "recipient_org_ids", "reason": "no recipient"}],
        )


def create_rule(session: Session, *, actor: Actor, data: RuleCreate) -> ReportRule:
    """Add a 信息报送 rule to a detachment in the actor's jurisdiction."""
    actor.require(Action.REPORT_RULE_WRITE)
    org = get_visible(session, actor, Organization, data.org_id)
    _check_rule(data.kind, data.threshold, data.recipient_org_ids, data.recipient_user_ids)
    _check_recipients(session, data.recipient_org_ids, data.recipient_user_ids)
    rule = ReportRule(
        org_id=org.id,
        name=data.name,
        kind=data.kind,
        threshold=data.threshold,
        venue_types=[v.value for v in data.venue_types],
        recipient_org_ids=list(data.recipient_org_ids),
        recipient_user_ids=list(data.recipient_user_ids),
        is_active=data.is_active,
    )
    return crud.create(session, actor=actor, obj=rule, entity="report_rule", entity_zh="报送规则")


def update_rule(
    session: Session, *, actor: Actor, report_rule_id: int, data: RuleUpdate
) -> ReportRule:
    """Change a rule (deactivate it rather than deleting it: items raised by it name it)."""
    actor.require(Action.REPORT_RULE_WRITE)
    rule = get_visible(session, actor, ReportRule, report_rule_id, lock=True)
    if not actor.covers(_org_path(session, rule)):
        raise Forbidden("上级单位的规则不能在此修改", "a rule of a higher level is kept there")
    changes: dict[str, Any] = {}
    for key, value in data.model_dump(exclude_unset=True).items():
        if value is None and key != "threshold":
            raise Invalid(f"{key}不能为空", f"{key} cannot be null")
        changes[key] = [v.value for v in data.venue_types or []] if key == "venue_types" else value
    _check_rule(
        rule.kind,
        changes.get("threshold", rule.threshold),
        changes.get("recipient_org_ids", rule.recipient_org_ids),
        changes.get("recipient_user_ids", rule.recipient_user_ids),
    )
    _check_recipients(
        session, changes.get("recipient_org_ids", []), changes.get("recipient_user_ids", [])
    )
    return crud.update(
        session, actor=actor, obj=rule, changes=changes, entity="report_rule", entity_zh="报送规则"
    )


def _org_path(session: Session, rule: ReportRule) -> str | None:
    org = session.get(Organization, rule.org_id)
    return org.path if org else None


# --- facts and triggers --------------------------------------------------------------------------


def _why(rule: ReportRule, incident: Incident, facts: IncidentFacts) -> str | None:
    """Why ``rule`` fires for the incident, or None."""
    deaths = max(facts.deaths, incident.deaths or 0)
    if rule.kind == RuleKind.DEATHS and deaths >= (rule.threshold or 1):
        return f"死亡{deaths}人（达到{rule.threshold or 1}人）"
    if rule.kind == RuleKind.TRAPPED and facts.trapped >= (rule.threshold or 1):
        return f"被困{facts.trapped}人（达到{rule.threshold or 1}人）"
    if rule.kind == RuleKind.FIRE_GRADE and incident.type == IncidentType.FIRE:
        grade = incident.fire_grade or fire_grade(
            deaths=deaths,
            serious_injuries=max(facts.injured, incident.serious_injuries or 0),
            direct_loss_cny=incident.direct_loss_cny or 0.0,
            occurred_on=as_local(incident.received_at).date(),
        )
        if grade in LARGER_OR_ABOVE:
            return f"火灾等级{grade.zh}（较大及以上）"
    if rule.kind == RuleKind.VENUE and incident.premises is not None:
        venue = incident.premises.venue_type
        wanted = {VenueType(v) for v in rule.venue_types} or CROWDED_OR_SPECIAL
        if venue in wanted:
            return f"发生在{venue.zh}（{incident.premises.name}）"
    if rule.kind == RuleKind.HAZMAT and (facts.hazmat or incident.subtype in HAZMAT_SUBTYPES):
        return "涉及危险化学品"
    if rule.kind == RuleKind.MEDIA and facts.media_attention:
        return "引发舆情关注"
    return None


def _rules_for(session: Session, incident: Incident) -> list[ReportRule]:
    """Active rules of the incident's brigade and every organization above it."""
    if incident.brigade is None:
        return []
    ids = [int(p) for p in incident.brigade.path.strip("/").split("/") if p.isdigit()]
    return list(
        session.scalars(
            select(ReportRule)
            .where(ReportRule.org_id.in_(ids), ReportRule.is_active)
            .order_by(ReportRule.id)
        )
    )


def record_facts(
    session: Session,
    *,
    actor: Actor,
    incident_id: int,
    data: FactsIn,
    at: datetime | None = None,
) -> tuple[IncidentFacts, InfoReport | None]:
    """Record what the scene shows and read the rules: raise (or widen) the incident's item."""
    actor.require(Action.REPORT_WRITE)
    incident = get_visible(session, actor, Incident, incident_id)
    now = at or utcnow()
    facts = session.scalars(
        select(IncidentFacts).where(IncidentFacts.incident_id == incident.id)
    ).one_or_none()
    before = audit.snapshot(facts) if facts else None
    if facts is None:
        facts = IncidentFacts(incident_id=incident.id)
        session.add(facts)
    for key, value in data.model_dump().items():
        setattr(facts, key, value)
    facts.updated_at = now
    facts.updated_by = actor.display_name or actor.username
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update" if before else "create",
        entity="incident_facts",
        entity_id=facts.id,
        before=before,
        after=audit.snapshot(facts),
    )
    return facts, evaluate(session, actor=actor, incident=incident, facts=facts, now=now)


def evaluate(
    session: Session,
    *,
    actor: Actor,
    incident: Incident,
    facts: IncidentFacts | None = None,
    now: datetime | None = None,
) -> InfoReport | None:
    """Raise the incident's item when a rule fires (or add newly fired rules to it)."""
    now = now or utcnow()
    facts = facts or IncidentFacts(deaths=0, injured=0, trapped=0, hazmat=False)
    if facts.media_attention is None:
        facts.media_attention = False
    fired = []
    for rule in _rules_for(session, incident):
        why = _why(rule, incident, facts)
        if why is not None:
            fired.append((rule, why))
    report = session.scalars(
        select(InfoReport).where(InfoReport.incident_id == incident.id)
    ).one_or_none()
    if not fired:
        return report
    orgs = sorted({o for rule, _ in fired for o in rule.recipient_org_ids})
    users = sorted({u for rule, _ in fired for u in rule.recipient_user_ids})
    triggers = [{"rule_id": rule.id, "name": rule.name, "why": why} for rule, why in fired]
    if report is None:
        report = InfoReport(
            incident_id=incident.id,
            status=ReportStatus.PENDING,
            triggers=triggers,
            recipient_org_ids=orgs,
            recipient_user_ids=users,
            triggered_at=now,
            first_due_at=now + _minutes("info_report_first_min"),
            final_due_at=now + _minutes("info_report_final_min"),
        )
        session.add(report)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="create",
            entity="info_report",
            entity_id=report.id,
            after=audit.snapshot(report),
        )
        return report
    known = {t["rule_id"] for t in report.triggers}
    new = [t for t in triggers if t["rule_id"] not in known]
    if new and report.status not in (ReportStatus.FINAL_SENT, ReportStatus.WITHDRAWN):
        before = {"triggers": report.triggers}
        report.triggers = [*report.triggers, *new]
        report.recipient_org_ids = sorted(set(report.recipient_org_ids) | set(orgs))
        report.recipient_user_ids = sorted(set(report.recipient_user_ids) | set(users))
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="update",
            entity="info_report",
            entity_id=report.id,
            before=before,
            after={"triggers": report.triggers},
        )
    return report


# --- items ---------------------------------------------------------------------------------------


def query_reports(*, actor: Actor, status: ReportStatus | None = None) -> Select[InfoReport]:
    """Items in the actor's jurisdiction, newest first."""
    actor.require(Action.READ)
    stmt = visible(actor, InfoReport)
    if status is not None:
        stmt = stmt.where(InfoReport.status == status)
    return stmt.order_by(InfoReport.id.desc())


def get_report(session: Session, actor: Actor, report_id: int, *, lock: bool = False) -> InfoReport:
    """One item in the actor's jurisdiction, else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, InfoReport, report_id, lock=lock)


def next_stage(report: InfoReport) -> ReportStage | None:
    """The message the item waits for (None when it is closed)."""
    if report.status == ReportStatus.PENDING:
        return ReportStage.FIRST
    if report.status in (ReportStatus.FIRST_SENT, ReportStatus.FOLLOWUP_SENT):
        return ReportStage.FOLLOWUP
    return None


def draft(session: Session, report: InfoReport, stage: ReportStage) -> str:
    """The message text drafted from the incident's own data."""
    incident = report.incident
    facts = session.scalars(
        select(IncidentFacts).where(IncidentFacts.incident_id == incident.id)
    ).one_or_none()
    received = as_local(incident.received_at).strftime("%Y年%m月%d日%H时%M分")
    kind = incident.subtype.zh if incident.subtype else incident.type.zh
    place = incident.address_text or ""
    if incident.premises is not None:
        place = f"{incident.premises.name}（{place or incident.premises.venue_type.zh}）"
    units = [f"{a.unit.station.name}{a.unit.call_sign}" for a in incident.assignments]
    stations = sorted({a.unit.station.name for a in incident.assignments})
    lines = [
        f"【{stage.zh}】警情编号{incident.number}：{received}，{place or '（地址待核实）'}"
        f"发生{kind}，{incident.level}级调派。",
        (
            f"已调派{len(stations)}个队站{len(units)}辆车：{'、'.join(units)}。"
            if units
            else "尚未调派车辆。"
        ),
    ]
    if facts is not None:
        lines.append(
            f"现场情况：死亡{facts.deaths}人，受伤{facts.injured}人，被困{facts.trapped}人"
            + ("，涉及危险化学品" if facts.hazmat else "")
            + ("，已引发舆情关注" if facts.media_attention else "")
            + "。"
        )
    reasons = "；".join(t["why"] for t in report.triggers)
    lines.append(f"当前状态：{incident.status.zh}。报送原因：{reasons}。")
    return "\n".join(lines)


def _recipients(session: Session, report: InfoReport) -> list[InfoReportReceipt]:
    out = []
    for org_id in report.recipient_org_ids:
        org = session.get(Organization, org_id)
        if org is not None:
            out.append(InfoReportReceipt(recipient_org_id=org.id, recipient_name=org.name))
    for user_id in report.recipient_user_ids:
        user = session.get(User, user_id)
        if user is not None:
            out.append(
                InfoReportReceipt(recipient_user_id=user.id, recipient_name=user.display_name)
            )
    return out


def send(
    session: Session,
    *,
    actor: Actor,
    report_id: int,
    data: SendIn,
    at: datetime | None = None,
) -> InfoReport:
    """Send the item's next message (首报, 续报 or 终报) to every recipient."""
    actor.require(Action.REPORT_WRITE)
    report = get_report(session, actor, report_id, lock=True)
    target = STAGE_STATUS[data.stage]
    if target not in REPORT_TRANSITIONS[report.status]:
        raise Conflict(
            f"信息报送不能从“{report.status.zh}”发送{data.stage.zh}",
            f"cannot send a {data.stage.en} from {report.status.en}",
        )
    now = at or utcnow()
    due = {
        ReportStage.FIRST: report.first_due_at,
        ReportStage.FOLLOWUP: report.followup_due_at,
        ReportStage.FINAL: report.final_due_at,
    }[data.stage]
    message = InfoReportMessage(
        report_id=report.id,
        stage=data.stage,
        body=data.body or draft(session, report, data.stage),
        due_at=due,
        sent_at=now,
        sent_by=actor.display_name or actor.username,
        on_time=due is None or now <= due,
    )
    message.receipts = _recipients(session, report)
    report.messages.append(message)
    before = {"status": report.status.value}
    report.status = target
    if data.stage == ReportStage.FIRST:
        report.first_sent_at = now
    if data.stage == ReportStage.FINAL:
        report.final_sent_at = now
        report.followup_due_at = None
    else:
        report.followup_due_at = now + _minutes("info_report_followup_min")
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"send_{data.stage.value}",
        entity="info_report",
        entity_id=report.id,
        before=before,
        after={"status": target.value, "message_id": message.id, "on_time": message.on_time},
    )
    return report


def withdraw(
    session: Session,
    *,
    actor: Actor,
    report_id: int,
    data: WithdrawIn,
    at: datetime | None = None,
) -> InfoReport:
    """Withdraw an item raised in error, before anything was sent."""
    actor.require(Action.REPORT_WRITE)
    report = get_report(session, actor, report_id, lock=True)
    if ReportStatus.WITHDRAWN not in REPORT_TRANSITIONS[report.status]:
        raise Conflict(
            f"“{report.status.zh}”的信息报送不能撤销（已报出的信息留档）",
            f"a report in {report.status.en} cannot be withdrawn",
        )
    before = {"status": report.status.value}
    report.status = ReportStatus.WITHDRAWN
    report.withdrawn_reason = data.reason
    report.updated_at = at or utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="withdraw",
        entity="info_report",
        entity_id=report.id,
        before=before,
        after={"status": report.status.value, "reason": data.reason},
    )
    return report


def acknowledge(
    session: Session, *, actor: Actor, receipt_id: int, at: datetime | None = None
) -> InfoReportReceipt:
    """The recipient (its organization's user, or the named account) signs for a message."""
    actor.require(Action.REPORT_ACK)
    receipt = get_visible(session, actor, InfoReportReceipt, receipt_id, lock=True)
    mine = (receipt.recipient_org_id is not None and receipt.recipient_org_id == actor.org_id) or (
        receipt.recipient_user_id is not None and receipt.recipient_user_id == actor.user_id
    )
    if not mine:
        raise Forbidden(
            f"此信息报送的接收方是{receipt.recipient_name}，只能由其签收",
            "only the recipient acknowledges",
        )
    if receipt.acknowledged_at is not None:
        raise Conflict("已签收", "already acknowledged")
    receipt.acknowledged_at = at or utcnow()
    receipt.acknowledged_by = actor.display_name or actor.username
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="acknowledge",
        entity="info_report_receipt",
        entity_id=receipt.id,
        before={"acknowledged_at": None},
        after={"acknowledged_by": receipt.acknowledged_by},
    )
    return receipt


def is_overdue(report: InfoReport, now: datetime) -> bool:
    """Whether the message the item waits for is past its time limit."""
    if report.status == ReportStatus.PENDING:
        return now > report.first_due_at
    if report.status in (ReportStatus.FIRST_SENT, ReportStatus.FOLLOWUP_SENT):
        return now > report.final_due_at or (
            report.followup_due_at is not None and now > report.followup_due_at
        )
    return False


def public(session: Session, report: InfoReport, now: datetime | None = None) -> ReportPublic:
    """An item for the API, with the draft of its next message."""
    stage = next_stage(report)
    return ReportPublic(
        id=report.id,
        incident_id=report.incident_id,
        incident_number=report.incident.number,
        status=report.status,
        status_zh=report.status.zh,
        triggers=report.triggers,
        triggered_at=report.triggered_at,
        first_due_at=report.first_due_at,
        followup_due_at=report.followup_due_at,
        final_due_at=report.final_due_at,
        first_sent_at=report.first_sent_at,
        final_sent_at=report.final_sent_at,
        overdue=is_overdue(report, now or utcnow()),
        withdrawn_reason=report.withdrawn_reason,
        messages=[MessagePublic.model_validate(m) for m in report.messages],
        draft=draft(session, report, stage) if stage is not None else None,
    )
