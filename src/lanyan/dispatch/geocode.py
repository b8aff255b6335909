"""Free-text address search for call intake: what the caller says → ranked points on the map.

The dispatcher types an address as the caller says it ("Landstr. 12a Schaan", "12 Landstrasse",
"Vaduz, Äulestrasse 5", "aeulestrase", "瓦杜兹消防救援站", "文三路与学院路交叉口") and picks one of
a few candidates; the incident is placed there and the routing core snaps it to the road graph.
Everything runs offline against a :class:`~lanyan.dispatch.gazetteer.Gazetteer` (command centres
are air-gapped), in memory, in about a millisecond a query.

How a Latin-script query is answered:

1. fold it like the gazetteer's names (:func:`~lanyan.dispatch.gazetteer.fold`: case, umlauts
   as ``ae`` and as ``a``, ``ß``, ``Str.``/``St.``/``Pl.``, punctuation);
2. take out a postcode (a known 4-digit code), a house number (``12``, ``12a``, ``12 a``, before
   or after the street) and a place qualifier (a known place name at the start or end or in its
   own comma-separated part: "Vaduz, ...", "... 9490 Vaduz");
3. fuzzy-match the rest against an index of folded names with rapidfuzz ``WRatio`` (typos,
   missing words, compound spellings), once with the place taken out and once without, so a
   street named like a village ("Am Schellenberg") is still found;
4. turn each matched name into candidates: a street with a house number becomes that address
   when the number is known on *that* street, otherwise the street itself, placed at the
   nearest known number (the candidate says so: ``housenumber_found=False`` and a ``note``);
   entries outside a recognised place lose 25 points, so the place decides between the five
   "Landstrasse" of the country;
5. rank by score (0-100), break ties by kind (address, place, premises, POI, street).

A query in Chinese goes to :mod:`lanyan.dispatch.address_zh` (components such as 路/号/小区/幢,
intersections, landmarks) and any Latin part of it through the steps above. A query that matches
nothing returns ``[]``: the dispatcher then places the incident by coordinates.

Latency on the demo gazetteer (2,441 entries, 2-core machine): see docs/geocoding.md; about
1 ms median, under 5 ms p99.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from lanyan.dispatch import fuzzy
from lanyan.dispatch.address_zh import ZhMatch, ZhMatcher, has_cjk
from lanyan.dispatch.gazetteer import (
    Entry,
    EntryKind,
    Gazetteer,
    distance_m,
    fold,
    fold_housenumber,
    points_distance_m,
)

__all__ = ["Candidate", "Geocoder", "ParsedQuery", "parse_query"]

NAME_SCORE_CUTOFF = 72.0
"""WRatio below this is not a match (a one-letter typo in a 6-letter name still scores ~83)."""

HOUSENUMBER_FALLBACK_PENALTY = 12.0
"""A street whose house number is unknown ranks below a street where it is known."""

OUTSIDE_PLACE_PENALTY = 25.0
"""A candidate outside the place the caller named ranks below every candidate inside it."""

WHOLE_TEXT_PENALTY = 10.0
"""Reading a recognised place name as part of the street name is the less likely reading."""

NEIGHBOUR_PLACE_PENALTY = 3.0
"""An entry within reach of the named place but labelled with another settlement."""

NOT_ITS_NUMBER_PENALTY = 15.0
"""A POI or place asked for with a house number it does not have."""

NEAR_PENALTY_PER_KM = 1.0
NEAR_PENALTY_MAX = 10.0

PLACE_RADIUS_M = {"city": 5000.0, "town": 3000.0, "village": 2500.0, "hamlet": 1200.0}
"""How far from a place's node an entry still counts as "in" it (others: 800 m)."""

_KIND_ORDER = {
    EntryKind.ADDRESS: 0,
    EntryKind.PLACE: 1,
    EntryKind.PREMISES: 2,
    EntryKind.COMPOUND: 3,
    EntryKind.POI: 4,
    EntryKind.STREET: 5,
    EntryKind.ADMIN: 6,
}
_HOUSENUMBER = re.compile(r"^(\d{1,4})([a-z]?)$")
_POSTCODE = re.compile(r"^\d{4}$")
_COUNTRY_PREFIXES = frozenset({"fl", "li", "ch", "a", "d", "at"})
_CJK_LATIN_BOUNDARY = re.compile(
    r"(?<=[\u3400-\u9fff])(?=[A-Za-z0-9À-ÿ])|(?<=[A-Za-z0-9À-ÿ])(?=[\u3400-\u9fff])"
)
_ZH_PLACE_SUFFIXES = ("市", "区", "县", "镇", "乡", "村")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A ranked answer to a query."""

    label: str
    """What the dispatcher reads: "Landstrasse 12, Schaan"."""
    kind: str
    """The :class:`~lanyan.dispatch.gazetteer.EntryKind` of the answer; ``"intersection"`` for
    two streets meeting, ``"street"`` when a house number fell back to its street."""
    lon: float
    lat: float
    score: float
    """0-100; 100 is an exact name (and house number, when one was given)."""
    matched: tuple[str, ...]
    """Which parts of the query matched: ``name``, ``street``, ``housenumber``, ``place``,
    ``postcode``, zh components (``road``, ``landmark``, ...)."""
    entry: Entry
    """The gazetteer entry (for an intersection: the first street)."""
    entry_id: int
    housenumber_found: bool | None = None
    """``None`` when the query had no house number."""
    note: str | None = None
    """Why the point is less precise than asked ("house number 12 not found ...")."""


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A Latin-script query taken apart."""

    text: str
    """The folded query without house number, postcode and place."""
    full_text: str
    """The folded query without house number and postcode (place kept)."""
    housenumber: str | None = None
    postcode: str | None = None
    places: tuple[int, ...] = ()
    """Entry ids of the place(s) named."""


@dataclass(slots=True)
class _Index:
    keys: list[str] = field(default_factory=list)
    entry_ids: list[list[int]] = field(default_factory=list)
    place_keys: dict[str, list[int]] = field(default_factory=dict)
    postcodes: dict[str, list[int]] = field(default_factory=dict)
    """Postcode → place entry ids (learned from addresses that carry one)."""
    in_place: dict[int, frozenset[int]] = field(default_factory=dict)
    """Place entry id → ids of the entries that lie in it (labelled with it or close by)."""
    labelled: dict[int, frozenset[int]] = field(default_factory=dict)
    """Place entry id → ids of the entries whose nearest settlement it is."""


def _build_index(gazetteer: Gazetteer) -> _Index:
    by_key: dict[str, list[int]] = defaultdict(list)
    place_keys: dict[str, list[int]] = defaultdict(list)
    unlinked = set(gazetteer.unlinked_addresses())
    postcode_places: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for entry_id, entry in enumerate(gazetteer.entries):
        if entry.postcode and entry.place:
            postcode_places[entry.postcode][entry.place] += 1
        if entry.kind == EntryKind.ADDRESS and entry_id not in unlinked:
            continue
        names = (entry.name, *entry.aliases)
        keys = {fold(n) for n in names} | {fold(n, plain_umlauts=True) for n in names}
        keys.discard("")
        for key in keys:
            by_key[key].append(entry_id)
            if entry.kind == EntryKind.PLACE:
                place_keys[key].append(entry_id)
    place_ids_by_name: dict[str, list[int]] = defaultdict(list)
    for entry_id, entry in enumerate(gazetteer.entries):
        if entry.kind == EntryKind.PLACE:
            place_ids_by_name[entry.name].append(entry_id)
    postcodes: dict[str, list[int]] = {}
    for code, counts in postcode_places.items():
        top = max(counts, key=lambda name: counts[name])
        if place_ids_by_name.get(top):
            postcodes[code] = place_ids_by_name[top]
    sorted_keys = sorted(by_key)
    return _Index(
        sorted_keys,
        [by_key[k] for k in sorted_keys],
        dict(place_keys),
        postcodes,
        *_place_membership(gazetteer),
    )


def _place_membership(
    gazetteer: Gazetteer,
) -> tuple[dict[int, frozenset[int]], dict[int, frozenset[int]]]:
    """Which entries lie in which place, computed once per index (numpy, ~20 ms)."""
    entries = gazetteer.entries
    if not entries:
        return {}, {}
    owner: list[int] = []
    coords: list[tuple[float, float]] = []
    for entry_id, entry in enumerate(entries):
        pts = entry.points[:: max(1, len(entry.points) // 20)] if entry.points else ()
        for lon, lat in (*pts, (entry.lon, entry.lat)):
            owner.append(entry_id)
            coords.append((lon, lat))
    owners = np.asarray(owner, dtype=np.int64)
    xy = np.asarray(coords, dtype=np.float64)
    folded_place = [fold(e.place) if e.place else "" for e in entries]
    membership: dict[int, frozenset[int]] = {}
    labelled: dict[int, frozenset[int]] = {}
    for place_id, place in enumerate(entries):
        if place.kind != EntryKind.PLACE:
            continue
        radius = PLACE_RADIUS_M.get(place.tag or "", 800.0)
        near = set(owners[points_distance_m(xy, place.lon, place.lat) <= radius].tolist())
        name = fold(place.name)
        same = frozenset(i for i, p in enumerate(folded_place) if p == name)
        labelled[place_id] = same
        membership[place_id] = frozenset(near | same)
    return membership, labelled


def parse_query(text: str, gazetteer: Gazetteer | None = None) -> ParsedQuery:
    """Take a Latin-script query apart into name, house number, postcode and place.

    Parameters
    ----------
    text
        The query as typed.
    gazetteer
        Known places and postcodes come from it; without one no place is recognised.

    Returns
    -------
    ParsedQuery

    Examples
    --------
    >>> parse_query("12a Landstr.").housenumber, parse_query("12a Landstr.").text
    ('12a', 'landstrasse')
    """
    index = _build_index(gazetteer) if gazetteer is not None else _Index()
    return _parse(text, index)


def _split_tokens(text: str) -> list[list[str]]:
    text = _CJK_LATIN_BOUNDARY.sub(" ", text)
    return [fold(part).split() for part in re.split(r"[,;，；、]", text)]


def _parse(text: str, index: _Index) -> ParsedQuery:
    segments = [seg for seg in _split_tokens(text) if seg]
    housenumber: str | None = None
    postcode: str | None = None
    cleaned: list[list[str]] = []
    for seg in segments:
        out: list[str] = []
        i = 0
        while i < len(seg):
            tok = seg[i]
            if _POSTCODE.match(tok) and (
                tok in index.postcodes
                or (
                    postcode is None
                    and (
                        housenumber is not None
                        or any(_HOUSENUMBER.match(t) for t in seg[i + 1 :])
                        or any(t in index.place_keys for t in seg[i + 1 : i + 3])
                    )
                )
            ):
                postcode = tok
                if out and out[-1] in _COUNTRY_PREFIXES:
                    out.pop()
            elif housenumber is None and (m := _HOUSENUMBER.match(tok)):
                housenumber = m.group(1) + m.group(2)
                nxt = seg[i + 1] if i + 1 < len(seg) else None
                if not m.group(2) and nxt is not None and len(nxt) == 1 and nxt.isalpha():
                    # "12 a" is house number 12a unless "a" begins the next word group
                    housenumber += nxt
                    i += 1
            else:
                out.append(tok)
            i += 1
        if out:
            cleaned.append(out)
    places: list[int] = []
    # A whole comma-separated part that is a place ("Vaduz, Äulestrasse 5").
    if len(cleaned) > 1:
        kept = []
        for seg in cleaned:
            key = _place_key(" ".join(seg), index)
            if key is not None and not places:
                places.extend(index.place_keys[key])
            else:
                kept.append(seg)
        cleaned = kept or cleaned
    tokens = [tok for seg in cleaned for tok in seg]
    full_text = " ".join(tokens)
    if not places and len(tokens) > 1:
        for size in (3, 2, 1):
            if len(tokens) <= size:
                continue
            for head in (True, False):
                chunk = tokens[:size] if head else tokens[-size:]
                key = _place_key(" ".join(chunk), index)
                if key is None:
                    continue
                rest = tokens[size:] if head else tokens[:-size]
                if len("".join(rest)) >= 3:
                    places.extend(index.place_keys[key])
                    tokens = rest
                    break
            if places:
                break
    if not places and postcode is not None and postcode in index.postcodes:
        places.extend(index.postcodes[postcode])
    return ParsedQuery(
        text=" ".join(tokens),
        full_text=full_text,
        housenumber=housenumber,
        postcode=postcode,
        places=tuple(dict.fromkeys(places)),
    )


def _place_key(text: str, index: _Index) -> str | None:
    if text in index.place_keys:
        return text
    for suffix in _ZH_PLACE_SUFFIXES:
        if text.endswith(suffix) and text[: -len(suffix)] in index.place_keys:
            return text[: -len(suffix)]
    if len(text) >= 5 and index.place_keys:
        best = process.extractOne(
            text, list(index.place_keys), scorer=fuzz.ratio, score_cutoff=88.0
        )
        if best is not None:
            return str(best[0])
    return None


class Geocoder:
    """Ranks gazetteer entries for a free-text address.

    The name index is built on first use and rebuilt after the gazetteer grows
    (:meth:`Gazetteer.add`), so premises added from the database are found at once.

    Parameters
    ----------
    gazetteer
        What can be found.
    """

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self._index = _Index()
        self._index_version = -1
        self._zh: ZhMatcher | None = None

    def prepare(self) -> Geocoder:
        """Build the name index now rather than in the first search (seconds with 50,000
        premises); returns the geocoder."""
        self._ensure_index()
        return self

    def _ensure_index(self) -> _Index:
        if self._index_version != self.gazetteer.version:
            self._index = _build_index(self.gazetteer)
            self._zh = ZhMatcher(self.gazetteer)
            self._index_version = self.gazetteer.version
        return self._index

    def search(
        self, text: str, *, limit: int = 5, near: tuple[float, float] | None = None
    ) -> list[Candidate]:
        """Find what a free-text address means.

        Parameters
        ----------
        text
            The address as typed: German or Chinese, any case, typos, abbreviations, house
            number before or after the street, place and postcode anywhere.
        limit
            At most this many candidates.
        near
            (lon, lat) the caller is probably near (the caller's cell, the last incident): up
            to 10 points are taken off per km of distance, to break ties between same-named
            streets.

        Returns
        -------
        list[Candidate]
            Best first; ``[]`` when nothing matches well enough.
        """
        index = self._ensure_index()
        if not text or not text.strip():
            return []
        best: dict[tuple[int, float, float], Candidate] = {}
        if has_cjk(text):
            assert self._zh is not None
            for match in self._zh.search(text, limit=limit * 3):
                self._keep(best, _from_zh(match))
            latin = re.sub(r"[\u3400-\u9fff]+", " ", text)
            if re.search(r"[A-Za-zÀ-ÿ]{3}", latin):
                for cand in self._search_latin(text, index):
                    self._keep(best, cand)
        else:
            for cand in self._search_latin(text, index):
                self._keep(best, cand)
        ranked = list(best.values())
        if near is not None:
            ranked = [_nearer(c, near) for c in ranked]
        ranked.sort(key=_rank_key)
        return ranked[:limit]

    @staticmethod
    def _keep(best: dict[tuple[int, float, float], Candidate], cand: Candidate) -> None:
        key = (cand.entry_id, round(cand.lon, 6), round(cand.lat, 6))
        old = best.get(key)
        if old is None or _rank_key(cand) < _rank_key(old):
            best[key] = cand

    def _search_latin(self, text: str, index: _Index) -> list[Candidate]:
        parsed = _parse(text, index)
        # (query, places, penalty): the place taken out, then the whole text read as a name
        # in case the "place" is part of it ("Am Schellenberg") - ranked a little lower.
        variants: list[tuple[str, tuple[int, ...], float]] = []
        with_place = bool(parsed.places) and len(parsed.text.replace(" ", "")) >= 3
        if with_place:
            variants.append((parsed.text, parsed.places, 0.0))
        if parsed.full_text and not (with_place and parsed.full_text == parsed.text):
            variants.append((parsed.full_text, (), WHOLE_TEXT_PENALTY if with_place else 0.0))
        out: list[Candidate] = []
        for query, places, penalty in variants:
            matches = fuzzy.extract(
                query,
                index.keys,
                scorer=fuzz.WRatio,
                limit=15,
                score_cutoff=NAME_SCORE_CUTOFF,
            )
            query_tokens = set(query.split())
            for key, raw_score, pos in matches:
                name_score = float(raw_score)
                if len(key) < 0.6 * len(query) and not set(key.split()) <= query_tokens:
                    # WRatio scores a short name found inside a long query at up to 90
                    # ("bergle" in "xylophonhalle quarzberg"); only whole words may do that.
                    name_score = min(name_score, float(fuzz.ratio(query, key)) + 10.0)
                    if name_score < NAME_SCORE_CUTOFF:
                        continue
                for entry_id in index.entry_ids[pos]:
                    out.extend(self._candidates(entry_id, name_score - penalty, parsed, places))
        return out

    def _candidates(
        self, entry_id: int, name_score: float, parsed: ParsedQuery, places: tuple[int, ...]
    ) -> Iterable[Candidate]:
        gaz = self.gazetteer
        entry = gaz.entries[entry_id]
        matched = ["name"]
        score = name_score
        place_ok = True
        if places:
            index = self._index
            place_ok = any(entry_id in index.in_place.get(p, ()) for p in places)
            if place_ok:
                matched.append("place")
                if not any(entry_id in index.labelled.get(p, ()) for p in places):
                    # Near the place but nearer another one ("Triesen" vs "Triesenberg").
                    score -= NEIGHBOUR_PLACE_PENALTY
            else:
                score -= OUTSIDE_PLACE_PENALTY
        if parsed.postcode and entry.postcode:
            if entry.postcode == parsed.postcode:
                matched.append("postcode")
            else:
                score -= 5.0
        hn = parsed.housenumber
        if hn is None:
            yield _candidate(entry, entry_id, score, matched, None, None)
            return
        if entry.kind == EntryKind.STREET:
            yield self._street_with_number(entry, entry_id, score, matched, hn)
            return
        if entry.housenumber and fold_housenumber(entry.housenumber) == hn:
            matched.append("housenumber")
            yield _candidate(entry, entry_id, score, matched, True, None)
        else:
            yield _candidate(
                entry,
                entry_id,
                score - NOT_ITS_NUMBER_PENALTY,
                matched,
                False,
                f"house number {hn} not part of {entry.name}",
            )

    def _street_with_number(
        self, street: Entry, street_id: int, score: float, matched: list[str], hn: str
    ) -> Candidate:
        gaz = self.gazetteer
        numbers = gaz.addresses_on(street_id)
        if hn in numbers:
            address_id = numbers[hn][0]
            return _candidate(
                gaz.entries[address_id],
                address_id,
                score,
                [*matched, "street", "housenumber"],
                True,
                None,
            )
        want = int(re.match(r"\d+", hn).group()) if re.match(r"\d+", hn) else None  # type: ignore[union-attr]
        nearest: tuple[tuple[int, int], str] | None = None
        if want is not None:
            for known in numbers:
                m = re.match(r"\d+", known)
                if m is None:
                    continue
                value = int(m.group())
                rank = (abs(value - want), (value - want) % 2)
                if nearest is None or rank < nearest[0]:
                    nearest = (rank, known)
        note = f"house number {hn} not found on {street.name}"
        if nearest is not None:
            anchor = gaz.entries[numbers[nearest[1]][0]]
            lon, lat = anchor.lon, anchor.lat
            note += f"; placed at number {anchor.housenumber}"
        else:
            lon, lat = street.lon, street.lat
            note += "; placed on the street"
        return Candidate(
            label=_label(street),
            kind=EntryKind.STREET,
            lon=lon,
            lat=lat,
            score=max(0.0, score - HOUSENUMBER_FALLBACK_PENALTY),
            matched=(*matched, "street"),
            entry=street,
            entry_id=street_id,
            housenumber_found=False,
            note=note,
        )


def _label(entry: Entry) -> str:
    if entry.place and entry.place != entry.name and entry.kind != EntryKind.ADMIN:
        return f"{entry.name}, {entry.place}"
    return entry.name


def _candidate(
    entry: Entry,
    entry_id: int,
    score: float,
    matched: Sequence[str],
    housenumber_found: bool | None,
    note: str | None,
) -> Candidate:
    return Candidate(
        label=_label(entry),
        kind=entry.kind,
        lon=entry.lon,
        lat=entry.lat,
        score=min(100.0, max(0.0, score)),
        matched=tuple(dict.fromkeys(matched)),
        entry=entry,
        entry_id=entry_id,
        housenumber_found=housenumber_found,
        note=note,
    )


def _from_zh(match: ZhMatch) -> Candidate:
    return Candidate(
        label=match.label,
        kind=match.kind,
        lon=match.lon,
        lat=match.lat,
        score=min(100.0, max(0.0, match.score)),
        matched=match.matched,
        entry=match.entry,
        entry_id=match.entry_id,
        housenumber_found=match.housenumber_found,
        note=match.note,
    )


def _nearer(cand: Candidate, near: tuple[float, float]) -> Candidate:
    km = distance_m(cand.lon, cand.lat, near[0], near[1]) / 1000.0
    penalty = min(NEAR_PENALTY_MAX, km * NEAR_PENALTY_PER_KM)
    return Candidate(
        label=cand.label,
        kind=cand.kind,
        lon=cand.lon,
        lat=cand.lat,
        score=max(0.0, cand.score - penalty),
        matched=cand.matched,
        entry=cand.entry,
        entry_id=cand.entry_id,
        housenumber_found=cand.housenumber_found,
        note=cand.note,
    )


def _rank_key(cand: Candidate) -> tuple[float, int, int, int]:
    order = _KIND_ORDER.get(cand.kind, 3)  # type: ignore[call-overload]
    # Among same-named streets with nothing else to tell them apart, the longer one is the
    # likelier meant (the main road rather than a spur of the same name).
    size = -len(cand.entry.points)
    return (-round(cand.score, 6), order, size, cand.entry_id)


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (tests and scripts compare candidates with it)."""
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


KIND_ZH: dict[str, str] = {
    "address": "门牌地址",
    "street": "街道/道路",
    "intersection": "路口",
    "place": "地名",
    "poi": "兴趣点",
    "premises": "单位/场所",
    "compound": "小区/院落",
    "admin": "行政区划",
    "organization": "消防站/队",
}
"""What the dispatcher reads for a candidate's kind."""

_NOTE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^house number (.+?) not found on (.+?); placed at number (.+)$"),
        "未找到门牌号 {0}（{1}），已定位到最近的 {2} 号",
    ),
    (
        re.compile(r"^house number (.+?) not found on (.+?); placed on the street$"),
        "未找到门牌号 {0}（{1}），已定位到该道路",
    ),
    (re.compile(r"^house number (.+?) not part of (.+)$"), "门牌号 {0} 不属于“{1}”，已定位到该处"),
    (re.compile(r"^(.+?号) not found; placed on the road$"), "未找到门牌 {0}，已定位到该道路"),
    (
        re.compile(r"^(.+?号) not found; placed between (.+?) and (.+)$"),
        "未找到门牌 {0}，已定位到 {1} 与 {2} 之间",
    ),
    (re.compile(r"^(.+?号) not found; placed at (.+)$"), "未找到门牌 {0}，已定位到 {1}"),
    (
        re.compile(r"^(.+?) and (.+?) are (\d+) m apart$"),
        "{0} 与 {1} 相距 {2} 米，路口位置仅供参考",
    ),
)


def note_zh(note: str | None) -> str | None:
    """A candidate's note ("house number 12 not found on ...") as the dispatcher reads it."""
    if not note:
        return None
    for pattern, text in _NOTE_RULES:
        m = pattern.match(note)
        if m:
            return text.format(*m.groups())
    return note
