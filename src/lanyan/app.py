"""The FastAPI application: one router per domain, problem+json errors, OpenAPI at /docs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from lanyan import __version__
from lanyan.accounts.api import router as accounts_router
from lanyan.api.admission import Admission
from lanyan.api.cache import ResponseCache
from lanyan.api.crs import CrsMiddleware
from lanyan.api.guards import RequestGuard
from lanyan.api.logins import LoginCache
from lanyan.audit.api import router as audit_router
from lanyan.command.combat_api import router as combat_router
from lanyan.command.preplan_api import router as preplan_router
from lanyan.command.scene_api import router as scene_router
from lanyan.core import heap, problems
from lanyan.core.config import Settings, get_settings
from lanyan.core.db import make_engine, make_sessionmaker
from lanyan.core.errors import DomainError
from lanyan.dispatch.api import router as dispatch_router
from lanyan.dispatch.geocoding import GeocoderService
from lanyan.duty.api import router as duty_router
from lanyan.enforcement.api import router as enforcement_router
from lanyan.exchange.api import router as exchange_router
from lanyan.forces.api import router as forces_router
from lanyan.iot.api import router as iot_router
from lanyan.iot.push_api import router as iot_push_router
from lanyan.live.api import router as events_router
from lanyan.live.bus import lifespan as live_events_lifespan
from lanyan.outreach.api import router as outreach_router
from lanyan.planning.api import router as planning_router
from lanyan.planning.network import RoadNetwork
from lanyan.prevention.api import router as premises_router
from lanyan.prevention.campaign_api import router as campaign_router
from lanyan.prevention.governance_api import router as governance_router
from lanyan.prevention.hazards_api import router as hazards_router
from lanyan.prevention.listing_api import router as listing_router
from lanyan.risk.api import router as risk_router
from lanyan.stats.api import router as stats_router
from lanyan.stats.distribution_api import router as distribution_router
from lanyan.system.api import router as system_router
from lanyan.system.settings import require_road_file
from lanyan.web.campaign_pages import router as campaign_pages_router
from lanyan.web.command_pages import router as command_pages_router
from lanyan.web.duty_pages import router as duty_pages_router
from lanyan.web.enforcement_pages import router as enforcement_pages_router
from lanyan.web.outreach_pages import router as outreach_pages_router
from lanyan.web.pages import router as web_router
from lanyan.web.risk_pages import router as risk_pages_router
from lanyan.web.scene_pages import router as scene_pages_router

log = logging.getLogger(__name__)


def warm_up(app: FastAPI) -> None:
    """Load what a served process keeps for its life, then settle its heap (core.heap).

    The road network and the gazetteer (~2 s) are loaded before the first request rather than
    by the first call of the night; then the ~330,000 objects the process now holds are frozen
    out of the cycle collector's full collections, which walked them all, every few seconds
    under load, for 150–445 ms with every request of the process standing still.
    """
    try:
        with app.state.sessionmaker() as session:
            app.state.network.current(session)
            app.state.geocoder.get(session)
    except DomainError as exc:  # a new city without its roads yet: loaded on first use
        log.warning("road network not loaded at start: %s", exc.detail_en or exc.detail)
    except Exception:  # the rest of the app serves; routing retries (and reports) on first use
        log.exception("road network or gazetteer not loaded at start")
    heap.settle()


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with live_events_lifespan(app):
        if app.state.warm_up:
            await run_in_threadpool(warm_up, app)
        yield


def create_app(settings: Settings | None = None, *, served: bool = False) -> FastAPI:
    """Build the application for ``settings`` (the environment's by default).

    ``served``: the app of a server process (``lanyan serve``), warmed up when it starts
    (:func:`warm_up`); tests and commands build theirs cold.
    """
    settings = settings or get_settings()
    app = FastAPI(
        title="Lanyan 蓝焰",
        version=__version__,
        description="消防救援支队接处警调度、一张图与防火监督平台 API",
        lifespan=_lifespan,
    )
    engine = make_engine(settings.database_url)
    app.state.warm_up = served
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.response_cache = ResponseCache()
    app.state.logins = LoginCache()

    def road_file(session: Session) -> Path:
        return require_road_file(session, settings)

    app.state.network = RoadNetwork(None, settings.cache_dir, resolve=road_file)
    app.state.geocoder = GeocoderService(None, settings.cache_dir, resolve=road_file)
    problems.install(app)
    app.add_middleware(CrsMiddleware)  # inside gzip: it reads the JSON the routers wrote
    # level 1, not Starlette's 9: a 1,000-row map layer page compresses in ~1 ms instead of ~10 ms
    # for 15% more bytes; under load the server's CPU is scarcer than the dispatch room's network
    app.add_middleware(GZipMiddleware, minimum_size=2048, compresslevel=1)
    # a 119 call is admitted before the next refresh of a busy room's lists (see the module)
    app.add_middleware(Admission)
    # added last, so outermost: body limit, cross-site check and security headers come first
    app.add_middleware(RequestGuard, trusted_proxies=settings.trusted_proxies)

    for router in (
        system_router,
        accounts_router,
        forces_router,
        premises_router,
        hazards_router,
        governance_router,
        exchange_router,
        planning_router,
        dispatch_router,
        events_router,
        stats_router,
        distribution_router,
        audit_router,
        iot_router,
        iot_push_router,
        # issue 17 (enforcement, campaigns, outreach)
        outreach_router,
        outreach_pages_router,
        campaign_router,
        listing_router,
        campaign_pages_router,
        enforcement_router,
        # issue 18 (risk)
        risk_router,
        risk_pages_router,
        # issue 19 (command)
        combat_router,
        command_pages_router,
        preplan_router,
        scene_router,
        scene_pages_router,
        # issue 20 (duty)
        duty_router,
        duty_pages_router,
        enforcement_pages_router,
        web_router,
    ):
        app.include_router(router)
    return app


def create_served_app() -> FastAPI:
    """The app of a server process (the factory ``lanyan serve --workers N`` gives uvicorn)."""
    return create_app(served=True)
