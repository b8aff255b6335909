"""Build tests/data/geocode_osm_cases.csv: 200 noisy queries drawn from the real demo extract.

Run from the repository root (deterministic for a given extract and seed)::

    .venv/bin/python tests/dispatch/build_osm_cases.py [--seed 4] [--n 200]

It reads the OSM file with pyosmium directly, not through the gazetteer under test, so a bug in
the gazetteer cannot hide in its own test set. It draws addresses (street + house number),
streets, villages and named POIs, writes each as a dispatcher might type it and adds noise: one
typo (substitution, deletion or transposition, never in the first letter), a dropped house
number, ``strasse`` → ``str.``, lower case, umlauts spelled out (``ae``) or dropped (``a``), the
village added or dropped, the number written first.

A street or address whose name exists in more than one village always keeps its village: without
it the query is ambiguous for any geocoder (a dispatcher asks "which village?").

Columns: ``query, expected_lon, expected_lat, expected_name, tolerance_m, expected_kind, noise``.
For ``expected_kind == "street"`` the expected point is one node of the street and a hit is a
candidate on a street of that name passing within ``tolerance_m`` of it.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
from collections import defaultdict
from pathlib import Path

import osmium

ROOT = Path(__file__).resolve().parents[2]
PBF = ROOT / "data" / "demo" / "liechtenstein.osm.pbf"
OUT = ROOT / "tests" / "data" / "geocode_osm_cases.csv"
VILLAGE_KINDS = {"town", "village"}
POI_KEYS = ("amenity", "shop", "tourism", "office", "leisure", "building")
ALPHABET = "abcdefghiklmnoprstuw"


def _dist_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    kx = 111_320.0 * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot((lon2 - lon1) * kx, (lat2 - lat1) * 110_574.0)


def read(path: Path) -> dict[str, list[tuple[str, ...]]]:
    villages: list[tuple[str, float, float]] = []
    addresses: list[tuple[str, str, float, float]] = []
    streets: dict[str, list[tuple[float, float]]] = defaultdict(list)
    pois: list[tuple[str, float, float]] = []
    for obj in osmium.FileProcessor(str(path)).with_locations():
        tags = {t.k: t.v for t in obj.tags}
        if not tags:
            continue
        if isinstance(obj, osmium.osm.Node):
            lon, lat = obj.location.lon, obj.location.lat
            if tags.get("place") in VILLAGE_KINDS and "name" in tags:
                villages.append((tags["name"], lon, lat))
        elif isinstance(obj, osmium.osm.Way):
            coords = [(n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()]
            if not coords:
                continue
            if "highway" in tags:
                if "name" in tags:
                    streets[tags["name"]].extend(coords)
                continue
            if not (len(coords) >= 4 and coords[0] == coords[-1]):
                continue
            lon = sum(c[0] for c in coords[:-1]) / (len(coords) - 1)
            lat = sum(c[1] for c in coords[:-1]) / (len(coords) - 1)
        else:
            continue
        if "addr:street" in tags and "addr:housenumber" in tags:
            addresses.append((tags["addr:street"], tags["addr:housenumber"], lon, lat))
        if "name" in tags and any(k in tags for k in POI_KEYS):
            pois.append((tags["name"], lon, lat))

    def village_of(lon: float, lat: float) -> str:
        return min(villages, key=lambda v: _dist_m(lon, lat, v[1], v[2]))[0]

    street_villages: dict[str, set[str]] = defaultdict(set)
    street_rows = []
    for name, pts in sorted(streets.items()):
        for lon, lat in pts[:: max(1, len(pts) // 6)]:
            street_villages[name].add(village_of(lon, lat))
        mid = pts[len(pts) // 2]
        street_rows.append((name, f"{mid[0]:.7f}", f"{mid[1]:.7f}", village_of(*mid)))
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for street, hn, _lon, _lat in addresses:
        pairs[(street, hn)] += 1
    address_rows = [
        (street, hn, f"{lon:.7f}", f"{lat:.7f}", village_of(lon, lat))
        for street, hn, lon, lat in sorted(addresses)
        if pairs[(street, hn)] == 1
    ]
    names_count: dict[str, int] = defaultdict(int)
    for name, _lon, _lat in pois:
        names_count[name] += 1
    poi_rows = [
        (name, f"{lon:.7f}", f"{lat:.7f}", village_of(lon, lat))
        for name, lon, lat in sorted(pois)
        if names_count[name] == 1 and len(name) >= 4
    ]
    village_rows = [(n, f"{lon:.7f}", f"{lat:.7f}", n) for n, lon, lat in sorted(villages)]
    ambiguous = {name for name, vs in street_villages.items() if len(vs) > 1}
    return {
        "addresses": address_rows,
        "streets": street_rows,
        "pois": poi_rows,
        "villages": village_rows,
        "ambiguous": [(n,) for n in sorted(ambiguous)],
    }


def typo(rng: random.Random, text: str) -> str:
    """One substitution, deletion or transposition inside the longest word (not its 1st letter)."""
    words = text.split(" ")
    i = max(range(len(words)), key=lambda k: len(words[k]))
    word = words[i]
    if len(word) < 6:
        return text
    pos = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("sub", "del", "swap"))
    if kind == "sub":
        word = (
            word[:pos]
            + rng.choice([c for c in ALPHABET if c != word[pos].lower()])
            + word[pos + 1 :]
        )
    elif kind == "del":
        word = word[:pos] + word[pos + 1 :]
    else:
        word = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
    words[i] = word
    return " ".join(words)


def umlauts(rng: random.Random, text: str) -> tuple[str, str]:
    if not any(c in text for c in "äöüÄÖÜ"):
        return text, ""
    if rng.random() < 0.5:
        table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
        return text.translate(table), "umlaut_spelled"
    table = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "Ä": "A", "Ö": "O", "Ü": "U"})
    return text.translate(table), "umlaut_dropped"


def abbreviate(text: str) -> tuple[str, str]:
    for long, short in (("strasse", "str."), ("Strasse", "Str."), ("straße", "str.")):
        if long in text:
            return text.replace(long, short), "abbreviation"
    return text, ""


def build(seed: int, n: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    data = read(PBF)
    ambiguous = {row[0] for row in data["ambiguous"]}
    quota = {"addresses": n * 45 // 100, "streets": n * 25 // 100, "pois": n * 20 // 100}
    quota["villages"] = n - sum(quota.values())
    rows: list[dict[str, str]] = []
    for group, count in quota.items():
        pool = list(data[group])
        picked = rng.sample(pool, min(count, len(pool)))
        if len(picked) < count:  # few villages: draw again with other noise
            picked += [rng.choice(pool) for _ in range(count - len(picked))]
        for row in picked:
            rows.append(_noisy(rng, group, row, ambiguous))
    return rows


def _noisy(
    rng: random.Random, group: str, row: tuple[str, ...], ambiguous: set[str]
) -> dict[str, str]:
    noise: list[str] = []
    if group == "addresses":
        street, hn, lon, lat, village = row
        name, kind, tol = f"{street} {hn}", "address", 150
    else:
        street, lon, lat, village = row
        hn, name = "", street
        kind = {"streets": "street", "pois": "poi", "villages": "place"}[group]
        tol = 500 if kind == "place" else 150
    text = street
    if rng.random() < 0.5:
        text = typo(rng, text)
        if text != street:
            noise.append("typo")
    if rng.random() < 0.5:
        text, tag = umlauts(rng, text)
        if tag:
            noise.append(tag)
    if group in ("addresses", "streets") and rng.random() < 0.4:
        text, tag = abbreviate(text)
        if tag:
            noise.append(tag)
    number_first = False
    if group == "addresses":
        if rng.random() < 0.15:
            hn = ""
            kind, name = "street", street
            noise.append("no_housenumber")
        elif rng.random() < 0.2:
            number_first = True
            noise.append("number_first")
    query = f"{hn} {text}" if number_first else f"{text} {hn}".strip()
    must_place = street in ambiguous and group in ("addresses", "streets")
    if group != "villages" and (must_place or rng.random() < 0.35):
        style = rng.choice(("suffix", "prefix_comma", "suffix_comma"))
        query = {
            "suffix": f"{query} {village}",
            "prefix_comma": f"{village}, {query}",
            "suffix_comma": f"{query}, {village}",
        }[style]
        noise.append("village_added")
    elif group != "villages":
        noise.append("village_dropped")
    if rng.random() < 0.3:
        query = query.lower()
        noise.append("lower_case")
    return {
        "query": query,
        "expected_lon": lon,
        "expected_lat": lat,
        "expected_name": name,
        "tolerance_m": str(tol),
        "expected_kind": kind,
        "noise": "+".join(noise),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    rows = build(args.seed, args.n)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} cases to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
