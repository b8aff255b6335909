"""战评 (after-action review) of an incident, and the case library built from published ones.

One record per incident: a title, what happened (summary), the lessons (经验教训) and attachments
(uploads: photos, documents). It is written as a draft, published (发布) into the case library
(典型战例), and taken back to draft to be corrected; every move is checked against
:data:`REVIEW_TRANSITIONS` and audited. The incident's timeline on the command page links to it.
The case library searches published reviews by incident type, subtype, venue and words.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from lanyan.command.combat_models import REVIEW_TRANSITIONS, IncidentReview, ReviewStatus
from lanyan.command.combat_schemas import ReviewIn, ReviewPublic, ReviewStatusIn
from lanyan.core import audit
from lanyan.core.actor import Actor
from lanyan.core.clock import utcnow
from lanyan.core.errors import Conflict, Invalid
from lanyan.core.jurisdiction import get_visible, visible
from lanyan.core.permissions import Action
from lanyan.dispatch.choices import IncidentSubtype, IncidentType
from lanyan.dispatch.models import Incident
from lanyan.prevention.choices import VenueType
from lanyan.prevention.models import Premises
from lanyan.prevention.uploads import check_visible


def _review_of(session: Session, incident_id: int, *, lock: bool = False) -> IncidentReview | None:
    stmt = select(IncidentReview).where(IncidentReview.incident_id == incident_id)
    if lock:
        stmt = stmt.with_for_update(of=IncidentReview).execution_options(populate_existing=True)
    return session.scalars(stmt).unique().one_or_none()


def get_review(session: Session, actor: Actor, incident_id: int) -> IncidentReview | None:
    """The incident's review (None when none is written), the incident in the actor's
    jurisdiction (404 otherwise)."""
    actor.require(Action.READ)
    get_visible(session, actor, Incident, incident_id)
    return _review_of(session, incident_id)


def save_review(
    session: Session,
    *,
    actor: Actor,
    incident_id: int,
    data: ReviewIn,
    at: datetime | None = None,
) -> IncidentReview:
    """Write or rewrite the draft review of an incident."""
    actor.require(Action.REVIEW_WRITE)
    incident = get_visible(session, actor, Incident, incident_id)
    check_visible(session, actor, list(data.attachment_ids))
    review = _review_of(session, incident.id, lock=True)
    if review is not None and review.status == ReviewStatus.PUBLISHED:
        raise Conflict(
            "战评已发布，须先退回草稿再修改", "a published review is taken back to draft first"
        )
    before = audit.snapshot(review) if review is not None else None
    if review is None:
        review = IncidentReview(incident_id=incident.id, status=ReviewStatus.DRAFT)
        session.add(review)
    review.title = data.title
    review.summary = data.summary
    review.lessons = data.lessons
    review.attachment_ids = list(data.attachment_ids)
    review.written_by = actor.display_name or actor.username
    review.updated_at = at or utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update" if before else "create",
        entity="incident_review",
        entity_id=review.id,
        before=before,
        after=audit.snapshot(review),
    )
    return review


def set_status(
    session: Session,
    *,
    actor: Actor,
    incident_id: int,
    data: ReviewStatusIn,
    at: datetime | None = None,
) -> IncidentReview:
    """Publish a review into the case library, or take it back to draft."""
    actor.require(Action.REVIEW_WRITE)
    incident = get_visible(session, actor, Incident, incident_id)
    review = _review_of(session, incident.id, lock=True)
    if review is None:
        raise Conflict("尚未撰写战评", "no review written yet")
    if data.status not in REVIEW_TRANSITIONS[review.status]:
        raise Conflict(
            f"战评不能从“{review.status.zh}”变为“{data.status.zh}”",
            f"a review cannot go from {review.status.en} to {data.status.en}",
        )
    if data.status == ReviewStatus.PUBLISHED and not (review.summary and review.lessons):
        raise Invalid(
            "发布前须写明战斗经过和经验教训", "a published review needs its summary and lessons"
        )
    before = {"status": review.status.value}
    review.status = data.status
    review.published_at = (at or utcnow()) if data.status == ReviewStatus.PUBLISHED else None
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="publish" if data.status == ReviewStatus.PUBLISHED else "unpublish",
        entity="incident_review",
        entity_id=review.id,
        before=before,
        after={"status": review.status.value},
    )
    return review


def query_cases(
    *,
    actor: Actor,
    incident_type: IncidentType | None = None,
    subtype: IncidentSubtype | None = None,
    venue_type: VenueType | None = None,
    q: str | None = None,
) -> Select[IncidentReview]:
    """Published reviews in the actor's jurisdiction (the case library), newest incident first."""
    actor.require(Action.READ)
    stmt = (
        visible(actor, IncidentReview)
        .join(Incident, Incident.id == IncidentReview.incident_id)
        .outerjoin(Premises, Premises.id == Incident.premises_id)
        .where(IncidentReview.status == ReviewStatus.PUBLISHED)
    )
    if incident_type is not None:
        stmt = stmt.where(Incident.type == incident_type)
    if subtype is not None:
        stmt = stmt.where(Incident.subtype == subtype)
    if venue_type is not None:
        stmt = stmt.where(Premises.venue_type == venue_type)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(
            or_(
                IncidentReview.title.ilike(like),
                IncidentReview.summary.ilike(like),
                IncidentReview.lessons.ilike(like),
                Incident.address_text.ilike(like),
                Premises.name.ilike(like),
            )
        )
    return stmt.order_by(Incident.received_at.desc(), IncidentReview.id.desc())


def public(review: IncidentReview) -> ReviewPublic:
    """A review for the API, with what the case library shows of its incident."""
    incident = review.incident
    venue = incident.premises.venue_type if incident.premises else None
    return ReviewPublic(
        id=review.id,
        incident_id=incident.id,
        incident_number=incident.number,
        incident_type=incident.type,
        incident_type_zh=incident.type.zh,
        incident_subtype=incident.subtype,
        venue_type=venue,
        venue_type_zh=venue.zh if venue else None,
        premises_name=incident.premises.name if incident.premises else None,
        received_at=incident.received_at,
        status=review.status,
        status_zh=review.status.zh,
        title=review.title,
        summary=review.summary,
        lessons=review.lessons,
        attachment_ids=list(review.attachment_ids or []),
        written_by=review.written_by,
        published_at=review.published_at,
        updated_at=review.updated_at,
    )
