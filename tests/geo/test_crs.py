"""GCJ-02 / BD-09 conversions against coordinate pairs published by other implementations.

The expected values are the outputs printed in the tests of three independent open projects (each
cited beside its pair); our own formula code must reproduce them to ~1e-6° (0.1 m).
"""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from lanyan.geo.crs import (
    Crs,
    bd09_to_gcj02,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    to_wgs84,
    wgs84_to_gcj02,
)

GEOD = Geod(ellps="WGS84")

WANDERGIS = "wandergis/coordtransform test/app.js"
GCOORD = "hujiulong/gcoord test/unit/crs/GCJ02.spec.js"
GEOTOOL = "geotool CLI tests"

# (function, input lon/lat, expected lon/lat, where the pair is published)
PUBLISHED = [
    (wgs84_to_gcj02, (116.404, 39.915), (116.41024449916938, 39.91640428150164), WANDERGIS),
    (gcj02_to_bd09, (116.404, 39.915), (116.41036949371029, 39.92133699351021), WANDERGIS),
    (bd09_to_gcj02, (116.404, 39.915), (116.39762729119315, 39.90865673957631), WANDERGIS),
    (gcj02_to_wgs84, (123.0, 45.0), (122.99395597, 44.99804071), GCOORD),
    (gcj02_to_bd09, (123.0, 45.0), (123.00636499, 45.00636899), GCOORD),
    (wgs84_to_gcj02, (121.0917077, 30.6107779), (121.09626935575027, 30.608604331756705), GEOTOOL),
]


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


@pytest.mark.parametrize(("func", "given", "expected", "source"), PUBLISHED)
def test_published_pairs(func, given, expected, source) -> None:
    lon, lat = func(np.array(given[0]), np.array(given[1]))
    assert _metres(float(lon), float(lat), *expected) < 0.1, source


def test_wgs84_to_bd09_published() -> None:
    # geotool CLI tests: WGS-84 (121.0917077, 30.6107779)
    # → BD-09 (121.10271732371203, 30.61484572185035)
    lon, lat = from_wgs84(121.0917077, 30.6107779, Crs.BD09)
    assert _metres(lon, lat, 121.10271732371203, 30.61484572185035) < 0.1


@pytest.mark.parametrize(
    ("crs", "limit_m"), [(Crs.GCJ02, 1.0), (Crs.BD09, 2.0)], ids=["gcj02", "bd09"]
)
def test_round_trip_error_across_china(crs: Crs, limit_m: float) -> None:
    rng = np.random.default_rng(7)
    lon = rng.uniform(73.7, 134.7, 5000)
    lat = rng.uniform(18.2, 53.5, 5000)
    there = from_wgs84(lon, lat, crs)
    back_lon, back_lat = to_wgs84(there[0], there[1], crs)
    error_m = GEOD.inv(lon, lat, back_lon, back_lat)[2]
    assert float(np.max(error_m)) <= limit_m
    # and the offset is real: hundreds of metres, not a no-op
    offset_m = GEOD.inv(lon, lat, there[0], there[1])[2]
    assert float(np.median(offset_m)) > 100


def test_points_outside_china_are_unchanged() -> None:
    # Vaduz (Liechtenstein), New York, Sydney
    lon = np.array([9.5209, -74.006, 151.2093])
    lat = np.array([47.1410, 40.7128, -33.8688])
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert np.array_equal(glon, lon)
    assert np.array_equal(glat, lat)
    wlon, wlat = to_wgs84(lon, lat, Crs.GCJ02)
    assert np.array_equal(wlon, lon)
    assert np.array_equal(wlat, lat)


@pytest.mark.parametrize(
    ("text", "crs"),
    [
        (None, Crs.WGS84),
        ("", Crs.WGS84),
        ("WGS-84", Crs.WGS84),
        ("gcj02", Crs.GCJ02),
        ("GCJ-02", Crs.GCJ02),
        ("高德", Crs.GCJ02),
        ("bd09", Crs.BD09),
        ("百度", Crs.BD09),
    ],
)
def test_parse(text: str | None, crs: Crs) -> None:
    assert Crs.parse(text) == crs


def test_parse_refuses_unknown_with_a_chinese_reason() -> None:
    with pytest.raises(ValueError, match="未知的坐标系"):
        Crs.parse("utm50n")


def test_scalars_in_scalars_out() -> None:
    lon, lat = to_wgs84(116.41024449916938, 39.91640428150164, Crs.GCJ02)
    assert isinstance(lon, float)
    assert _metres(lon, lat, 116.404, 39.915) < 0.01
