"""Where an imported row's point lies: its coordinate system, and how far it is from the roads.

Chinese departments' spreadsheets hold Amap/Tencent (GCJ-02) or Baidu (BD-09) coordinates as often
as WGS-84; a row is converted to WGS-84 before it is checked, by the file's ``--crs`` (or the
``crs`` query parameter) or by its own 坐标系 column. A station, hydrant or premises far from
every road is almost always a typo or a wrong coordinate system: it would be routed to from the
wrong place without a word, so it is reported in the row report — refused beyond
``city_max_snap_m``, a warning beyond ``snap_warn_m`` (the standards table).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from lanyan.core.cellforms import halfwidth
from lanyan.core.config import Settings
from lanyan.geo.crs import Crs, to_wgs84
from lanyan.routing import Snapper, load_or_build
from lanyan.system.settings import road_file_choice

DistanceToRoad = Callable[[npt.NDArray[np.float64], npt.NDArray[np.float64]], npt.NDArray[Any]]
"""Metres from each (lon, lat) to the nearest road segment."""


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(halfwidth(value).strip())
        except ValueError:
            return None
    return None


def cells_in_wgs84(cells: dict[str, Any], crs: Crs) -> dict[str, Any]:
    """The row's cells with lon/lat converted from ``crs`` (unreadable values are left alone)."""
    if crs == Crs.WGS84:
        return cells
    lon, lat = _number(cells.get("lon")), _number(cells.get("lat"))
    if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return cells
    wlon, wlat = to_wgs84(lon, lat, crs)
    return {**cells, "lon": round(wlon, 7), "lat": round(wlat, 7)}


@lru_cache(maxsize=4)
def _checker(road_file: str, signature: tuple[int, int], cache_dir: str) -> DistanceToRoad:
    snapper = Snapper(load_or_build(Path(road_file), Path(cache_dir)))

    def distance(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> npt.NDArray[Any]:
        return np.asarray(snapper.snap_many(lon, lat).distance_m, dtype=np.float64)

    return distance


def road_distance_checker(session: Session, settings: Settings) -> DistanceToRoad | None:
    """The distance check for the deployment's road file, or ``None`` when none is registered."""
    choice = road_file_choice(session, settings)
    if choice.path is None or not choice.path.is_file():
        return None
    stat = choice.path.stat()
    return _checker(
        str(choice.path.resolve()), (stat.st_size, stat.st_mtime_ns), str(settings.cache_dir)
    )
