"""考评 (performance review): per officer and per brigade, documents overdue and cases past limit.

A document is overdue when it was served after its legal limit or is still unserved past it
(:func:`lanyan.enforcement.documents.overdue_condition`); a case is past its limit when it was
decided after ``limit_on`` or is still undecided (and not closed) after it. Both count what was
issued or filed in the year asked for, within the actor's jurisdiction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from lanyan.accounts.models import User
from lanyan.core.actor import Actor
from lanyan.core.jurisdiction import visible_condition
from lanyan.core.permissions import Action
from lanyan.enforcement.choices import CaseStatus
from lanyan.enforcement.documents import overdue_condition
from lanyan.enforcement.models import Case, Document
from lanyan.forces.choices import OrgKind
from lanyan.forces.models import Organization


@dataclass
class Row:
    """One officer's or brigade's figures."""

    key: int | None
    name: str
    documents: int = 0
    documents_overdue: int = 0
    cases: int = 0
    cases_past_limit: int = 0


@dataclass
class Evaluation:
    """The review of a year: by officer and by brigade."""

    year: int
    as_of: date
    officers: list[Row]
    brigades: list[Row]


def past_limit_condition(today: date) -> Any:
    """A case decided after its limit, or undecided and open past it."""
    return or_(
        Case.decided_on > Case.limit_on,
        and_(Case.decided_on.is_(None), Case.status != CaseStatus.CLOSED, Case.limit_on < today),
    )


def evaluate(session: Session, *, actor: Actor, year: int, today: date) -> Evaluation:
    """The year's 考评 in the actor's jurisdiction."""
    actor.require(Action.READ)
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    doc_rows = session.execute(
        select(
            Document.officer_id,
            Document.org_id,
            func.count(),
            func.sum(case((overdue_condition(today), 1), else_=0)),
        )
        .where(
            Document.issued_on >= start,
            Document.issued_on < end,
            visible_condition(actor, Document),
        )
        .group_by(Document.officer_id, Document.org_id)
    ).all()
    case_rows = session.execute(
        select(
            Case.officer_id,
            Case.org_id,
            func.count(),
            func.sum(case((past_limit_condition(today), 1), else_=0)),
        )
        .where(Case.filed_on >= start, Case.filed_on < end, visible_condition(actor, Case))
        .group_by(Case.officer_id, Case.org_id)
    ).all()
    org_ids = {r[1] for r in doc_rows} | {r[1] for r in case_rows}
    user_ids = {r[0] for r in doc_rows if r[0]} | {r[0] for r in case_rows if r[0]}
    brigade_of = _brigades(session, org_ids)
    names = dict(
        session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all()
    )
    officers: dict[int | None, Row] = {}
    brigades: dict[int | None, Row] = {}

    def rows_for(officer: int | None, org: int) -> list[Row]:
        name = names.get(officer, "（未记录）") if officer is not None else "（未记录）"
        person = officers.setdefault(officer, Row(officer, name))
        bid, bname = brigade_of.get(org, (None, "（未归属大队）"))
        return [person, brigades.setdefault(bid, Row(bid, bname))]

    for officer, org, n, overdue in doc_rows:
        for row in rows_for(officer, org):
            row.documents += int(n)
            row.documents_overdue += int(overdue or 0)
    for officer, org, n, past in case_rows:
        for row in rows_for(officer, org):
            row.cases += int(n)
            row.cases_past_limit += int(past or 0)

    def ordered(rows: dict[int | None, Row]) -> list[Row]:
        return sorted(
            rows.values(), key=lambda r: (-(r.documents_overdue + r.cases_past_limit), r.name)
        )

    return Evaluation(year, today, ordered(officers), ordered(brigades))


def _brigades(session: Session, org_ids: set[int]) -> dict[int, tuple[int, str]]:
    """For each organization, the brigade (大队) it lies in (itself, or the nearest above)."""
    if not org_ids:
        return {}
    paths = dict(
        session.execute(
            select(Organization.id, Organization.path).where(Organization.id.in_(org_ids))
        ).all()
    )
    above = {int(p) for path in paths.values() for p in path.strip("/").split("/") if p}
    brigades = dict(
        session.execute(
            select(Organization.id, Organization.name).where(
                Organization.id.in_(above), Organization.kind == OrgKind.BRIGADE
            )
        ).all()
    )
    out: dict[int, tuple[int, str]] = {}
    for org_id, path in paths.items():
        for part in reversed([int(p) for p in path.strip("/").split("/") if p]):
            if part in brigades:
                out[org_id] = (part, brigades[part])
                break
    return out
