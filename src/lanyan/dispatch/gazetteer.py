"""The gazetteer behind call intake: every name a caller may say, with a point on the map.

A dispatcher types what the caller says ("Landstrasse 12, Schaan", "瓦杜兹消防救援站") and the
geocoder (:mod:`lanyan.dispatch.geocode`) ranks entries of this gazetteer. The gazetteer is built
offline from the city's OpenStreetMap extract, because command centres are air-gapped and may
not call a public geocoding service, and it is topped up with what only the database knows (key
premises with their Chinese names, imported address points) through :meth:`Gazetteer.add`.

What an OSM extract gives:

- **streets**: named ``highway=*`` ways. Ways that share a name and touch (within
  ``STREET_JOIN_M``) form one street, so the two "Landstrasse" of Schaan and Triesen stay two
  streets. A street keeps a representative point (the node nearest the middle of its nodes) and
  its nodes, so an unknown house number still lands on the street and an intersection can be
  placed where two streets meet;
- **places**: named ``place=*`` nodes (villages, hamlets, localities);
- **POIs**: named amenities, shops, tourism, offices, leisure, crafts and buildings;
- **addresses**: ``addr:street`` + ``addr:housenumber`` on nodes and buildings, each linked to
  the nearest street of that name.

Building from the 1.3 MB demo extract takes about 2-3 s (one pyosmium pass with node locations);
:func:`load_osm_gazetteer` keeps a JSON cache keyed by the file's SHA-256 in a directory the
caller chooses, so a restart reads it back in well under a second.

Names are folded once, here, by :func:`fold` (case, umlauts, ``ß``, abbreviations such as
``Str.``, punctuation), and the geocoder folds queries the same way.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

CACHE_VERSION: Final = 2
"""Bumped whenever what the OSM pass extracts changes, so stale caches are not read (2: aliases
name streets and POIs too)."""

STREET_JOIN_M: Final = 150.0
"""Ways with the same name whose nodes come this close belong to one street."""

PLACE_KINDS: Final = frozenset(
    {"city", "town", "village", "hamlet", "suburb", "quarter", "neighbourhood", "locality"}
)
SETTLEMENT_KINDS: Final = frozenset({"city", "town", "village", "hamlet", "suburb"})
"""Places an entry can be said to lie in (its ``place``); localities are field names."""

POI_KEYS: Final = (
    "amenity",
    "shop",
    "tourism",
    "office",
    "leisure",
    "craft",
    "historic",
    "building",
)
"""Tags that make a named node or closed way a POI (first key present gives its kind)."""

_M_PER_DEG_LAT: Final = 110_574.0
_M_PER_DEG_LON_EQ: Final = 111_320.0


class EntryKind(StrEnum):
    """What an entry is; the geocoder ranks and labels by it."""

    STREET = "street"
    ADDRESS = "address"
    PLACE = "place"
    POI = "poi"
    PREMISES = "premises"
    """A key premises or venue from the database (often with a Chinese name)."""
    COMPOUND = "compound"
    """A residential compound (小区) or campus; house numbers are its buildings (幢/栋)."""
    ADMIN = "admin"
    """An administrative area (省/市/区/县/街道) named in Chinese addresses."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One thing with a name and a point.

    ``kind`` is an :class:`EntryKind` value (a plain string is accepted for entries coming from
    the database). ``points`` holds a street's nodes (lon, lat), empty for point entries.
    """

    name: str
    kind: str
    lon: float
    lat: float
    street: str | None = None
    housenumber: str | None = None
    place: str | None = None
    postcode: str | None = None
    source: str = "osm"
    ref_id: str | None = None
    aliases: tuple[str, ...] = ()
    points: tuple[tuple[float, float], ...] = ()
    tag: str | None = None
    """For POIs the OSM ``key=value`` that made them one (``amenity=hospital``)."""


# --------------------------------------------------------------------------- text folding

_UMLAUTS: Final = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "œ": "oe"})
_UMLAUTS_PLAIN: Final = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
_ABBREVIATIONS: Final = (
    # Order matters: "landstr." before the stand-alone forms.
    (re.compile(r"(?<=[a-z])str\b\.?"), "strasse"),
    (re.compile(r"(?<=[a-z])stra?\.(?=\s|$|,)"), "strasse"),
    (re.compile(r"\bstr\b\.?"), "strasse"),
    (re.compile(r"\bst\b\.?"), "sankt"),
    (re.compile(r"(?<=[a-z])pl\b\.?"), "platz"),
    (re.compile(r"\bpl\b\.?"), "platz"),
    (re.compile(r"(?<=[a-z])g\.(?=\s|$|,)"), "gasse"),
)
_NON_WORD: Final = re.compile(r"[\W_]+")


def fold(text: str, *, plain_umlauts: bool = False) -> str:
    """Fold a name or query to the form names are compared in.

    Parameters
    ----------
    text
        Any name or query: German, Chinese, full-width digits, odd punctuation.
    plain_umlauts
        Spell ``ä`` as ``a`` instead of ``ae`` (callers write both; the index keeps both forms).

    Returns
    -------
    str
        NFKC, case-folded, umlauts spelled out (``ä`` → ``ae``, ``ß`` → ``ss``), other accents
        dropped, ``Str.``/``str``/``St.``/``Pl.`` expanded, punctuation turned into single spaces.
        Chinese characters are kept as they are.

    Examples
    --------
    >>> fold("Äulestr. 5")
    'aeulestrasse 5'
    >>> fold("St. Florins-Gasse")
    'sankt florins gasse'
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = folded.translate(_UMLAUTS_PLAIN if plain_umlauts else _UMLAUTS)
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
    )
    folded = unicodedata.normalize("NFKC", folded)
    for pattern, replacement in _ABBREVIATIONS:
        folded = pattern.sub(replacement, folded)
    return " ".join(_NON_WORD.sub(" ", folded).split())


def fold_housenumber(text: str) -> str:
    """Fold a house number: ``"12 A"``, ``"12a"``, ``"１２Ａ"`` all become ``"12a"``."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


# --------------------------------------------------------------------------- geometry


def _projector(lat0: float) -> tuple[float, float]:
    return _M_PER_DEG_LON_EQ * math.cos(math.radians(lat0)), _M_PER_DEG_LAT


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance in metres on a local flat plane (good to 0.1 % over a city)."""
    kx, ky = _projector((lat1 + lat2) / 2.0)
    return math.hypot((lon2 - lon1) * kx, (lat2 - lat1) * ky)


def points_distance_m(
    points: npt.NDArray[np.float64], lon: float, lat: float
) -> npt.NDArray[np.float64]:
    """Distances in metres from every (lon, lat) row of ``points`` to one point."""
    kx, ky = _projector(lat)
    dx = (points[:, 0] - lon) * kx
    dy = (points[:, 1] - lat) * ky
    result: npt.NDArray[np.float64] = np.hypot(dx, dy)
    return result


def _centroid(coords: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """Area centroid of a closed ring (lon, lat); the vertex mean for degenerate rings."""
    ring = list(coords[:-1]) if coords[0] == coords[-1] else list(coords)
    lon0 = sum(c[0] for c in ring) / len(ring)
    lat0 = sum(c[1] for c in ring) / len(ring)
    kx, ky = _projector(lat0)
    pts = [((lon - lon0) * kx, (lat - lat0) * ky) for lon, lat in ring]
    area2 = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area2 += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area2) < 1e-6:
        return lon0, lat0
    return lon0 + cx / (3.0 * area2) / kx, lat0 + cy / (3.0 * area2) / ky


def _cluster(groups: Sequence[npt.NDArray[np.float64]], join_m: float) -> list[list[int]]:
    """Group point sets (ways) whose points come within ``join_m`` of each other (union-find)."""
    n = len(groups)
    if n == 1:
        return [[0]]
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    lat0 = float(np.mean([g[:, 1].mean() for g in groups]))
    kx, ky = _projector(lat0)
    projected = [np.column_stack(((g[:, 0]) * kx, g[:, 1] * ky)) for g in groups]
    boxes = np.array(
        [[p[:, 0].min(), p[:, 1].min(), p[:, 0].max(), p[:, 1].max()] for p in projected]
    )
    for i in range(n):
        for j in range(i + 1, n):
            if find(i) == find(j):
                continue
            bi, bj = boxes[i], boxes[j]
            if (
                bi[0] - join_m > bj[2]
                or bj[0] - join_m > bi[2]
                or bi[1] - join_m > bj[3]
                or bj[1] - join_m > bi[3]
            ):
                continue
            diff = projected[i][:, None, :] - projected[j][None, :, :]
            if float(np.min(np.einsum("ijk,ijk->ij", diff, diff))) <= join_m * join_m:
                parent[find(i)] = find(j)
    clusters: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        clusters[find(i)].append(i)
    return list(clusters.values())


# --------------------------------------------------------------------------- the gazetteer


class Gazetteer:
    """Named things with points: streets, addresses, places, POIs, premises.

    Entries are kept in insertion order and addressed by their index (``entry_id``). Addresses
    are linked to their street so the geocoder can answer "Landstrasse 12" by looking up the
    house number on the streets it matched.
    """

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self.entries: list[Entry] = []
        self.version = 0
        """Increases on every :meth:`add`; the geocoder rebuilds its index when it changes."""
        self._streets_by_key: dict[str, list[int]] = defaultdict(list)
        self._street_points: dict[int, npt.NDArray[np.float64]] = {}
        self._addresses: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        self._unlinked_addresses: list[int] = []
        self.add(entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def add(self, entries: Iterable[Entry]) -> list[int]:
        """Add entries (from OSM, the database or a test) and return their ids.

        Streets are added before addresses so an address finds its street whatever the order
        the caller gives; an address whose street is unknown stays searchable by its own name.

        Parameters
        ----------
        entries
            New entries. A street's ``points`` may be empty (its own point is used).

        Returns
        -------
        list[int]
            The entry ids, in the order given.
        """
        items = list(entries)
        order = sorted(range(len(items)), key=lambda i: items[i].kind == EntryKind.ADDRESS)
        ids = [0] * len(items)
        for i in order:
            ids[i] = self._add_one(items[i])
        if items:
            self.version += 1
        return ids

    def _add_one(self, entry: Entry) -> int:
        entry_id = len(self.entries)
        self.entries.append(entry)
        if entry.kind == EntryKind.STREET:
            points = entry.points or ((entry.lon, entry.lat),)
            self._street_points[entry_id] = np.asarray(points, dtype=np.float64)
            for key in {fold(entry.name), *(fold(a) for a in entry.aliases)}:
                self._streets_by_key[key].append(entry_id)
        elif entry.kind == EntryKind.ADDRESS and entry.street and entry.housenumber:
            street_id = self.nearest_street(entry.street, entry.lon, entry.lat)
            if street_id is None:
                self._unlinked_addresses.append(entry_id)
            else:
                self._addresses[street_id][fold_housenumber(entry.housenumber)].append(entry_id)
        return entry_id

    def nearest_street(self, name: str, lon: float, lat: float) -> int | None:
        """The id of the street called ``name`` (folded) nearest to a point, if any."""
        best: tuple[float, int] | None = None
        for street_id in self._streets_by_key.get(fold(name), ()):
            d = float(points_distance_m(self._street_points[street_id], lon, lat).min())
            if best is None or d < best[0]:
                best = (d, street_id)
        return None if best is None else best[1]

    def street_points(self, street_id: int) -> npt.NDArray[np.float64]:
        """The (lon, lat) nodes of a street, shape (n, 2)."""
        return self._street_points[street_id]

    def addresses_on(self, street_id: int) -> Mapping[str, list[int]]:
        """Folded house number → address entry ids on one street."""
        return self._addresses.get(street_id, {})

    def unlinked_addresses(self) -> list[int]:
        """Addresses whose street is not in the gazetteer (the geocoder indexes their names)."""
        return list(self._unlinked_addresses)

    # ------------------------------------------------------------------ persistence

    def save(self, path: Path) -> None:
        """Write every entry to a JSON file (the cache format; safe to read back, unlike pickle)."""
        payload = {
            "version": CACHE_VERSION,
            "entries": [_entry_to_json(e) for e in self.entries],
        }
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")), "utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Gazetteer:
        """Read a gazetteer written by :meth:`save`.

        Raises
        ------
        ValueError
            When the file was written by another cache version.
        """
        payload = json.loads(path.read_text("utf-8"))
        if payload.get("version") != CACHE_VERSION:
            raise ValueError(f"gazetteer cache {path} has version {payload.get('version')}")
        return cls(_entry_from_json(item) for item in payload["entries"])


def _entry_to_json(entry: Entry) -> dict[str, Any]:
    data = asdict(entry)
    return {k: v for k, v in data.items() if v not in (None, (), [])}


def _entry_from_json(data: Mapping[str, Any]) -> Entry:
    values = dict(data)
    values["aliases"] = tuple(values.get("aliases", ()))
    values["points"] = tuple((float(p[0]), float(p[1])) for p in values.get("points", ()))
    return Entry(**values)


# --------------------------------------------------------------------------- OSM


@dataclass(slots=True)
class _OsmFacts:
    places: list[Entry] = field(default_factory=list)
    ways: dict[str, list[tuple[str, npt.NDArray[np.float64]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    """Folded street name → (display name, nodes) per way."""
    addresses: list[tuple[str, str, float, float, str | None, str | None, str]] = field(
        default_factory=list
    )
    """(street, housenumber, lon, lat, postcode, city, osm id)."""
    pois: list[tuple[str, str, float, float, dict[str, str], str]] = field(default_factory=list)
    """(name, key=value, lon, lat, tags, osm id)."""


def _read_osm(path: Path) -> _OsmFacts:
    import osmium  # imported here: only the build needs the C extension

    facts = _OsmFacts()
    for obj in osmium.FileProcessor(str(path)).with_locations():
        if not len(obj.tags):
            continue
        tags: dict[str, str] = {t.k: t.v for t in obj.tags}
        if isinstance(obj, osmium.osm.Node):
            if not obj.location.valid():
                continue
            lon, lat = obj.location.lon, obj.location.lat
            osm_id = f"n{obj.id}"
            name = tags.get("name")
            if name and tags.get("place") in PLACE_KINDS:
                facts.places.append(
                    Entry(name, EntryKind.PLACE, lon, lat, ref_id=osm_id, tag=tags["place"])
                )
                continue
        elif isinstance(obj, osmium.osm.Way):
            coords = [(n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()]
            if not coords:
                continue
            osm_id = f"w{obj.id}"
            name = tags.get("name")
            if "highway" in tags:
                if name:
                    facts.ways[fold(name)].append((name, np.asarray(coords, dtype=np.float64)))
                continue
            if len(coords) >= 4 and coords[0] == coords[-1]:
                lon, lat = _centroid(coords)
            elif "amenity" in tags or "addr:housenumber" in tags:
                lon, lat = coords[len(coords) // 2]
            else:
                continue
        else:
            continue
        street = tags.get("addr:street") or tags.get("addr:place")
        housenumber = tags.get("addr:housenumber")
        if street and housenumber:
            city = tags.get("addr:city") or (
                tags.get("addr:place") if "addr:street" in tags else None
            )
            facts.addresses.append(
                (street, housenumber, lon, lat, tags.get("addr:postcode"), city, osm_id)
            )
        name = tags.get("name")
        if name:
            for key in POI_KEYS:
                value = tags.get(key)
                if value and value != "no":
                    facts.pois.append((name, f"{key}={value}", lon, lat, tags, osm_id))
                    break
    return facts


class _PlaceLocator:
    """The nearest settlement of a point: the ``place`` an entry is labelled with."""

    def __init__(self, places: Sequence[Entry]) -> None:
        settlements = [p for p in places if p.tag in SETTLEMENT_KINDS]
        self._names = [p.name for p in settlements]
        self._points = np.array([(p.lon, p.lat) for p in settlements], dtype=np.float64)

    def __call__(self, lon: float, lat: float) -> str | None:
        if not self._names:
            return None
        return self._names[int(np.argmin(points_distance_m(self._points, lon, lat)))]


def _street_entries(
    facts: _OsmFacts, locate: _PlaceLocator, aliases: PlaceAliases | None = None
) -> list[Entry]:
    entries: list[Entry] = []
    # Streets only known from addresses (a hamlet's addr:place, a path without a name) still
    # need a street entry so their house numbers can be found.
    address_only: dict[str, list[tuple[str, npt.NDArray[np.float64]]]] = defaultdict(list)
    for street, _hn, lon, lat, _pc, _city, _id in facts.addresses:
        key = fold(street)
        if key not in facts.ways:
            address_only[key].append((street, np.array([[lon, lat]], dtype=np.float64)))
    for source, groups in (("osm", facts.ways), ("osm-addr", address_only)):
        for key in sorted(groups):
            ways = groups[key]
            for members in _cluster([w[1] for w in ways], STREET_JOIN_M):
                names = Counter(ways[i][0] for i in members)
                display = names.most_common(1)[0][0]
                pts = np.unique(np.vstack([ways[i][1] for i in members]), axis=0)
                mid = pts.mean(axis=0)
                rep = pts[int(np.argmin(points_distance_m(pts, float(mid[0]), float(mid[1]))))]
                lon, lat = float(rep[0]), float(rep[1])
                entries.append(
                    Entry(
                        display,
                        EntryKind.STREET,
                        lon,
                        lat,
                        street=display,
                        place=locate(lon, lat),
                        source=source,
                        ref_id=f"street:{key}@{lon:.5f},{lat:.5f}",
                        points=tuple((round(float(x), 7), round(float(y), 7)) for x, y in pts),
                        aliases=_alias_tuple((aliases or {}).get(display)),
                    )
                )
    return entries


PlaceAliases = Mapping[str, str | Sequence[str]]
"""Other names by OSM name (places, streets, POIs): one alias or several."""


def _alias_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def build_from_osm(path: Path, *, place_aliases: PlaceAliases | None = None) -> Gazetteer:
    """Build a gazetteer from an OSM extract in one pass.

    Parameters
    ----------
    path
        An ``.osm.pbf`` (or any format osmium reads).
    place_aliases
        Other names by OSM name (for the demo city the Chinese names, ``{"Vaduz": "瓦杜兹",
        "Landstrasse": "兰德大街", ...}``); they become aliases of the places, streets and POIs
        of that name.

    Returns
    -------
    Gazetteer
        Streets, places, POIs and addresses, each labelled with its nearest settlement.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    """
    if not path.is_file():
        raise FileNotFoundError(path)
    facts = _read_osm(path)
    locate = _PlaceLocator(facts.places)
    aliases = dict(place_aliases or {})
    places = [
        Entry(
            p.name,
            p.kind,
            p.lon,
            p.lat,
            place=p.name if p.tag in SETTLEMENT_KINDS else locate(p.lon, p.lat),
            ref_id=p.ref_id,
            tag=p.tag,
            aliases=_alias_tuple(aliases.get(p.name)),
        )
        for p in facts.places
    ]
    pois = [
        Entry(
            name,
            EntryKind.POI,
            lon,
            lat,
            street=tags.get("addr:street"),
            housenumber=tags.get("addr:housenumber"),
            place=locate(lon, lat),
            postcode=tags.get("addr:postcode"),
            ref_id=osm_id,
            tag=tag,
            aliases=tuple(
                dict.fromkeys(
                    [
                        *(
                            v
                            for k, v in tags.items()
                            if k in ("name:de", "alt_name", "short_name", "old_name") and v != name
                        ),
                        *_alias_tuple(aliases.get(name)),
                    ]
                )
            ),
        )
        for name, tag, lon, lat, tags, osm_id in facts.pois
    ]
    addresses = [
        Entry(
            f"{street} {housenumber}",
            EntryKind.ADDRESS,
            lon,
            lat,
            street=street,
            housenumber=housenumber,
            place=locate(lon, lat),
            postcode=postcode,
            ref_id=osm_id,
            aliases=(city,) if city else (),
        )
        for street, housenumber, lon, lat, postcode, city, osm_id in facts.addresses
    ]
    gazetteer = Gazetteer()
    gazetteer.add([*places, *_street_entries(facts, locate, aliases), *pois, *addresses])
    return gazetteer


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file (the cache key of everything derived from it)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_osm_gazetteer(
    path: Path,
    *,
    cache_dir: Path | None = None,
    place_aliases: PlaceAliases | None = None,
) -> Gazetteer:
    """The gazetteer of an OSM extract, read from the cache when it was built before.

    Parameters
    ----------
    path
        The OSM extract.
    cache_dir
        Where to keep ``gazetteer-<sha256>-v<version>.json``; ``None`` builds every time.
    place_aliases
        Passed to :func:`build_from_osm`; part of the cache key.

    Returns
    -------
    Gazetteer
        A fresh object the caller may :meth:`~Gazetteer.add` to (the cache is not touched).
    """
    if cache_dir is None:
        return build_from_osm(path, place_aliases=place_aliases)
    digest = hashlib.sha256(file_sha256(path).encode())
    digest.update(json.dumps(sorted((place_aliases or {}).items()), ensure_ascii=False).encode())
    cache = cache_dir / f"gazetteer-{digest.hexdigest()[:24]}-v{CACHE_VERSION}.json"
    if cache.is_file():
        try:
            return Gazetteer.load(cache)
        except (ValueError, KeyError, TypeError, json.JSONDecodeError):
            pass  # a damaged or foreign cache is rebuilt, never trusted
    gazetteer = build_from_osm(path, place_aliases=place_aliases)
    cache_dir.mkdir(parents=True, exist_ok=True)
    gazetteer.save(cache)
    return gazetteer
