"""A new city's fire stations and hydrants, read from its own OSM extract as import files.

OpenStreetMap maps fire stations (``amenity=fire_station``: a node, a building outline or a
multipolygon) and hydrants (``emergency=fire_hydrant``). Setting a city up, a department can start
from these and correct them in a spreadsheet: :func:`read_facilities` finds them and
:func:`write_import_files` writes ``organizations.csv`` and ``water_sources.csv`` with the
importer's Chinese headers (``lanyan osm facilities``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import osmium
import shapely.wkb

from lanyan.exchange.formats import inert_csv_text
from lanyan.forces.choices import OrgKind, WaterSourceKind, WaterSourceState


@dataclass(frozen=True)
class Facility:
    """A fire station or hydrant found in the extract."""

    osm_id: str
    """``n123``, ``w456`` or ``r789`` (OSM element type and id)."""
    name: str
    lon: float
    lat: float
    address: str | None


def _name(tags: Any, fallback: str) -> str:
    for key in ("name:zh", "name:zh-Hans", "name", "official_name", "operator"):
        value = tags.get(key)
        if value:
            return str(value)[:120]
    return fallback


def _address(tags: Any) -> str | None:
    parts = [tags.get(k) for k in ("addr:city", "addr:street", "addr:housenumber")]
    text = " ".join(str(p) for p in parts if p)
    return text[:200] or None


class _Collector(osmium.SimpleHandler):
    def __init__(self) -> None:
        super().__init__()
        self.stations: list[Facility] = []
        self.hydrants: list[Facility] = []
        self._wkb = osmium.geom.WKBFactory()

    def node(self, n: Any) -> None:
        tags = n.tags
        if not n.location.valid():
            return
        if tags.get("amenity") == "fire_station":
            self.stations.append(
                Facility(
                    f"n{n.id}",
                    _name(tags, f"消防站 n{n.id}"),
                    n.location.lon,
                    n.location.lat,
                    _address(tags),
                )
            )
        elif tags.get("emergency") == "fire_hydrant":
            self.hydrants.append(
                Facility(
                    f"n{n.id}",
                    _name(tags, f"消火栓 n{n.id}"),
                    n.location.lon,
                    n.location.lat,
                    _address(tags),
                )
            )

    def area(self, a: Any) -> None:
        # closed ways and multipolygon relations both arrive here, once each
        if a.tags.get("amenity") != "fire_station":
            return
        try:
            geom = shapely.wkb.loads(self._wkb.create_multipolygon(a), hex=True)
        except (RuntimeError, ValueError):
            return  # an unclosed or broken outline: nothing sensible to place
        point = geom.representative_point()
        osm_id = f"{'w' if a.from_way() else 'r'}{a.orig_id()}"
        self.stations.append(
            Facility(osm_id, _name(a.tags, f"消防站 {osm_id}"), point.x, point.y, _address(a.tags))
        )


def read_facilities(path: Path) -> tuple[list[Facility], list[Facility]]:
    """The fire stations and hydrants of an OSM extract (stations, hydrants)."""
    if not path.is_file():
        raise FileNotFoundError(path)
    collector = _Collector()
    collector.apply_file(str(path), locations=True)
    return collector.stations, collector.hydrants


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    # OSM names are other people's text: a name starting "=" must stay text in a spreadsheet
    writer.writerows([[inert_csv_text(cell) for cell in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")  # Excel opens UTF-8 with a BOM as Chinese


def write_import_files(
    path: Path, out_dir: Path, *, parent_external_id: str, prefix: str = "osm"
) -> tuple[Path, Path, int, int]:
    """Write ``organizations.csv`` (stations) and ``water_sources.csv`` (hydrants) for import.

    Every station is a 消防救援站 under ``parent_external_id`` (a brigade), every hydrant a
    市政消火栓 looked after by the same organization; external ids are ``{prefix}:n123`` so that a
    second run updates rather than duplicates. Returns the two paths and the counts.
    """
    stations, hydrants = read_facilities(path)
    out_dir.mkdir(parents=True, exist_ok=True)
    orgs = out_dir / "organizations.csv"
    orgs.write_bytes(
        _csv(
            ["编号", "名称", "类别", "上级编号", "经度", "纬度", "地址"],
            [
                [
                    f"{prefix}:{s.osm_id}",
                    s.name,
                    OrgKind.STATION.zh,
                    parent_external_id,
                    f"{s.lon:.7f}",
                    f"{s.lat:.7f}",
                    s.address or "",
                ]
                for s in stations
            ],
        )
    )
    waters = out_dir / "water_sources.csv"
    waters.write_bytes(
        _csv(
            ["编号", "名称", "类型", "状态", "管护单位编号", "经度", "纬度", "地址"],
            [
                [
                    f"{prefix}:{h.osm_id}",
                    h.name,
                    WaterSourceKind.HYDRANT.zh,
                    WaterSourceState.OK.zh,
                    parent_external_id,
                    f"{h.lon:.7f}",
                    f"{h.lat:.7f}",
                    h.address or "",
                ]
                for h in hydrants
            ],
        )
    )
    return orgs, waters, len(stations), len(hydrants)
