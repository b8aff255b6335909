"""The process's geocoder: the OSM gazetteer plus the database's premises and organizations.

Built once on first use (the OSM part comes from a cache keyed by the file's hash). When premises
or organizations were added or removed, it is rebuilt in the background once they have stopped
changing for :data:`QUIET_S` (or the changes have gone on for :data:`STALE_MAX_S`); the current
geocoder answers meanwhile, and the searches after the rebuild (seconds) find the new premises.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session, defer

from lanyan.core import heap
from lanyan.dispatch.aliases import aliases_signature, place_aliases
from lanyan.dispatch.gazetteer import Entry, load_osm_gazetteer
from lanyan.dispatch.geocode import Geocoder
from lanyan.forces.choices import OrgKind
from lanyan.forces.models import Organization
from lanyan.prevention.models import Premises

log = logging.getLogger(__name__)

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


QUIET_S = 5.0
"""A rebuild starts once the premises and organizations searches see have not changed for this
long: an import changes them with every chunk; a rebuild while it runs is stale at once."""
STALE_MAX_S = 300.0
"""... or once the geocoder has been behind the database for this long, changes or not."""


class GeocoderService:
    """The geocoder over the road file's gazetteer and the database's named places.

    Built on first use (a served process builds it at start-up, :func:`lanyan.app.warm_up`). When
    premises or organizations are added or removed, it is rebuilt in the background while the
    current one goes on answering (see :data:`QUIET_S`, :data:`STALE_MAX_S`): a rebuild with
    50,000 premises takes ~2 s of the server's CPU alone, 15–20 s beside a busy dispatch room, and
    parts of it (loading the gazetteer, sorting the index) hold the interpreter lock long enough
    to be felt by every request of the process; during a premises import each address search of
    the intake form (one per pause in typing) used to rebuild it in the request, one after another.
    A new road file or new place aliases are another city's or another vocabulary's answers: the
    geocoder is rebuilt before the search then.
    """

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
        self._refresh: threading.Thread | None = None
        self._seen: tuple[object, ...] | None = None
        """The newest signature a search saw, since ``_seen_at`` (monotonic seconds)."""
        self._seen_at = 0.0
        self._behind_since: float | None = None
        """When the geocoder first fell behind the database (None: it is not)."""

    def _db_signature(self, session: Session, osm_file: Path) -> tuple[object, ...]:
        """(road file, place aliases, then the counts and highest ids of premises and
        organizations): a change of the first two needs a rebuild at once, of the rest soon."""
        p_count, p_max = session.execute(select(func.count(), func.max(Premises.id))).one()
        o_count, o_max = session.execute(select(func.count(), func.max(Organization.id))).one()
        counts = (int(p_count or 0), int(p_max or 0), int(o_count or 0), int(o_max or 0))
        return (str(osm_file), aliases_signature(session), *counts)

    def get(self, session: Session) -> Geocoder:
        """The geocoder; see the class for when it is rebuilt."""
        osm_file = self._resolve(session) if self._resolve is not None else self.osm_file
        if osm_file is None:
            raise ValueError("GeocoderService needs a road file or a resolver")
        signature = self._db_signature(session, osm_file)
        current, known = self._geocoder, self._signature
        if current is not None and signature == known:
            return current
        if current is not None and known is not None and signature[:2] == known[:2]:
            self._refresh_when_quiet(signature, session.get_bind(), osm_file)
            return current
        with self._lock:
            if self._geocoder is None or self._signature != signature:
                self._seen, self._seen_at = signature, time.monotonic()
                self._publish(self._build(session, osm_file), signature)
            assert self._geocoder is not None
            return self._geocoder

    def wait_for_refresh(self, timeout_s: float) -> None:
        """Wait until a background rebuild in progress has finished (tests)."""
        refresh = self._refresh
        if refresh is not None:
            refresh.join(timeout_s)

    def _refresh_when_quiet(
        self, signature: tuple[object, ...], bind: Engine | Connection, osm_file: Path
    ) -> None:
        now = time.monotonic()
        with self._lock:
            if signature != self._seen:
                self._seen, self._seen_at = signature, now
            if self._behind_since is None:
                self._behind_since = now
            if self._refresh is not None and self._refresh.is_alive():
                return
            quiet = now - self._seen_at >= QUIET_S
            if not quiet and now - self._behind_since < STALE_MAX_S:
                return
            self._refresh = threading.Thread(
                target=self._rebuild, args=(bind, osm_file), name="geocoder-refresh", daemon=True
            )
            self._refresh.start()

    def _rebuild(self, bind: Engine | Connection, osm_file: Path) -> None:
        try:
            with Session(bind) as session:
                signature = self._db_signature(session, osm_file)
                geocoder = self._build(session, osm_file)
            with self._lock:
                if self._signature is not None and self._signature[:2] == signature[:2]:
                    self._publish(geocoder, signature)
        except Exception:  # the current geocoder goes on answering; the next change retries
            log.exception("rebuilding the geocoder failed")

    def _publish(self, geocoder: Geocoder, signature: tuple[object, ...]) -> None:
        self._geocoder, self._signature = geocoder, signature
        self._behind_since = None if self._seen in (None, signature) else time.monotonic()
        heap.keep()  # out of full collections, as the first one is at start-up (core.heap)

    def _build(self, session: Session, osm_file: Path) -> Geocoder:
        gazetteer = load_osm_gazetteer(
            osm_file, cache_dir=self.cache_dir, place_aliases=place_aliases(session)
        )
        # the premises as plain columns: as ORM objects their JSON columns alone took 1.4 s to
        # parse for 50,000 of them
        premises = session.execute(
            select(Premises.id, Premises.name, Premises.lon, Premises.lat, Premises.address)
        )
        entries = [
            Entry(
                name=name,
                kind="premises",
                lon=lon,
                lat=lat,
                source="premises",
                ref_id=str(premises_id),
                aliases=(address,) if address else (),
            )
            for premises_id, name, lon, lat, address in premises
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
            for o in session.scalars(select(Organization).options(defer(Organization.jurisdiction)))
            if o.lon is not None and o.lat is not None
        ]
        gazetteer.add(entries)
        return Geocoder(gazetteer).prepare()
