"""The ``crs`` query parameter: the API speaks GCJ-02 and BD-09 at its edge, stores WGS-84."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pyproj import Geod
from tests.factories import World

from lanyan.geo.crs import Crs, from_wgs84

GEOD = Geod(ellps="WGS84")
TIANANMEN = (116.397, 39.908)  # a WGS-84 truth inside China, where the offset is ~500 m


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


@pytest.mark.parametrize("crs", [Crs.GCJ02, Crs.BD09], ids=["gcj02", "bd09"])
def test_a_gcj02_or_bd09_point_is_stored_as_its_wgs84_truth(
    app_client: TestClient, world: World, crs: Crs
) -> None:
    headers = world.headers("admin_a")
    given = from_wgs84(*TIANANMEN, crs)
    assert _metres(given, TIANANMEN) > 300  # the offset the parameter removes
    created = app_client.post(
        f"/api/forces/water-sources?crs={crs.value}",
        headers=headers,
        json={
            "external_id": f"crs:{crs.value}",
            "name": f"天安门消火栓 {crs.value}",
            "kind": "hydrant",
            "org_id": world.a.station_id,
            "lon": given[0],
            "lat": given[1],
        },
    )
    assert created.status_code == 201, created.text
    # the answer speaks the client's system …
    echoed = created.json()
    assert _metres((echoed["lon"], echoed["lat"]), given) < 1.0
    # … the database holds WGS-84 within a metre of the truth
    stored = app_client.get(f"/api/forces/water-sources/{echoed['id']}", headers=headers).json()
    assert _metres((stored["lon"], stored["lat"]), TIANANMEN) < 1.0
    # and any read can ask for another system
    as_bd = app_client.get(
        f"/api/forces/water-sources/{echoed['id']}?crs=bd09", headers=headers
    ).json()
    assert _metres((as_bd["lon"], as_bd["lat"]), from_wgs84(*TIANANMEN, Crs.BD09)) < 1.0
    listed = app_client.get(
        f"/api/forces/water-sources?crs={crs.value}&limit=1000", headers=headers
    ).json()
    mine = next(w for w in listed["items"] if w["id"] == echoed["id"])
    assert _metres((mine["lon"], mine["lat"]), given) < 1.0


def test_points_outside_china_pass_unchanged(app_client: TestClient, world: World) -> None:
    headers = world.headers("admin_a")
    plain = app_client.get(f"/api/forces/organizations/{world.a.station_id}", headers=headers)
    gcj = app_client.get(
        f"/api/forces/organizations/{world.a.station_id}?crs=gcj02", headers=headers
    )
    assert plain.status_code == gcj.status_code == 200
    assert (gcj.json()["lon"], gcj.json()["lat"]) == (plain.json()["lon"], plain.json()["lat"])


def test_an_unknown_crs_is_refused_with_a_reason(app_client: TestClient, world: World) -> None:
    response = app_client.get(
        "/api/forces/organizations?crs=utm50n", headers=world.headers("admin_a")
    )
    assert response.status_code == 422
    assert "坐标系" in response.json()["detail"]
