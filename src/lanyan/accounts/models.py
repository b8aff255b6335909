"""Users, their sessions, the record of login attempts and the login limit's counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lanyan.core import jurisdiction
from lanyan.core.columns import Timestamps, enum_column
from lanyan.core.db import Base, UTCDateTime
from lanyan.core.permissions import Role
from lanyan.forces.models import Organization


class User(Timestamps, Base):
    """An account; its organization bounds everything it can see (its jurisdiction)."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    role: Mapped[Role] = mapped_column(enum_column(Role, name="user_role"))
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    organization: Mapped[Organization] = relationship(lazy="joined")

    @property
    def organization_name(self) -> str:
        """Name of the user's organization, for the UI."""
        return self.organization.name


class AuthSession(Base):
    """A login session. Only the SHA-256 of the bearer token is stored."""

    __tablename__ = "auth_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class LoginAttempt(Base):
    """Every login attempt whose password was checked, with its outcome (a record, not a limit)."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), index=True)
    ip: Mapped[str | None] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    success: Mapped[bool] = mapped_column(Boolean)


jurisdiction.register(User, via=User.organization_id, parent=Organization, label=("用户", "user"))


class LoginThrottle(Base):
    """A counter of the login limit: failed or in-flight guesses under one key in one window.

    Keys name what is counted (see :mod:`lanyan.accounts.guard`): one user name at one address,
    one address, one user name from addresses it is not known at. A guess takes a slot with a
    conditional ``UPDATE`` before its password is checked, so the limit holds under concurrency.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class KnownLoginAddress(Base):
    """An address from which a user has logged in; failures from elsewhere do not lock it out."""

    __tablename__ = "login_known_address"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    ip: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_login_at: Mapped[datetime] = mapped_column(UTCDateTime)
