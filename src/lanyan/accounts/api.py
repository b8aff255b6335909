"""Accounts API: log in and out, who am I, and user management for administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response

from lanyan.accounts import service
from lanyan.accounts.schemas import (
    LoginRequest,
    LoginResponse,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from lanyan.api.deps import (
    SESSION_COOKIE,
    AuthSessionDep,
    CurrentActor,
    Limit,
    Offset,
    SessionDep,
    SettingsDep,
    client_ip,
    id_path,
)
from lanyan.api.paging import Page, paginate

router = APIRouter(tags=["accounts 账号"])
UserId = Annotated[int, id_path("user id")]


@router.post("/api/auth/login", response_model=LoginResponse)
def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
) -> LoginResponse:
    """Log in; returns a bearer token and also sets it as an HttpOnly cookie for the web UI."""
    issued = service.login(
        session,
        username=body.username,
        password=body.password,
        ip=client_ip(request),
        settings=settings,
    )
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        max_age=settings.session_ttl_minutes * 60,
    )
    return LoginResponse(
        access_token=issued.token,
        expires_at=issued.expires_at,
        user=UserPublic.model_validate(issued.user),
    )


@router.post("/api/auth/logout", status_code=204)
def logout(
    auth: AuthSessionDep, actor: CurrentActor, session: SessionDep, response: Response
) -> Response:
    """End the current session."""
    service.logout(session, auth=auth, actor=actor)
    response.delete_cookie(SESSION_COOKIE)
    response.status_code = 204
    return response


@router.get("/api/auth/me", response_model=UserPublic)
def me(auth: AuthSessionDep) -> UserPublic:
    """The logged-in user."""
    return UserPublic.model_validate(auth.user)


@router.get("/api/users", response_model=Page[UserPublic])
def list_users(
    actor: CurrentActor, session: SessionDep, limit: Limit = 100, offset: Offset = 0
) -> Page[UserPublic]:
    """Accounts in your jurisdiction (administrators)."""
    stmt = service.query_users(actor=actor)
    return paginate(session, stmt, limit, offset, UserPublic.model_validate)


@router.get("/api/users/{user_id}", response_model=UserPublic)
def get_user(user_id: UserId, actor: CurrentActor, session: SessionDep) -> UserPublic:
    """One account (administrators)."""
    from lanyan.core.permissions import Action

    actor.require(Action.USERS_MANAGE)
    return UserPublic.model_validate(service.visible_user(session, actor, user_id))


@router.post("/api/users", response_model=UserPublic, status_code=201)
def create_user(body: UserCreate, actor: CurrentActor, session: SessionDep) -> UserPublic:
    """Create an account inside your jurisdiction."""
    user = service.create_user(session, actor=actor, data=body)
    session.commit()
    return UserPublic.model_validate(user)


@router.patch("/api/users/{user_id}", response_model=UserPublic)
def update_user(
    user_id: UserId, body: UserUpdate, actor: CurrentActor, session: SessionDep
) -> UserPublic:
    """Change an account (role, organization, password, disable)."""
    user = service.update_user(session, actor=actor, user_id=user_id, data=body)
    session.commit()
    return UserPublic.model_validate(user)
