"""H3 hexagonal cells: the grid the forecast, the backtest and the area risk layers share.

Why H3 and not the prevention grids: a forecast must be compared cell for cell with a baseline
on any city, including one (an external CSV) that has no grids, road network or premises; H3
cells exist everywhere, have (nearly) equal areas, so a share of cells is a share of area (what
PAI divides by), and every cell has exactly six neighbours for smoothing.

Resolution 8 (:data:`DEFAULT_RESOLUTION`) is the default: about 0.74 km² a cell, 460 m an edge —
a few blocks, the scale at which a patrol or an inspection plan can act on a hot spot. Coarser
cells (7, ~5 km²) make hit rates trivially high; finer ones (9, ~0.1 km²) leave most cells with
one or two calls a year, too few to rank.

API (used by :mod:`lanyan.risk.forecast` and by the area risk layers):

- :func:`cell_of` / :func:`cells_of` — the cell id (H3 string) of a WGS-84 point / of arrays;
- :func:`disk` — a cell and its rings of neighbours;
- :func:`cell_area_km2`, :func:`cell_center`, :func:`cell_boundary` — for maps and densities.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import h3  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt

DEFAULT_RESOLUTION = 8
"""~0.74 km² hexagons (see the module docstring for why)."""

MIN_RESOLUTION = 5
MAX_RESOLUTION = 11
"""Resolutions the commands accept: 5 (~250 km², a whole county in a few cells) to 11 (~2,000
m², a single building block); outside that a ranking of cells means nothing for a city."""


def check_resolution(resolution: int) -> int:
    """``resolution`` if the commands accept it, else ``ValueError`` with a clear message."""
    if not MIN_RESOLUTION <= resolution <= MAX_RESOLUTION:
        raise ValueError(
            f"H3 分辨率须在 {MIN_RESOLUTION}–{MAX_RESOLUTION} 之间（收到 {resolution}）"
            f" / resolution must be {MIN_RESOLUTION}..{MAX_RESOLUTION}"
        )
    return resolution


def cell_of(lon: float, lat: float, resolution: int = DEFAULT_RESOLUTION) -> str:
    """The H3 cell (string id) holding the WGS-84 point ``(lon, lat)``."""
    return str(h3.latlng_to_cell(lat, lon, resolution))


def cells_of(
    lon: Sequence[float] | npt.NDArray[np.float64],
    lat: Sequence[float] | npt.NDArray[np.float64],
    resolution: int = DEFAULT_RESOLUTION,
) -> list[str]:
    """The cell of every point, in order (points repeat a lot: cached per rounded position)."""
    seen: dict[tuple[float, float], str] = {}
    out: list[str] = []
    for x, y in zip(lon, lat, strict=True):
        key = (float(x), float(y))
        cell = seen.get(key)
        if cell is None:
            cell = seen[key] = str(h3.latlng_to_cell(key[1], key[0], resolution))
        out.append(cell)
    return out


def disk(cell: str, k: int = 1) -> list[str]:
    """``cell`` and every cell within ``k`` steps of it (7 cells for k=1 away from pentagons)."""
    return [str(c) for c in h3.grid_disk(cell, k)]


def cell_area_km2(cell: str) -> float:
    """The exact area of ``cell`` in km²."""
    return float(h3.cell_area(cell, unit="km^2"))


def average_area_km2(resolution: int) -> float:
    """The average area of a cell at ``resolution`` in km² (0.737 at resolution 8)."""
    return float(h3.average_hexagon_area(resolution, unit="km^2"))


def cell_center(cell: str) -> tuple[float, float]:
    """``(lon, lat)`` of the cell's centre."""
    lat, lon = h3.cell_to_latlng(cell)
    return float(lon), float(lat)


def cell_boundary(cell: str) -> list[tuple[float, float]]:
    """The cell's outline as ``(lon, lat)`` vertices (GeoJSON order, not closed)."""
    return [(float(lon), float(lat)) for lat, lon in h3.cell_to_boundary(cell)]


def neighbour_index(cells: Sequence[str], k: int = 1) -> list[list[int]]:
    """For each cell, the positions in ``cells`` of its disk of radius ``k`` (itself included).

    Cells of the disk that are not in ``cells`` are left out; callers that need the disk size
    (to average over area, not over known cells) use ``len(disk(cell, k))``.
    """
    where = {c: i for i, c in enumerate(cells)}
    return [[where[n] for n in disk(c, k) if n in where] for c in cells]


def unique(cells: Iterable[str]) -> list[str]:
    """The distinct cells, sorted (a stable order for arrays and for output)."""
    return sorted(set(cells))
