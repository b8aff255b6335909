"""The process's geocoder: the OSM gazetteer plus the database's premises and organizations.

Built once on first use (the OSM part comes from a cache keyed by the file's hash) and refreshed
when premises or organizations are added, so a newly imported key premises is found by name.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lanyan.dispatch.aliases import aliases_signature, place_aliases
from lanyan.dispatch.gazetteer import Entry, load_osm_gazetteer
from lanyan.dispatch.geocode import Geocoder
from lanyan.forces.choices import OrgKind
from lanyan.forces.models import Organization
from lanyan.prevention.models import Premises

# How a fire organization's name ends, longest first: what is left is the place it is named after.
_ORG_NAME_ENDINGS = (
    "政府专职消防队",
    "企业专职消防队",
    "志愿消防队",
    "消防救援站",
    "专职消防队",
    "特勤站",
    "消防站",
    "消防队",
)
# What dispatchers call any fire station or team of a place ("瓦杜兹消防站"): the words are
# generic, so the organization is found whichever kind it is (a town may have a 专职队, no 站).
_ORG_GENERIC_NAMES = ("消防救援站", "消防站", "消防队", "消防中队", "消防大队")


def organization_aliases(org: Organization) -> tuple[str, ...]:
    """Names a dispatcher types for a station or team: its place with a generic ending.

    "瓦杜兹政府专职消防队" is also found as 瓦杜兹消防救援站, 瓦杜兹消防站 and 瓦杜兹消防队.
    Micro stations and offices keep their own name only (they are named after a premises).
    """
    if org.kind in (OrgKind.MICRO_STATION, OrgKind.CORPS, OrgKind.DETACHMENT, OrgKind.BRIGADE):
        return ()
    for ending in _ORG_NAME_ENDINGS:
        if org.name.endswith(ending) and len(org.name) > len(ending):
            place = org.name.removesuffix(ending)
            return tuple(
                place + generic for generic in _ORG_GENERIC_NAMES if place + generic != org.name
            )
    return ()


class GeocoderService:
    """Lazily built geocoder over the road file's gazetteer and the database's named places."""

    def __init__(
        self,
        osm_file: Path | None,
        cache_dir: Path,
        *,
        resolve: Callable[[Session], Path] | None = None,
    ) -> None:
        self.osm_file = osm_file
        self.cache_dir = cache_dir
        self._resolve = resolve
        self._lock = threading.Lock()
        self._geocoder: Geocoder | None = None
        self._signature: tuple[object, ...] | None = None

    def _db_signature(self, session: Session, osm_file: Path) -> tuple[object, ...]:
        p_count, p_max = session.execute(select(func.count(), func.max(Premises.id))).one()
        o_count, o_max = session.execute(select(func.count(), func.max(Organization.id))).one()
        counts = (int(p_count or 0), int(p_max or 0), int(o_count or 0), int(o_max or 0))
        return (str(osm_file), *counts, *aliases_signature(session))

    def get(self, session: Session) -> Geocoder:
        """The geocoder, rebuilt when the road file, named places or place aliases changed."""
        osm_file = self._resolve(session) if self._resolve is not None else self.osm_file
        if osm_file is None:
            raise ValueError("GeocoderService needs a road file or a resolver")
        signature = self._db_signature(session, osm_file)
        if self._geocoder is not None and signature == self._signature:
            return self._geocoder
        with self._lock:
            if self._geocoder is not None and signature == self._signature:
                return self._geocoder
            gazetteer = load_osm_gazetteer(
                osm_file, cache_dir=self.cache_dir, place_aliases=place_aliases(session)
            )
            entries = [
                Entry(
                    name=p.name,
                    kind="premises",
                    lon=p.lon,
                    lat=p.lat,
                    source="premises",
                    ref_id=str(p.id),
                    aliases=(p.address,) if p.address else (),
                )
                for p in session.scalars(select(Premises))
            ] + [
                Entry(
                    name=o.name,
                    kind="organization",
                    lon=o.lon,
                    lat=o.lat,
                    source="organization",
                    ref_id=str(o.id),
                    aliases=organization_aliases(o),
                )
                for o in session.scalars(select(Organization))
                if o.lon is not None and o.lat is not None
            ]
            gazetteer.add(entries)
            self._geocoder = Geocoder(gazetteer)
            self._signature = signature
            return self._geocoder
