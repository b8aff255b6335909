"""Geocoder on the real demo extract: folding, parsing, fallbacks and a 200-query noisy test set.

The gazetteer is built once for the module (about 1-2 s). The hit rate on
tests/data/geocode_osm_cases.csv (made by tests/dispatch/build_osm_cases.py) is printed; run
with ``-s`` to see it.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from lanyan.demo.names import PLACE_ZH
from lanyan.dispatch.gazetteer import (
    Entry,
    EntryKind,
    Gazetteer,
    build_from_osm,
    fold,
    fold_housenumber,
    load_osm_gazetteer,
)
from lanyan.dispatch.geocode import Candidate, Geocoder, haversine_m, parse_query

ROOT = Path(__file__).resolve().parents[2]
PBF = ROOT / "data" / "demo" / "liechtenstein.osm.pbf"
CASES = ROOT / "tests" / "data" / "geocode_osm_cases.csv"


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return build_from_osm(PBF, place_aliases=PLACE_ZH)


@pytest.fixture(scope="module")
def geocoder(gazetteer: Gazetteer) -> Geocoder:
    return Geocoder(gazetteer)


# ----------------------------------------------------------------------------- folding


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Äulestrasse", "aeulestrasse"),
        ("ÄULESTRASSE", "aeulestrasse"),
        ("Bangserstraße", "bangserstrasse"),
        ("Landstr. 12a", "landstrasse 12a"),
        ("Landstr 12a", "landstrasse 12a"),
        ("Benderer Str. 3", "benderer strasse 3"),
        ("St. Florinsgasse", "sankt florinsgasse"),
        ("Rathauspl.", "rathausplatz"),
        ("Pl. des Armes", "platz des armes"),
        ("Dominik Banzer-Strasse", "dominik banzer strasse"),
        ("Vaduz,  Äulestrasse 5", "vaduz aeulestrasse 5"),
        ("１２号 Café", "12号 cafe"),
        ("Hotel Löwen（宾馆）", "hotel loewen 宾馆"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_fold_plain_umlauts() -> None:
    assert fold("Äulestrasse", plain_umlauts=True) == "aulestrasse"


def test_fold_housenumber() -> None:
    assert (
        fold_housenumber("12 A") == fold_housenumber("12a") == fold_housenumber("１２Ａ") == "12a"
    )


@pytest.mark.parametrize(
    ("text", "name", "housenumber", "postcode", "place"),
    [
        ("Landstrasse 12a", "landstrasse", "12a", None, None),
        ("12 Landstrasse", "landstrasse", "12", None, None),
        ("Landstrasse 12 a", "landstrasse", "12a", None, None),
        ("Vaduz, Äulestrasse 5", "aeulestrasse", "5", None, "Vaduz"),
        ("Äulestrasse 5 9490 Vaduz", "aeulestrasse", "5", "9490", "Vaduz"),
        ("Äulestrasse 5, FL-9490 Vaduz", "aeulestrasse", "5", "9490", "Vaduz"),
        ("Schaan Landstr. 12", "landstrasse", "12", None, "Schaan"),
        ("Am Schellenberg", "am schellenberg", None, None, None),
    ],
)
def test_parse_query(
    gazetteer: Gazetteer,
    text: str,
    name: str,
    housenumber: str | None,
    postcode: str | None,
    place: str | None,
) -> None:
    parsed = parse_query(text, gazetteer)
    assert parsed.text == name
    assert parsed.housenumber == housenumber
    assert parsed.postcode == postcode
    places = {gazetteer.entries[i].name for i in parsed.places}
    assert places == ({place} if place else set())


# ----------------------------------------------------------------------------- gazetteer


def test_gazetteer_contents(gazetteer: Gazetteer) -> None:
    kinds = {k: sum(1 for e in gazetteer if e.kind == k) for k in EntryKind}
    assert kinds[EntryKind.ADDRESS] > 900
    assert kinds[EntryKind.STREET] > 800
    assert kinds[EntryKind.POI] > 300
    assert kinds[EntryKind.PLACE] >= 15
    vaduz = next(e for e in gazetteer if e.kind == EntryKind.PLACE and e.name == "Vaduz")
    assert "瓦杜兹" in vaduz.aliases
    # Same-named streets of different villages stay apart.
    landstrassen = [e for e in gazetteer if e.kind == EntryKind.STREET and e.name == "Landstrasse"]
    assert len({e.place for e in landstrassen}) >= 3


def test_build_time_and_cache(tmp_path: Path) -> None:
    start = time.perf_counter()
    built = load_osm_gazetteer(PBF, cache_dir=tmp_path)
    build_s = time.perf_counter() - start
    assert build_s < 10.0
    start = time.perf_counter()
    cached = load_osm_gazetteer(PBF, cache_dir=tmp_path)
    assert time.perf_counter() - start < build_s
    assert len(list(tmp_path.glob("gazetteer-*.json"))) == 1
    assert cached.entries == built.entries
    assert cached.addresses_on(0) == built.addresses_on(0)


def test_add_entries_are_found_at_once(gazetteer: Gazetteer) -> None:
    local = Gazetteer(gazetteer.entries)
    geocoder = Geocoder(local)
    assert not geocoder.search("Xylophonhalle Quarzberg")
    (station_id,) = local.add(
        [
            Entry(
                "瓦杜兹消防救援站",
                EntryKind.PREMISES,
                9.5215,
                47.1410,
                source="db",
                ref_id="org:17",
                aliases=("Xylophonhalle Quarzberg",),
            )
        ]
    )
    top = geocoder.search("Xylophonhalle Quarzberg")[0]
    assert top.entry_id == station_id
    assert geocoder.search("瓦杜兹消防救援站")[0].entry_id == station_id


# ----------------------------------------------------------------------------- search


def _top(geocoder: Geocoder, text: str) -> Candidate:
    result = geocoder.search(text)
    assert result, text
    return result[0]


def test_exact_address(geocoder: Geocoder) -> None:
    top = _top(geocoder, "Städtle 43, 9490 Vaduz")
    assert top.kind == EntryKind.ADDRESS
    assert top.entry.housenumber == "43"
    assert top.housenumber_found is True
    assert top.score == 100.0
    assert {"street", "housenumber", "place"} <= set(top.matched)


def test_number_first_abbreviated_typo(geocoder: Geocoder) -> None:
    expected = _top(geocoder, "Heiligkreuz 25 Vaduz")
    for text in ("25 Heiligkreuz", "heilgkreuz 25", "Vaduz, 25 Heiligkreutz"):
        top = _top(geocoder, text)
        assert (top.lon, top.lat) == (expected.lon, expected.lat), text


def test_unknown_housenumber_falls_back_to_street(geocoder: Geocoder) -> None:
    top = _top(geocoder, "Städtle 999 Vaduz")
    assert top.kind == EntryKind.STREET
    assert top.housenumber_found is False
    assert top.note is not None
    assert "999" in top.note
    assert top.score < 100.0


def test_housenumber_prefers_the_street_that_has_it(geocoder: Geocoder) -> None:
    # Several villages have a Landstrasse; only the right one has the number.
    top = _top(geocoder, "Landstrasse 12, Triesen")
    assert top.housenumber_found is True or top.kind == EntryKind.STREET


def test_umlauts_either_way(geocoder: Geocoder) -> None:
    a = _top(geocoder, "Äulestrasse, Vaduz")
    assert _top(geocoder, "Aeulestrasse Vaduz").entry_id == a.entry_id
    assert _top(geocoder, "aulestrasse vaduz").entry_id == a.entry_id


def test_place_and_poi(geocoder: Geocoder) -> None:
    assert _top(geocoder, "Schaan").kind == EntryKind.PLACE
    assert _top(geocoder, "schan").entry.name == "Schaan"
    assert "Landesspital" in _top(geocoder, "Landesspital").entry.name


def test_chinese_place_alias_with_german_street(geocoder: Geocoder) -> None:
    top = _top(geocoder, "瓦杜兹 Äulestrasse")
    assert top.entry.name == "Äulestrasse"
    assert top.entry.place == "Vaduz"


def test_near_breaks_ties(geocoder: Geocoder, gazetteer: Gazetteer) -> None:
    streets = [e for e in gazetteer if e.kind == EntryKind.STREET and e.name == "Landstrasse"]
    for street in streets:
        top = geocoder.search("Landstrasse", near=(street.lon, street.lat))[0]
        assert (top.lon, top.lat) == (street.lon, street.lat)


@pytest.mark.parametrize("text", ["", "   ", "xqzwv kjjj", "qqqqqqqq 12", "!!!", "zzz"])
def test_gibberish_returns_nothing(geocoder: Geocoder, text: str) -> None:
    assert geocoder.search(text) == []


def test_limit(geocoder: Geocoder) -> None:
    assert len(geocoder.search("Landstrasse", limit=2)) == 2


# ----------------------------------------------------------------------------- test set


def _hit(cand: Candidate, row: dict[str, str]) -> bool:
    lon, lat, tol = (
        float(row["expected_lon"]),
        float(row["expected_lat"]),
        float(row["tolerance_m"]),
    )
    if haversine_m(cand.lon, cand.lat, lon, lat) <= tol:
        return True
    if row["expected_kind"] == "street" and cand.entry.points:
        same = fold(cand.entry.name) == fold(row["expected_name"])
        return same and any(haversine_m(x, y, lon, lat) <= tol for x, y in cand.entry.points)
    return False


def test_osm_cases_hit_rate(geocoder: Geocoder) -> None:
    with CASES.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 200
    misses = []
    timings = []
    for row in rows:
        start = time.perf_counter()
        result = geocoder.search(row["query"], limit=3)
        timings.append(time.perf_counter() - start)
        if not (result and _hit(result[0], row)):
            misses.append((row["query"], row["expected_name"], result[0].label if result else None))
    rate = 1 - len(misses) / len(rows)
    timings.sort()
    print(
        f"\nOSM geocode cases: top-1 hit rate {rate:.1%} ({len(rows) - len(misses)}/{len(rows)}); "
        f"p50 {timings[len(timings) // 2] * 1000:.1f} ms, p99 {timings[-2] * 1000:.1f} ms"
    )
    for miss in misses:
        print("  miss:", miss)
    assert rate >= 0.90
