"""Chinese callers in the demo city: the shipped Chinese names of its streets and landmarks.

The demo loads ``lanyan.demo.names.PLACE_ZH`` (villages) and
``src/lanyan/dispatch/data/liechtenstein_zh.csv`` (streets, landmarks) into ``place_alias``;
here the gazetteer is built from the real extract with the same aliases.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from lanyan.demo.names import PLACE_ZH
from lanyan.dispatch.aliases import read_alias_table
from lanyan.dispatch.gazetteer import Gazetteer, build_from_osm
from lanyan.dispatch.geocode import Geocoder, haversine_m

PBF = Path(__file__).resolve().parents[2] / "data" / "demo" / "liechtenstein.osm.pbf"


def demo_aliases() -> dict[str, tuple[str, ...]]:
    """PLACE_ZH and the shipped street/landmark names, as the demo's place_alias rows hold them."""
    out = {name: (alias,) for name, alias in PLACE_ZH.items()}
    shipped = resources.files("lanyan.dispatch") / "data" / "liechtenstein_zh.csv"
    for name, alias in read_alias_table(shipped.name, shipped.read_bytes()):
        out[name] = (*out.get(name, ()), alias)
    return out


@pytest.fixture(scope="module")
def geocoder() -> Geocoder:
    return Geocoder(build_from_osm(PBF, place_aliases=demo_aliases()))


def test_alias_file_names_real_streets_and_landmarks() -> None:
    gazetteer: Gazetteer = build_from_osm(PBF, place_aliases=demo_aliases())
    named = {
        e.name
        for e in gazetteer.entries
        if any("\u4e00" <= c <= "\u9fff" for a in e.aliases for c in a)
    }
    shipped = resources.files("lanyan.dispatch") / "data" / "liechtenstein_zh.csv"
    pairs = read_alias_table(shipped.name, shipped.read_bytes())
    assert len(pairs) >= 100
    missing = [n for n, _alias in pairs if n not in named]
    assert not missing, missing


def test_street_and_number_in_a_village(geocoder: Geocoder) -> None:
    top = geocoder.search("沙恩镇兰德大街12号")[0]
    assert top.entry.name == "Landstrasse"
    assert top.entry.place == "Schaan"
    assert {"road", "town"} <= set(top.matched)
    # no 12 on that Landstrasse: placed between its known numbers, and it says so
    assert top.housenumber_found is False
    assert top.note is not None
    assert "between" in top.note


def test_the_village_decides_between_same_named_streets(geocoder: Geocoder) -> None:
    top = geocoder.search("瓦杜兹奥伊勒路5号")[0]
    assert top.entry.name == "Äulestrasse"
    assert top.entry.place == "Vaduz"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("瓦杜兹医院门口", "Liechtensteinisches Landesspital"),
        ("沙恩加油站对面", "Migroll"),
        ("特里森消防站", "Freiwillige Feuerwehr Triesen"),
        ("瓦杜兹市政厅", "Rathaus Vaduz"),
        ("特里森贝格小学门口", "Primarschule Triesenberg"),
    ],
)
def test_landmarks_by_place_and_kind(geocoder: Geocoder, text: str, name: str) -> None:
    top = geocoder.search(text)[0]
    assert top.entry.name == name
    assert "poi" in top.matched


def test_number_between_known_numbers_is_interpolated(geocoder: Geocoder) -> None:
    near = geocoder.search("沙恩镇兰德大街12号")[0]
    gaz = geocoder.gazetteer
    numbered = {
        e.housenumber: e
        for e in gaz.entries
        if e.street == "Landstrasse" and e.place == "Schaan" and e.kind == "address"
    }
    a, b = numbered["8"], numbered["26"]
    # between 8 and 26 (a fifth of the way from 8), not on either of them
    assert (
        1.0
        < haversine_m(near.lon, near.lat, a.lon, a.lat)
        < haversine_m(a.lon, a.lat, b.lon, b.lat)
    )
