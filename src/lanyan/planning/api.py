"""Planning API: coverage of the response circles, isochrones per station, routes for the map."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import Field

from lanyan.api.deps import CurrentActor, SessionDep, id_path
from lanyan.core.errors import Invalid
from lanyan.core.jurisdiction import get_visible, model_named
from lanyan.planning import service
from lanyan.planning.network import RoadNetwork

router = APIRouter(prefix="/api/planning", tags=["planning 规划"])


async def get_network(request: Request) -> RoadNetwork:
    """The process's road network (built on first use, refreshed when stations move)."""
    network: RoadNetwork = request.app.state.network
    return network


NetworkDep = Annotated[RoadNetwork, Depends(get_network)]
OrgId = Annotated[int, id_path("responding organization id")]
Minutes = Annotated[float, Field(gt=0, le=60)]


@router.get("/coverage")
def coverage(
    actor: CurrentActor,
    session: SessionDep,
    network: NetworkDep,
    live: Annotated[
        bool, Query(description="leave out organizations with no unit available")
    ] = True,
    holes: Annotated[bool, Query(description="include uncovered areas as GeoJSON")] = False,
) -> dict[str, Any]:
    """Share of demand within 5 min (urban), 3 min (micro stations), 15 min (rural)."""
    return service.coverage_summary(
        session, actor=actor, network=network, live=live, with_holes=holes
    )


@router.get("/isochrones/{org_id}")
def isochrones(
    org_id: OrgId,
    actor: CurrentActor,
    session: SessionDep,
    network: NetworkDep,
    minutes: Annotated[list[Minutes], Query(max_length=8)] = [3, 5, 10, 15],  # noqa: B006
) -> dict[str, Any]:
    """Isochrone polygons of one station or team as a GeoJSON FeatureCollection."""
    return service.station_isochrones(
        session, actor=actor, network=network, org_id=org_id, minutes=minutes
    )


@router.get("/route")
def unit_route(
    actor: CurrentActor,
    session: SessionDep,
    network: NetworkDep,
    unit_id: Annotated[int, Query(ge=1, le=2**31 - 1)],
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    incident_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> dict[str, Any]:
    """The road route from a unit to an incident (or to a point), as a GeoJSON Feature."""
    if incident_id is not None:
        # by table name: dispatch builds on planning, so planning does not import dispatch
        incident = get_visible(session, actor, model_named("incident"), incident_id)
        lon, lat = incident.lon, incident.lat
    if lon is None or lat is None:
        raise Invalid("请提供警情编号或经纬度", "give incident_id, or lon and lat")
    return service.unit_route(
        session, actor=actor, network=network, unit_id=unit_id, lon=lon, lat=lat
    )


@router.get("/roads")
def roads(
    request: Request, actor: CurrentActor, session: SessionDep, network: NetworkDep
) -> Response:
    """Roads of the routing graph as GeoJSON: the base map when no tile server is configured.

    Serialized once per network state and sent with an ETag, so a reload costs a 304.
    """
    del actor  # any logged-in user may draw the base map
    body, etag = service.road_lines_json(network, session)
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(
        body,
        media_type="application/geo+json",
        headers={"ETag": etag, "Cache-Control": "private, max-age=3600"},
    )
