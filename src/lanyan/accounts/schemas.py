"""Request and response shapes of the accounts API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from lanyan.core.permissions import Role
from lanyan.core.schemas import StrictInput

Username = Field(min_length=2, max_length=60, pattern=r"^[A-Za-z0-9_.\-]+$")


class LoginRequest(StrictInput):
    """User name and password."""

    username: str = Field(min_length=1, max_length=60)
    password: str = Field(min_length=1, max_length=200)


class LoginResponse(BaseModel):
    """A bearer token and when it expires."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_at: datetime
    user: UserPublic


class UserBase(BaseModel):
    """Fields shared by create and read."""

    username: str = Username
    display_name: str = Field(min_length=1, max_length=60)
    role: Role
    organization_id: int = Field(ge=1, le=2**31 - 1)


class UserCreate(UserBase, StrictInput):
    """A new account; the password must be long enough to resist guessing."""

    password: str = Field(min_length=10, max_length=200)


class UserUpdate(StrictInput):
    """Fields an administrator may change."""

    display_name: str | None = Field(default=None, min_length=1, max_length=60)
    role: Role | None = None
    organization_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=10, max_length=200)


class UserPublic(UserBase):
    """An account as the API shows it (never the hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    is_active: bool
    organization_name: str | None = None
    created_at: datetime


LoginResponse.model_rebuild()
