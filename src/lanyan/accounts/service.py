"""Accounts: log in and out, resolve a session to an actor, manage users.

Logins are limited by :mod:`lanyan.accounts.guard`: at most ``LANYAN_LOGIN_MAX_FAILURES`` guesses
per account and address in ``LANYAN_LOGIN_WINDOW_SECONDS``, counted in the database (so the limit
holds across worker processes and restarts) before the password is checked; failures from
elsewhere never lock an account out of an address it is known at or a trusted network. Every
password that is set goes through :mod:`lanyan.accounts.passwords`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lanyan.accounts import guard
from lanyan.accounts.models import AuthSession, LoginAttempt, User
from lanyan.accounts.passwords import check_password
from lanyan.accounts.schemas import UserCreate, UserUpdate
from lanyan.core import audit, jurisdiction
from lanyan.core.actor import Actor
from lanyan.core.clock import utcnow
from lanyan.core.config import Settings
from lanyan.core.errors import Conflict, Unauthorized
from lanyan.core.permissions import Action
from lanyan.core.security import hash_password, new_token, token_digest, verify_password
from lanyan.forces.models import Organization

USER_SNAPSHOT_EXCLUDE = frozenset({"password_hash"})


@dataclass(frozen=True, slots=True)
class IssuedSession:
    """A new session: the token is shown to the client once and never stored."""

    token: str
    expires_at: datetime
    user: User


def actor_for(user: User, ip: str | None = None) -> Actor:
    """The actor a user acts as."""
    return Actor(
        user_id=user.id,
        username=user.username,
        role=user.role,
        org_id=user.organization_id,
        org_path=user.organization.path,
        ip=ip,
        display_name=user.display_name,
    )


def login(
    session: Session, *, username: str, password: str, ip: str | None, settings: Settings
) -> IssuedSession:
    """Check the password and open a session; refuse with 429 when the login limit is reached.

    The guess takes its slots of the limit first, in a transaction of its own; the (slow) argon2
    check runs with no transaction open; then one short transaction records the outcome.
    """
    now = utcnow()
    user = session.scalar(select(User).where(User.username == username))
    known = guard.is_trusted(ip, settings) or (
        user is not None and guard.is_known(session, user_id=user.id, ip=ip)
    )
    session.commit()  # end the read: the slots are taken in a fresh write transaction
    slots = guard.reserve(
        session, username=username, ip=ip, known=known, now=now, settings=settings
    )
    ok = verify_password(password, user.password_hash if user else None)
    if not ok or user is None or not user.is_active:
        session.add(LoginAttempt(username=username, ip=ip, at=now, success=False))
        guard.prune(session, now=now, settings=settings)
        session.commit()
        raise Unauthorized("用户名或密码错误", "wrong user name or password")
    guard.forgive(session, slots)
    guard.remember(session, user_id=user.id, ip=ip, now=now)
    token = new_token()
    auth = AuthSession(
        token_sha256=token_digest(token),
        user_id=user.id,
        created_at=now,
        expires_at=now + timedelta(minutes=settings.session_ttl_minutes),
    )
    session.add(auth)
    session.add(LoginAttempt(username=username, ip=ip, at=now, success=True))
    session.flush()
    audit.record(
        session,
        actor=actor_for(user, ip),
        action="login",
        entity="session",
        entity_id=auth.id,
        after={"user_id": user.id, "expires_at": auth.expires_at.isoformat()},
    )
    session.commit()
    return IssuedSession(token=token, expires_at=auth.expires_at, user=user)


def resolve_token(session: Session, token: str) -> AuthSession:
    """The live session behind ``token``; 401 when unknown, revoked or expired."""
    auth = session.scalar(
        select(AuthSession).where(AuthSession.token_sha256 == token_digest(token))
    )
    if auth is None or auth.revoked_at is not None or auth.expires_at <= utcnow():
        raise Unauthorized("登录已过期，请重新登录", "session expired or unknown; log in again")
    if not auth.user.is_active:
        raise Unauthorized("账号已停用", "account disabled")
    return auth


def logout(session: Session, *, auth: AuthSession, actor: Actor) -> None:
    """Revoke a session."""
    auth.revoked_at = utcnow()
    audit.record(session, actor=actor, action="logout", entity="session", entity_id=auth.id)
    session.commit()


def _org_in_jurisdiction(session: Session, actor: Actor, org_id: int) -> Organization:
    return jurisdiction.get_visible(session, actor, Organization, org_id)


def visible_user(session: Session, actor: Actor, user_id: int) -> User:
    """A user inside the actor's jurisdiction, else 404."""
    return jurisdiction.get_visible(session, actor, User, user_id)


def query_users(*, actor: Actor) -> Select[User]:
    """Accounts in the actor's subtree (administrators)."""
    actor.require(Action.USERS_MANAGE)
    return jurisdiction.visible(actor, User).order_by(User.id)


def create_user(session: Session, *, actor: Actor, data: UserCreate) -> User:
    """Create an account inside the actor's jurisdiction."""
    actor.require(Action.USERS_MANAGE)
    _org_in_jurisdiction(session, actor, data.organization_id)
    if session.scalar(select(User.id).where(User.username == data.username)) is not None:
        raise Conflict(f"用户名已存在：{data.username}", f"user name taken: {data.username}")
    check_password(data.password, username=data.username)
    user = User(
        username=data.username,
        display_name=data.display_name,
        role=data.role,
        organization_id=data.organization_id,
        password_hash=hash_password(data.password),
        is_active=True,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"用户名已存在：{data.username}", f"user name taken: {data.username}"
        ) from exc
    session.refresh(user)
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="user",
        entity_id=user.id,
        after=audit.snapshot(user, exclude=USER_SNAPSHOT_EXCLUDE),
    )
    return user


def update_user(session: Session, *, actor: Actor, user_id: int, data: UserUpdate) -> User:
    """Change an account; a password change revokes its open sessions."""
    actor.require(Action.USERS_MANAGE)
    user = visible_user(session, actor, user_id)
    before = audit.snapshot(user, exclude=USER_SNAPSHOT_EXCLUDE)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("organization_id") is not None:
        _org_in_jurisdiction(session, actor, changes["organization_id"])
    if user.id == actor.user_id and (
        changes.get("is_active") is False or changes.get("role") not in (None, actor.role)
    ):
        raise Conflict(
            "不能停用自己或修改自己的角色", "you cannot disable yourself or change your role"
        )
    password = changes.pop("password", None)
    if password is not None:
        check_password(password, username=user.username)
    for key, value in changes.items():
        if value is not None:
            setattr(user, key, value)
    if password is not None or changes.get("is_active") is False:
        if password is not None:
            user.password_hash = hash_password(password)
        for auth in session.scalars(
            select(AuthSession).where(
                AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None)
            )
        ):
            auth.revoked_at = utcnow()
    session.flush()
    session.refresh(user)
    after = audit.snapshot(user, exclude=USER_SNAPSHOT_EXCLUDE)
    if password is not None:
        after["password_changed"] = True
    audit.record(
        session,
        actor=actor,
        action="update",
        entity="user",
        entity_id=user.id,
        before=before,
        after=after,
    )
    return user
