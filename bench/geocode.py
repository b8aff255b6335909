"""Benchmark of Chinese address understanding and geocoding (issue 13, acceptance 3).

Figures, all in one run on the demo gazetteer (the OSM extract of Liechtenstein with the demo's
Chinese names: ``lanyan.demo.names.PLACE_ZH`` and src/lanyan/dispatch/data/liechtenstein_zh.csv):

- ``parse_p99_ms``: :func:`parse_zh_address` over every address of the annotated corpus
  (tests/data/address_zh_corpus.jsonl), each address's best of three interleaved passes (the
  raw p99 over every call is printed too: on the shared 2-core machine it measures the
  scheduler); the baseline is the first parser
  (``lanyan.dispatch._address_zh_v1``) over the same texts in the same run;
- ``geocode_p99_ms``: :meth:`Geocoder.search` over a mix of Chinese corpus addresses, the
  demo's Chinese caller forms and the Latin-script OSM test queries (tests/data/
  geocode_osm_cases.csv), once the index is built;
- ``corpus_component_accuracy``: the scorer's overall figure on the corpus (and per component),
  with the first parser's accuracy on the same corpus as its baseline (its components renamed to
  the guide's names where they correspond).

Usage::

    .venv/bin/python bench/geocode.py

The last line of output is one JSON object with every figure.
"""

from __future__ import annotations

import csv
import json
import time
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from lanyan.demo.names import PLACE_ZH
from lanyan.dispatch._address_zh_v1 import parse_zh_address as parse_v1
from lanyan.dispatch.address_eval import load_corpus, score
from lanyan.dispatch.address_zh import COMPONENTS, parse_zh_address
from lanyan.dispatch.aliases import read_alias_table
from lanyan.dispatch.gazetteer import build_from_osm
from lanyan.dispatch.geocode import Geocoder

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "address_zh_corpus.jsonl"
PBF = ROOT / "data" / "demo" / "liechtenstein.osm.pbf"
OSM_CASES = ROOT / "tests" / "data" / "geocode_osm_cases.csv"
DEMO_ZH = ("沙恩镇兰德大街12号", "瓦杜兹医院门口", "瓦杜兹消防救援站附近", "瓦杜兹 Äulestrasse 5",
           "特里森小学门口", "沙恩加油站对面", "瓦杜兹奥伊勒路5号", "特里森消防站")  # fmt: skip

# the first parser's names → the guide's (numbers there are digits only, so they rarely agree)
_V1_NAMES = {"province": "prov", "village": "community", "landmark": "poi", "compound": "poi",
             "relation": "assist", "number": "roadno", "lane": "roadno", "building": "houseno",
             "unit": "cellno", "floor": "floorno", "room": "roomno"}  # fmt: skip


def _v1_components(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in parse_v1(text).as_dict().items():
        if key == "intersection" and isinstance(value, list):
            out["road"], out["subroad"] = value
            continue
        name = _V1_NAMES.get(key, key)
        if name in COMPONENTS and name not in out:
            out[name] = value
    return out


def _p(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values) * 1000.0, q))


def _timed(fn: Any, items: list[str], passes: int) -> list[float]:
    """Each item's best time over ``passes`` interleaved passes.

    The 2-core machine is shared: a 0.05 ms call that the scheduler pauses reads as 5 ms. The
    best of three per item keeps what the code costs and drops the pauses (bench/routing.py does
    the same); the raw p99 is printed beside it.
    """
    best = [float("inf")] * len(items)
    raw = []
    for _ in range(passes):
        for i, item in enumerate(items):
            t0 = time.perf_counter()
            fn(item)
            elapsed = time.perf_counter() - t0
            raw.append(elapsed)
            best[i] = min(best[i], elapsed)
    print(f"  ({fn.__name__ if hasattr(fn, '__name__') else 'call'}: raw p99 over every call "
          f"{_p(raw, 99):.3f} ms)")  # fmt: skip
    return best


def main() -> None:
    rows = load_corpus(CORPUS)
    texts = [str(r["text"]) for r in rows]
    parse_zh_address("预热")  # the division table loads once per process
    parse_v1("预热")
    new_t = _timed(parse_zh_address, texts, 3)
    old_t = _timed(parse_v1, texts, 3)
    print(f"parse ({len(texts)} addresses, best of 3 each): p50 {_p(new_t, 50):.3f} ms, p99 "
          f"{_p(new_t, 99):.3f} ms; first parser p99 {_p(old_t, 99):.3f} ms")  # fmt: skip

    result = score(rows)
    baseline = score(rows, parse=_v1_components)
    print(result.table())
    print(f"first parser on the same corpus: {baseline.accuracy():.1%} of components right")

    t0 = time.perf_counter()
    aliases: dict[str, tuple[str, ...]] = {k: (v,) for k, v in PLACE_ZH.items()}
    shipped = resources.files("lanyan.dispatch") / "data" / "liechtenstein_zh.csv"
    for name, alias in read_alias_table(shipped.name, shipped.read_bytes()):
        aliases[name] = (*aliases.get(name, ()), alias)
    gazetteer = build_from_osm(PBF, place_aliases=aliases)
    geocoder = Geocoder(gazetteer)
    geocoder.search("Vaduz")
    geocoder.search("瓦杜兹")
    build_s = time.perf_counter() - t0
    with OSM_CASES.open(encoding="utf-8") as fh:
        latin = [r["query"] for r in csv.DictReader(fh)]
    queries = texts[::3] + list(DEMO_ZH) * 10 + latin
    geo_t = _timed(lambda q: geocoder.search(q, limit=5), queries, 3)
    print(f"geocode ({len(queries)} queries, best of 3 each, {len(gazetteer.entries)} entries, "
          f"index built in "
          f"{build_s:.2f} s): p50 {_p(geo_t, 50):.2f} ms, p99 {_p(geo_t, 99):.2f} ms, "
          f"max {max(geo_t) * 1000:.1f} ms")  # fmt: skip
    n_zh = len(queries) - len(latin)
    zh_p99, latin_p99 = _p(geo_t[:n_zh], 99), _p(geo_t[n_zh:], 99)
    print(f"  Chinese queries p99 {zh_p99:.2f} ms; Latin-script OSM queries (the path issue 13 "
          f"did not change, the baseline) p99 {latin_p99:.2f} ms")  # fmt: skip
    figures = {
        "parse_p99_ms": round(_p(new_t, 99), 3),
        "parse_p50_ms": round(_p(new_t, 50), 3),
        "parse_p99_ms_first_parser": round(_p(old_t, 99), 3),
        "geocode_p99_ms": round(_p(geo_t, 99), 2),
        "geocode_p50_ms": round(_p(geo_t, 50), 2),
        "geocode_p99_ms_chinese": round(zh_p99, 2),
        "geocode_p99_ms_latin_baseline": round(latin_p99, 2),
        "corpus_addresses": len(rows),
        "corpus_component_accuracy": round(result.accuracy(), 4),
        "corpus_component_accuracy_first_parser": round(baseline.accuracy(), 4),
        "corpus_whole_address_right": round(result.whole_right / result.addresses, 4),
        "per_component": {c: round(result.accuracy(c), 4) for c in COMPONENTS if result.seen[c]},
    }
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
