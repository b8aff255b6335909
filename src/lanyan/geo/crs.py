"""WGS-84 ⇄ GCJ-02 ⇄ BD-09: the coordinate systems of Chinese maps.

Lanyan stores WGS-84 (what OSM and GPS give). Coordinates copied from Amap or Tencent are GCJ-02
(the 国测局 "offset" datum, ~300–700 m off WGS-84 inside China) and from Baidu BD-09 (a further
offset of GCJ-02); a department's spreadsheet holds whichever map its staff clicked on. They are
converted at the edges — import, API, export, tile overlay — and nowhere else.

The forward transform WGS-84 → GCJ-02 is the published polynomial-and-sine formula used by every
open implementation (krasnaya/eviltransform, wandergis/coordtransform, hujiulong/gcoord); it is
defined only inside China's bounding box, and points outside it are returned unchanged, as the
Chinese map services themselves do. GCJ-02 → WGS-84 has no closed form: it is solved by fixed-point
iteration until the forward transform of the answer reproduces the input to ~1e-9° (millimetres).
GCJ-02 ⇄ BD-09 is Baidu's published rotation-and-shift formula; its inverse is the published
approximate one (error of a few centimetres), which is what Baidu's own clients use.

All functions take and return numpy arrays or plain floats (lon, lat in degrees).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import overload

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

_A = 6378245.0  # semi-major axis of Krasovsky 1940, as the GCJ-02 formula uses it
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0


class Crs(StrEnum):
    """A coordinate system an import, the API or an export may use."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"

    @classmethod
    def parse(cls, text: str | None) -> Crs:
        """``wgs84`` (the default for an empty value), ``gcj02`` or ``bd09``; any case, with or
        without a hyphen, and the Chinese names 高德/腾讯 (GCJ-02) and 百度 (BD-09).

        Raises ``ValueError`` with a Chinese message for anything else.
        """
        key = (text or "").strip().lower().replace("-", "").replace("_", "")
        if key in ("", "wgs84", "wgs", "gps", "epsg4326", "4326"):
            return cls.WGS84
        if key in ("gcj02", "gcj", "高德", "腾讯", "火星", "国测局", "amap", "tencent"):
            return cls.GCJ02
        if key in ("bd09", "bd09ll", "bd", "百度", "baidu"):
            return cls.BD09
        raise ValueError(f"未知的坐标系「{text}」：只支持 wgs84、gcj02（高德/腾讯）、bd09（百度）")


def outside_china(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    """Where the GCJ-02 offset does not apply (the same rough box the map services use)."""
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The GCJ-02 offset (dlon, dlat) in degrees at a WGS-84 point."""
    x = lon - 105.0
    y = lat - 35.0
    pi = np.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += common
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += common
    dlon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * pi)
    outside = outside_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def _arrays(lon: float | FloatArray, lat: float | FloatArray) -> tuple[FloatArray, FloatArray]:
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    if lon_a.shape != lat_a.shape:
        raise ValueError(f"lon and lat differ in shape: {lon_a.shape} vs {lat_a.shape}")
    return lon_a, lat_a


def wgs84_to_gcj02(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """WGS-84 → GCJ-02 (Amap, Tencent)."""
    lon, lat = _arrays(lon, lat)
    dlon, dlat = _offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(
    lon: FloatArray, lat: FloatArray, *, tolerance_deg: float = 1e-10, max_iter: int = 30
) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 → WGS-84, solved to ``tolerance_deg`` (1e-10° ≈ 0.01 mm) by fixed-point iteration."""
    lon, lat = _arrays(lon, lat)
    wlon, wlat = lon.copy(), lat.copy()
    for _ in range(max_iter):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        err_lon, err_lat = glon - lon, glat - lat
        wlon = wlon - err_lon
        wlat = wlat - err_lat
        if (
            float(np.max(np.abs(err_lon), initial=0.0)) < tolerance_deg
            and float(np.max(np.abs(err_lat), initial=0.0)) < tolerance_deg
        ):
            break
    return wlon, wlat


def gcj02_to_bd09(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 → BD-09 (Baidu)."""
    lon, lat = _arrays(lon, lat)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """BD-09 → GCJ-02 (Baidu's published inverse)."""
    lon, lat = _arrays(lon, lat)
    x = lon - 0.0065
    y = lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


@overload
def to_wgs84(lon: float, lat: float, crs: Crs) -> tuple[float, float]: ...
@overload
def to_wgs84(lon: FloatArray, lat: FloatArray, crs: Crs) -> tuple[FloatArray, FloatArray]: ...
def to_wgs84(
    lon: float | FloatArray, lat: float | FloatArray, crs: Crs
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Coordinates given in ``crs`` as WGS-84 (floats in → floats out, arrays in → arrays out)."""
    lon_a, lat_a = _arrays(lon, lat)
    if crs == Crs.GCJ02:
        lon_a, lat_a = gcj02_to_wgs84(lon_a, lat_a)
    elif crs == Crs.BD09:
        lon_a, lat_a = gcj02_to_wgs84(*bd09_to_gcj02(lon_a, lat_a))
    if lon_a.ndim == 0:
        return float(lon_a), float(lat_a)
    return lon_a, lat_a


@overload
def from_wgs84(lon: float, lat: float, crs: Crs) -> tuple[float, float]: ...
@overload
def from_wgs84(lon: FloatArray, lat: FloatArray, crs: Crs) -> tuple[FloatArray, FloatArray]: ...
def from_wgs84(
    lon: float | FloatArray, lat: float | FloatArray, crs: Crs
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """WGS-84 coordinates expressed in ``crs`` (for exports and the API's ``crs`` parameter)."""
    lon_a, lat_a = _arrays(lon, lat)
    if crs == Crs.GCJ02:
        lon_a, lat_a = wgs84_to_gcj02(lon_a, lat_a)
    elif crs == Crs.BD09:
        lon_a, lat_a = gcj02_to_bd09(*wgs84_to_gcj02(lon_a, lat_a))
    if lon_a.ndim == 0:
        return float(lon_a), float(lat_a)
    return lon_a, lat_a


def map_positions(value: object, convert: Callable[[float, float], tuple[float, float]]) -> object:
    """A GeoJSON ``coordinates`` array (any nesting) with ``convert`` applied to every position."""
    if (
        isinstance(value, list)
        and len(value) >= 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value[:2])
    ):
        lon, lat = convert(float(value[0]), float(value[1]))
        return [lon, lat, *value[2:]]
    if isinstance(value, list):
        return [map_positions(v, convert) for v in value]
    return value


def transform_geojson_coordinates(value: object, crs: Crs, *, to_wgs: bool) -> object:
    """A GeoJSON ``coordinates`` array (any nesting) with every position converted."""
    fn = to_wgs84 if to_wgs else from_wgs84

    def convert(lon: float, lat: float) -> tuple[float, float]:
        x, y = fn(lon, lat, crs)
        return round(x, 7), round(y, 7)

    return map_positions(value, convert)


__all__ = [
    "Crs",
    "bd09_to_gcj02",
    "from_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "map_positions",
    "outside_china",
    "to_wgs84",
    "transform_geojson_coordinates",
    "wgs84_to_gcj02",
]
