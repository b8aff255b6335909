"""fuzzy.extract answers as rapidfuzz's process.extract, without holding the interpreter lock."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from rapidfuzz import fuzz, process

from lanyan.core.config import Settings
from lanyan.demo.names import PLACE_ZH
from lanyan.dispatch import fuzzy
from lanyan.dispatch.gazetteer import Gazetteer, fold, load_osm_gazetteer

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def gazetteer(tmp_path_factory: pytest.TempPathFactory) -> Gazetteer:
    """The demo extract's gazetteer (real OSM names)."""
    cache = tmp_path_factory.mktemp("gazetteer")
    return load_osm_gazetteer(Settings().demo_osm_file, cache_dir=cache, place_aliases=PLACE_ZH)


def _queries() -> list[str]:
    queries = []
    for name in ("geocode_osm_cases.csv", "geocode_zh_cases.csv"):
        with (DATA / name).open(encoding="utf-8") as f:
            queries += [fold(row["query"]) for row in csv.DictReader(f)]
    return queries


@pytest.mark.parametrize(
    ("scorer", "limit", "cutoff"), [(fuzz.WRatio, 15, 60.0), (fuzz.ratio, 5, 80.0)]
)
def test_the_same_matches_in_the_same_order_as_process_extract(
    gazetteer: Gazetteer, scorer: object, limit: int, cutoff: float
) -> None:
    names = sorted(
        {fold(e.name) for e in gazetteer} | {fold(a) for e in gazetteer for a in e.aliases}
    )
    names += names[:50]  # the same name twice: ties go to the earlier one, as extract's do
    found_any = 0
    for query in _queries():
        expected = process.extract(query, names, scorer=scorer, limit=limit, score_cutoff=cutoff)
        got = fuzzy.extract(query, names, scorer=scorer, limit=limit, score_cutoff=cutoff)
        assert [(k, pytest.approx(s), i) for k, s, i in expected] == got, query
        found_any += bool(got)
    assert found_any > 100


def test_no_names_no_matches() -> None:
    assert fuzzy.extract("vaduz", [], scorer=fuzz.WRatio, limit=5, score_cutoff=60) == []
