"""What every router shares: the database session, the current actor, paging parameters.

Routers are thin: parse, authorize (through the actor passed to the service), call the service,
commit, serialize.
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated

from anyio import CancelScope
from fastapi import Depends, Path, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from lanyan.accounts.models import AuthSession
from lanyan.accounts.service import actor_for, resolve_token
from lanyan.api.logins import LoginCache
from lanyan.core.actor import Actor
from lanyan.core.config import Network, Settings, parse_networks
from lanyan.core.errors import Unauthorized

SESSION_COOKIE = "lanyan_session"

_bearer = HTTPBearer(auto_error=False, description="token from POST /api/auth/login")
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
"""The Bearer header, for a route that resolves its actor itself (:func:`resolve_actor`)."""


async def get_db(request: Request) -> AsyncIterator[Session]:
    """A session per request; routers commit, anything left open is rolled back.

    Made on the event loop (a new session touches no connection until its first statement) and
    closed there when its transaction has ended, as it has once the router committed: the only
    database work here, the rollback of a transaction left open, goes to a worker thread. Every
    synchronous dependency is a trip to the thread pool and back; under a dispatch room's load
    each trip waited for the interpreter lock, and a route's session, login and road network
    had cost four of them before its handler even started.
    """
    session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        if session.in_transaction():
            with CancelScope(shield=True):  # a client gone mid-request still gets its rollback
                await run_in_threadpool(_end, session)
        else:
            session.close()


def _end(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_db)]


def json_answer(model: BaseModel, status_code: int = 200) -> Response:
    """``model`` as the route's JSON answer, serialized here in the route's own thread.

    A synchronous route that returns a model has FastAPI validate it again against the
    ``response_model`` in another trip to the thread pool; the busiest writes of the dispatch
    room (a crew's status change, an assignment, a close) answer with this instead. The route
    keeps its ``response_model`` for the API's documentation; the JSON is the same.
    """
    return Response(
        model.__pydantic_serializer__.to_json(model),
        status_code=status_code,
        media_type="application/json",
    )


async def get_settings_dep(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(request: Request) -> str | None:
    """The caller's address: the peer's, or behind a trusted reverse proxy the client it names.

    Behind a proxy every request comes from the proxy's address, so the login limit per address
    would lock everybody out together and the audit would name the proxy. A peer listed in
    ``LANYAN_TRUSTED_PROXIES`` is believed about ``X-Forwarded-For``: the address is the right-most
    entry that is not itself a trusted proxy (entries further left can be forged by the client).
    Anyone else's header is ignored.
    """
    peer = request.client.host if request.client else None
    settings: Settings | None = getattr(request.app.state, "settings", None)
    networks = parse_networks(settings.trusted_proxies) if settings else ()
    forwarded = request.headers.get("x-forwarded-for")
    if peer is None or not forwarded or not _trusted(peer, networks):
        return peer
    for entry in reversed([part.strip() for part in forwarded.split(",")]):
        try:
            address = str(ipaddress.ip_address(entry))
        except ValueError:
            return peer  # a malformed chain is not believed
        if not _trusted(address, networks):
            return address
    return peer


def _token(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str:
    token = credentials.credentials if credentials else request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 200:
        raise Unauthorized("请先登录", "log in first")
    return token


def get_auth_session(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AuthSession:
    """The caller's live login session, from the Bearer header or the session cookie."""
    return resolve_token(session, _token(request, credentials))


AuthSessionDep = Annotated[AuthSession, Depends(get_auth_session)]


def resolve_actor(
    request: Request, session: Session, credentials: HTTPAuthorizationCredentials | None
) -> Actor:
    """The user behind the request, as an actor the services check (blocking: may query).

    Resolved through :class:`lanyan.api.logins.LoginCache` when the app keeps one: a console's
    next request within a second or two costs no query for its login.
    """
    token = _token(request, credentials)
    ip = client_ip(request)
    logins: LoginCache | None = getattr(request.app.state, "logins", None)
    if logins is None:
        return actor_for(resolve_token(session, token).user, ip)
    known = logins.get(token)
    if known is not None:
        return replace(known, ip=ip)
    version = logins.version()
    auth = resolve_token(session, token)
    actor = actor_for(auth.user, ip)
    logins.keep(token, replace(actor, ip=None), auth.expires_at, version)
    return actor


async def get_actor(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """The user behind the request (:func:`resolve_actor`): a login this process resolved lately
    is found here on the event loop, only an unknown one costs a trip to a worker thread for its
    query."""
    logins: LoginCache | None = getattr(request.app.state, "logins", None)
    if logins is not None:
        token = _token(request, credentials)
        known = logins.get(token)
        if known is not None:
            return replace(known, ip=client_ip(request))
    return await run_in_threadpool(resolve_actor, request, session, credentials)


CurrentActor = Annotated[Actor, Depends(get_actor)]


@dataclass(frozen=True)
class StreamLogin:
    """The login behind a long-lived stream, resolved without keeping a database connection.

    A stream may stay open for a whole shift; holding the request's session (and so a pooled
    connection) that long let a few hundred consoles exhaust the pool. The stream keeps the token
    instead and re-checks it now and then with a short session of its own (:func:`resolve_login`).
    """

    actor: Actor
    token: str
    expires_at: datetime


def resolve_login(factory: sessionmaker[Session], token: str, ip: str | None) -> StreamLogin:
    """The live login behind ``token`` read in a session closed before returning; 401 if none."""
    with factory() as session:
        auth = resolve_token(session, token)
        return StreamLogin(actor_for(auth.user, ip), token, auth.expires_at)


def get_stream_login(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> StreamLogin:
    """Like :data:`CurrentActor` for streaming responses: no session outlives the dependency."""
    token = credentials.credentials if credentials else request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 200:
        raise Unauthorized("请先登录", "log in first")
    return resolve_login(request.app.state.sessionmaker, token, client_ip(request))


StreamLoginDep = Annotated[StreamLogin, Depends(get_stream_login)]

Limit = Annotated[int, Query(ge=1, le=1000, description="page size")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="rows to skip")]
SearchText = Annotated[
    str | None, Query(max_length=100, pattern=r"^[^\x00]*$", description="part of the name")
]


def id_path(description: str) -> object:
    """A path parameter holding a database id (bounded, so it always fits the column)."""
    return Path(ge=1, le=2**31 - 1, description=description)
