"""GCJ-02 tiles: the map's projection puts WGS-84 data where a Chinese tile server draws it.

The browser's transform (static/js/chinacrs.js) is checked against the Python one
(lanyan.geo.crs, itself tested against published coordinate pairs), through Leaflet's own CRS.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from lanyan.geo.crs import Crs, from_wgs84
from lanyan.web.pages import tile_crs

R = 6378137.0  # Leaflet's spherical Mercator radius


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    return R * math.radians(lon), R * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


SCRIPT = """async ([lat, lon]) => {
  const m = await import("/static/js/chinacrs.js");
  const L = await import("/static/vendor/leaflet/leaflet.esm.js");
  const crs = m.gcj02Crs(L);
  const p = crs.project(L.latLng(lat, lon));
  const back = crs.unproject(p);
  const plain = L.CRS.EPSG3857.project(L.latLng(lat, lon));
  return {x: p.x, y: p.y, lat: back.lat, lon: back.lng, px: plain.x, py: plain.y};
}"""


@pytest.mark.parametrize(
    ("lon", "lat"), [(116.397, 39.908), (120.1551, 30.2741), (113.5439, 22.1987)]
)
def test_browser_projection_matches_the_python_transform(
    new_page: Any, lon: float, lat: float
) -> None:
    page = new_page("demo_dispatcher")
    got = page.evaluate(SCRIPT, [lat, lon])
    expected = _mercator(*from_wgs84(lon, lat, Crs.GCJ02))
    assert abs(got["x"] - expected[0]) < 0.01
    assert abs(got["y"] - expected[1]) < 0.01
    # ~500 m from where plain Web Mercator would draw it: the offset the tiles carry
    assert math.hypot(got["x"] - got["px"], got["y"] - got["py"]) > 100
    # and a click on the map unprojects to the WGS-84 truth
    assert abs(got["lat"] - lat) < 1e-7
    assert abs(got["lon"] - lon) < 1e-7


def test_outside_china_the_projection_is_plain_web_mercator(new_page: Any) -> None:
    page = new_page("demo_dispatcher")
    got = page.evaluate(SCRIPT, [47.14, 9.52])
    assert (got["x"], got["y"]) == (got["px"], got["py"])


def test_tile_crs_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LANYAN_TILE_CRS", raising=False)
    assert tile_crs() == "wgs84"
    monkeypatch.setenv("LANYAN_TILE_CRS", "GCJ-02")
    assert tile_crs() == "gcj02"
    monkeypatch.setenv("LANYAN_TILE_CRS", "bd09")
    with pytest.raises(ValueError, match="LANYAN_TILE_CRS"):
        tile_crs()
