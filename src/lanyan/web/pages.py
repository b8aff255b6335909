"""The web pages: login, the console, the crew page, the dashboard, admin, grid and prevention.

Each page is a static HTML file from ``templates/`` with a small JSON block injected (the user,
the tile URL); the pages then talk to the JSON API like any other client, with the HttpOnly
session cookie that ``POST /api/auth/login`` sets. Everything the browser loads (the page, our
JavaScript, Leaflet and ECharts copied from npm into ``static/vendor`` by ``scripts/build-web.sh``)
is served from here: command centres are air-gapped, so nothing comes from a CDN.

Authorization of the pages is checked here, on the server, from the session cookie: a page of a
role you do not hold answers 403 with a Chinese page, not an empty shell. The data itself is
still guarded by the API (jurisdiction, a crew sees only its own orders).
"""

from __future__ import annotations

import json
import mimetypes
import os
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

import jinja2
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from lanyan.accounts.models import AuthSession
from lanyan.api.deps import SessionDep, get_auth_session
from lanyan.core.clock import as_local, utcnow
from lanyan.core.errors import Unauthorized
from lanyan.core.permissions import Action, Role, Screen, allowed, may_open, screens_for
from lanyan.prevention import listing

__all__ = ["HOME_BY_ROLE", "STATIC_DIR", "router"]

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATE_DIR = WEB_DIR / "templates"
TILE_URL_ENV = "LANYAN_TILE_URL"
"""Environment variable with a raster tile URL template ({z}/{x}/{y}); unset = vector roads."""
TILE_CRS_ENV = "LANYAN_TILE_CRS"
"""``gcj02`` when the tile server draws GCJ-02 (Amap, Tencent, most Chinese internal services)."""

HOME_BY_ROLE: dict[Role, str] = {
    Role.ADMIN: "/console",
    Role.DISPATCHER: "/console",
    Role.COMMANDER: "/console",
    Role.LEADER: "/console",
    Role.PREVENTION: "/prevention",
    Role.GRID: "/grid",
    Role.STATION: "/crew",
}
"""Where a user lands after logging in."""

_MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".map": "application/json",
}

router = APIRouter(include_in_schema=False)


def page_session(request: Request, session: SessionDep) -> AuthSession | None:
    """The login session behind the cookie, or ``None`` (a page redirects to the login instead)."""
    try:
        return get_auth_session(request, session, None)
    except Unauthorized:
        return None


PageSession = Annotated[AuthSession | None, Depends(page_session)]


@lru_cache(maxsize=16)
def _template(name: str) -> str:
    return (TEMPLATE_DIR / f"{name}.html").read_text(encoding="utf-8")


def tile_url() -> str | None:
    """The configured raster tile URL, or ``None`` for the offline vector base map."""
    value = os.environ.get(TILE_URL_ENV, "").strip()
    return value or None


def tile_crs() -> str:
    """The tiles' datum: ``wgs84`` (OSM and most servers) or ``gcj02``; anything else is refused."""
    value = os.environ.get(TILE_CRS_ENV, "").strip().lower().replace("-", "") or "wgs84"
    if value not in ("wgs84", "gcj02"):
        raise ValueError(f"{TILE_CRS_ENV} must be wgs84 or gcj02, not {value!r}")
    return value


def _json_for_html(data: Any) -> str:
    # Inside <script type="application/json"> only "</" could end the block early.
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _security_headers() -> dict[str, str]:
    img_src = "'self' data: blob:"
    tiles = tile_url()
    if tiles:
        parts = urlsplit(tiles.replace("{s}", "a"))
        if parts.scheme in ("http", "https") and parts.netloc:
            host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tiles else parts.netloc
            img_src += f" {parts.scheme}://{host}"
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src {img_src}; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


SCREEN_MENU: dict[Screen, tuple[str, str]] = {
    Screen.CONSOLE: ("/console", "一张图"),
    Screen.CREW: ("/crew", "执勤终端"),
    Screen.DASHBOARD: ("/dashboard", "统计看板"),
    Screen.PREVENTION: ("/prevention", "防火监督"),
    Screen.GRID: ("/grid", "网格巡查"),
    # issue 18 (risk)
    Screen.RISK: ("/risk", "风险预警"),
    # issue 17 (enforcement)
    Screen.ENFORCEMENT: ("/enforcement", "监督执法"),
    Screen.INSPECT: ("/inspect", "现场检查"),
    # issue 19 (command)
    Screen.PREPLANS: ("/preplans", "数字预案"),
    # issue 17 (outreach; pages of the functions that had only an API)
    Screen.OUTREACH: ("/outreach", "宣传教育"),
    Screen.OUTREACH_PHONE: ("/outreach/phone", "宣传登记"),
    Screen.GOVERNANCE: ("/governance", "网格与巡查"),
    Screen.RESOURCES: ("/resources", "力量与预案"),
    Screen.COMMAND: ("/command", "指挥作战"),
    # issue 20 (duty)
    Screen.DUTY: ("/duty", "执勤申报"),
    Screen.DUTY_DESK: ("/strength", "执勤实力与练兵"),
    Screen.ASSESSMENTS: ("/assessments", "考核公示"),
    # issue 17 (campaigns, listing, GB 35181)
    Screen.CAMPAIGNS: ("/campaigns", "专项整治"),
    Screen.CAMPAIGN_PHONE: ("/campaign_phone", "整治录入"),
    Screen.GB35181: ("/gb35181", "重大隐患判定"),
    Screen.LISTINGS: ("/listings", "挂牌督办"),
    Screen.ADMIN: ("/admin", "系统管理"),
}
"""Each page's address and menu label, in menu order."""


def _menu(role: Role) -> list[dict[str, str]]:
    # The menu lists exactly the pages the permission table lets the role open (the same table
    # the 403 check below and the API read), so a link never leads to a 403 and no page is hidden.
    opens = set(screens_for(role))
    return [
        {"screen": screen.value, "href": href, "label": text}
        for screen, (href, text) in SCREEN_MENU.items()
        if screen in opens
    ]


def _user_json(auth: AuthSession) -> dict[str, Any]:
    user = auth.user
    return {
        "menu": _menu(user.role),
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "role_zh": user.role.zh,
        "organization_id": user.organization_id,
        "organization_name": user.organization.name,
        "can_dispatch": allowed(user.role, Action.INCIDENT_WRITE),
        "is_admin": user.role is Role.ADMIN,
    }


def render_page(
    name: str, *, auth: AuthSession | None, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    """A page from ``templates/`` with its configuration block filled in."""
    config: dict[str, Any] = {
        "tileUrl": tile_url(),
        "tileCrs": tile_crs(),
        "user": _user_json(auth) if auth else None,
        "homeByRole": {role.value: path for role, path in HOME_BY_ROLE.items()},
        **extra,
    }
    block = f'<script type="application/json" id="lanyan-config">{_json_for_html(config)}</script>'
    html = _template(name).replace("<!--LANYAN_CONFIG-->", block)
    return HTMLResponse(html, status_code=status_code, headers=_security_headers())


def _to_login(request: Request) -> RedirectResponse:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def _forbidden(auth: AuthSession, what: str) -> HTMLResponse:
    return render_page(
        "forbidden",
        auth=auth,
        status_code=403,
        forbidden={"page": what, "role_zh": auth.user.role.zh},
    )


def _refused(request: Request, auth: AuthSession | None, screen: Screen) -> Response | None:
    """The login redirect or the 403 page when ``auth`` may not open ``screen``, else None.

    Which role opens which page comes from the permission table (``SCREEN_ACTIONS``), the same
    one the API checks.
    """
    if auth is None:
        return _to_login(request)
    if not may_open(auth.user.role, screen):
        return _forbidden(auth, SCREEN_ZH[screen])
    return None


SCREEN_ZH = {screen: text for screen, (_href, text) in SCREEN_MENU.items()}
"""The page's name on the 403 page: the same words as its menu entry."""


@router.get("/login")
def login_page(auth: PageSession) -> HTMLResponse:
    """The login form; after logging in the browser goes to the page of the user's role."""
    return render_page("login", auth=auth)


@router.get("/console", response_model=None)
def console_page(request: Request, auth: PageSession) -> Response:
    """The one-map console (一张图) for command-centre screens (1920×1080)."""
    refused = _refused(request, auth, Screen.CONSOLE)
    if refused is not None:
        return refused
    return render_page("console", auth=auth)


@router.get("/iot/monitor", response_model=None)
def iot_monitor_page(request: Request, auth: PageSession) -> Response:
    """The monitoring centre (监控中心): figures, the alarm queue, devices offline, faults."""
    if auth is None:
        return _to_login(request)
    return render_page("iot_monitor", auth=auth)


@router.get("/iot/duty", response_model=None)
def iot_duty_page() -> HTMLResponse:
    """The duty person's phone page (the alarm and two buttons); the token stays in the URL."""
    return render_page("iot_duty", auth=None)


@router.get("/crew", response_model=None)
def crew_page(request: Request, auth: PageSession) -> Response:
    """The phone page of a station crew: current orders, route, status buttons."""
    refused = _refused(request, auth, Screen.CREW)
    if refused is not None:
        return refused
    return render_page("crew", auth=auth)


@router.get("/dashboard", response_model=None)
def dashboard_page(request: Request, auth: PageSession) -> Response:
    """Charts for leadership: incidents, response times, units and coverage now."""
    refused = _refused(request, auth, Screen.DASHBOARD)
    if refused is not None:
        return refused
    return render_page("dashboard", auth=auth)


@router.get("/admin", response_model=None)
def admin_page(request: Request, auth: PageSession) -> Response:
    """User administration; administrators only (403 for every other role)."""
    refused = _refused(request, auth, Screen.ADMIN)
    if refused is not None:
        return refused
    return render_page("admin", auth=auth)


@router.get("/grid", response_model=None)
def grid_page(request: Request, auth: PageSession) -> Response:
    """The grid worker's phone page: patrol tasks, check-in, report a hazard (390×844)."""
    refused = _refused(request, auth, Screen.GRID)
    if refused is not None:
        return refused
    return render_page("grid", auth=auth)


@router.get("/prevention", response_model=None)
def prevention_page(request: Request, auth: PageSession) -> Response:
    """The prevention officer's desk: hazards, supervised listing, figures per brigade."""
    refused = _refused(request, auth, Screen.PREVENTION)
    if refused is not None:
        return refused
    assert auth is not None
    can_manage = allowed(auth.user.role, Action.HAZARD_MANAGE)
    return render_page("prevention", auth=auth, prevention={"canManage": can_manage})


@lru_cache(maxsize=1)
def _jinja() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def _local_date(moment: datetime | None) -> str:
    return as_local(moment).strftime("%Y-%m-%d") if moment else "—"


@router.get("/public/listings")
def public_listings_page(session: SessionDep) -> HTMLResponse:
    """重大火灾隐患挂牌督办公示: the hazards under supervised listing, as a page anyone can open,
    print or link to (no login; the same list as ``GET /api/public/listings``). Rendered on the
    server with every value escaped, so it works without JavaScript on any phone."""
    items = listing.list_listings(session, actor=None, public=True)
    rows = [
        {
            **{k: v or "—" for k, v in listing.describe(item).items()},
            "level": item.level.zh,
            "status": item.status.zh,
            "listed_on": _local_date(item.listed_at),
            "deadline": _local_date(item.deadline_at),
        }
        for item in items
    ]
    html = (
        _jinja()
        .get_template("public_listings.html.j2")
        .render(rows=rows, updated=as_local(utcnow()).strftime("%Y-%m-%d %H:%M"))
    )
    headers = _security_headers() | {"Cache-Control": "public, max-age=60"}
    return HTMLResponse(html, headers=headers)


@router.get("/favicon.ico", response_model=None)
def favicon() -> Response:
    """The tab icon; pages link ``/static/favicon.svg``, and browsers still ask for this one."""
    return FileResponse(
        STATIC_DIR / "favicon.ico",
        media_type="image/x-icon",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/static/{path:path}", response_model=None)
def static_file(path: str) -> Response:
    """Our CSS/JS and the vendored libraries (only files under ``static/``)."""
    target = (STATIC_DIR / path).resolve()
    if not target.is_relative_to(STATIC_DIR) or not target.is_file():
        hint = ""
        if path.startswith("vendor/"):
            hint = "（前端库未构建：请运行 make web 或 scripts/build-web.sh）"
        return HTMLResponse(f"未找到文件{hint}", status_code=404)
    media_type = _MEDIA_TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0]
    cache = "public, max-age=86400" if path.startswith("vendor/") else "no-cache"
    return FileResponse(
        target,
        media_type=media_type or "application/octet-stream",
        headers={"Cache-Control": cache, "X-Content-Type-Options": "nosniff"},
    )
