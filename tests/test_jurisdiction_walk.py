"""Every route × every role: a user of another brigade never sees or changes the first brigade.

Acceptance 1 of issue 11. The walk reads the OpenAPI document, so a new route is walked (or
fails here until this file says how to fill it) without anyone remembering to add it. Users of
all seven roles sit at the second brigade's station (tests/factories.py ``build_walk_world``);
the first brigade has a record behind every id a route takes, each carrying marker strings.

- Every GET is called with path and query ids of the first brigade (a record by id answers 403,
  404 or 422) and with the second brigade's own (the answers that show a record also show its
  neighbours: duplicates, caller history, water sources, members...). No answer may contain a
  marker.
- Every write whose path names a record is sent with a first-brigade id and a body that passes
  validation: it must answer 403, 404 or 422 (never 2xx). Writes that name records only in
  their body get the first brigade's ids there. Writes that can name no record are listed in
  ``NO_RECORD_WRITES`` with the reason; a route the walker cannot fill fails the test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.permissions import Role, Screen, may_open
from tests.factories import WalkWorld, build_walk_world

WRITE_METHODS = ("post", "put", "patch", "delete")

ID_ALIASES = {"organization_id": "org_id", "task_id": "task_id"}
"""Body and query fields that name a record under another name than its path parameter."""

LIST_IDS = {"photo_ids": "upload_id", "evidence_ids": "upload_id", "unit_ids": "unit_id"}
"""Body fields holding a list of record ids."""

NOT_RECORDS = {
    "rule_id": "response plan rules (等级调派) are detachment-wide configuration, no brigade's",
    "kind": "document templates (监督执法文书) are the detachment's configuration, no brigade's",
    "key": "campaign topics are the detachment's catalogue (administrators), no brigade's",
    "code": "campaign measures are the detachment's catalogue (administrators), no brigade's",
}
"""Path parameters that name no record of a brigade: the route is not walked with them."""

ENUM_PATH_PARAMS = {"entity"}
"""Path parameters that take every value of their enum (the exchange's entity)."""

NO_RECORD_WRITES = {
    ("post", "/api/auth/login"): "opens a session for a user name and password; names no record",
    ("post", "/api/auth/logout"): "ends the walker's own session (it would end the walk)",
    ("post", "/api/uploads"): "stores a photo for the uploader's own organization",
    ("post", "/api/hazards/deadlines"): "escalates overdue hazards in the caller's jurisdiction",
    ("post", "/api/prevention/patrol-tasks/generate"): "generates tasks in the caller's own "
    "jurisdiction (checked by tests/prevention)",
    ("post", "/api/dispatch/plans"): "response plans are detachment-wide configuration",
    ("put", "/api/enforcement/templates/{kind}"): "document templates (监督执法文书) are the "
    "detachment's configuration, edited by administrators",
    ("put", "/api/prevention/campaign-catalogue/topics/{key}"): "campaign topics are the "
    "detachment's catalogue, edited by administrators only",
    ("put", "/api/prevention/campaign-catalogue/measures/{code}"): "campaign measures are the "
    "detachment's catalogue, edited by administrators only",
    ("post", "/api/iot/push"): "a vendor's signed device messages (HMAC, no login); the device "
    "names its premises (checked by tests/iot)",
    ("post", "/api/iot/duty/decision"): "acts on the one alarm its signed link names, no login "
    "(checked by tests/iot)",
    # issue 18 (risk)
    ("post", "/api/risk/score"): "rescores what changed; every row it writes keeps its own "
    "organization (checked by tests/risk)",
}
"""Writes that can name no record of another brigade, and why."""

SPECIAL_WRITES = {
    ("post", "/api/exchange/{entity}/import"): "sent below as a file updating the first "
    "brigade's record by its external id",
    ("post", "/api/duty/people/import"): "a roster sheet; one placing a person under another "
    "brigade's station is refused (tests/duty/test_duty_api.py, roster import)",
}
"""Writes the generic walker cannot fill, walked by their own code in this file."""

PLACE_NAMES = {
    "/api/dispatch/geocode": frozenset({"a商场", "a站", "a大队"}),
}
"""Names an answer may show although they belong to the first brigade, and why: the geocoder
answers a caller's words with every place of the city (a 119 call may name a building across
the brigade line), premises and stations among them — name, kind and position, no record."""

OWN_NOT_SHOWN = {
    "/api/uploads/{upload_id}": "the walk's upload row has no file behind it (422)",
}
"""Reads by id that answer no walker with the second brigade's own record, and why (every other
one does, so the walk also sees the neighbours an answer carries)."""

QUERY_OVERRIDES: dict[str, dict[str, Any]] = {
    "/api/events": {"max_seconds": 0.1},
    "/api/planning/isochrones/{org_id}": {"minutes": [1]},
    "/api/exchange/{entity}/export": {"format": "csv"},
}
"""Query values that keep the walk fast (the live stream is opened for a moment: nothing is
written during the walk; one small isochrone) or make the answer searchable (CSV, not XLSX)."""


def _today() -> date:
    return date.today()


def _required_query(name: str, schema: dict[str, Any], ids: dict[str, int]) -> Any:
    """A value for a required query parameter that is not a record id."""
    fixed = {
        "from": (_today() - timedelta(days=365)).isoformat(),
        "to": _today().isoformat(),
        "q": "商场",
        "key": "incidents.total",
    }
    if name in fixed:
        return fixed[name]
    return _value(schema, name, ids, {})


class Walker:
    """Fills parameters and bodies from the OpenAPI document with one side's ids."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            schema = self.doc["components"]["schemas"][name]
        return schema

    def body(self, schema: dict[str, Any], ids: dict[str, int]) -> Any:
        return _value(self.resolve(schema), "", ids, self.doc)


def _record_id(name: str, ids: dict[str, int]) -> int | None:
    key = ID_ALIASES.get(name, name)
    return ids.get(key)


def _value(schema: dict[str, Any], name: str, ids: dict[str, int], doc: dict[str, Any]) -> Any:
    """A value of ``schema`` that validates: ids of the side given, else the smallest valid."""
    if "$ref" in schema:
        ref = schema["$ref"].rsplit("/", 1)[1]
        return _value(doc["components"]["schemas"][ref], name, ids, doc)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"]
            return _value(options[0], name, ids, doc)
    if name in LIST_IDS and LIST_IDS[name] in ids:
        return [ids[LIST_IDS[name]]]
    record = _record_id(name, ids)
    if record is not None and schema.get("type") == "integer":
        return record
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        out = {}
        for prop, sub in props.items():
            names_record = prop in LIST_IDS or _record_id(prop, ids) is not None
            if prop in required or names_record:
                out[prop] = _value(sub, prop, ids, doc)
        return out
    if kind == "array":
        n = max(1, int(schema.get("minItems", 1)))
        return [_value(schema.get("items", {}), name, ids, doc) for _ in range(n)]
    if kind == "integer":
        return int(schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1))
    if kind == "number":
        if "minimum" in schema and "maximum" in schema:
            return (schema["minimum"] + schema["maximum"]) / 2
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date":
            return _today().isoformat()
        if fmt == "date-time":
            return f"{_today().isoformat()}T00:00:00+08:00"
        if name == "password":
            return "Harbor-lantern-93-quill"
        choice = re.fullmatch(r"\^\(([^()]+)\)\$", schema.get("pattern", ""))
        if choice:
            return choice.group(1).split("|")[0]
        return "walk" if "pattern" not in schema else "walk_1"
    return None


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def walk(app_client: TestClient) -> WalkWorld:
    """The walk world on this module's database."""
    factory: sessionmaker[Session] = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    return build_walk_world(factory, app_client)


@pytest.fixture(scope="module")
def doc(app_client: TestClient) -> dict[str, Any]:
    """The OpenAPI document of the app under test."""
    document: dict[str, Any] = app_client.app.openapi()  # type: ignore[attr-defined]
    return document


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method in ("get", *WRITE_METHODS):
                yield method, path, op


def _leaks(response: Any, markers: tuple[str, ...]) -> list[str]:
    """Markers found anywhere in the answer, as they are or \\u-escaped in JSON."""
    text = response.content.decode("utf-8", errors="ignore")
    return [m for m in markers if m in text or json.dumps(m)[1:-1] in text]


def _path_variants(
    path: str, op: dict[str, Any], ids: dict[str, int], doc: dict[str, Any]
) -> list[str] | None:
    """The path with its parameters filled (one per enum value), or None if a parameter names
    no brigade record; an unknown parameter fails the walk."""
    params = [p for p in op.get("parameters", []) if p["in"] == "path"]
    variants = [path]
    for p in params:
        name = p["name"]
        if name in NOT_RECORDS:
            return None
        if name in ENUM_PATH_PARAMS:
            values = Walker(doc).resolve(p["schema"])["enum"]
            variants = [v.replace("{" + name + "}", str(e)) for v in variants for e in values]
            continue
        record = _record_id(name, ids)
        assert record is not None, f"the walker cannot fill path parameter {name} of {path}"
        variants = [v.replace("{" + name + "}", str(record)) for v in variants]
    return variants


def _query(op: dict[str, Any], ids: dict[str, int], doc: dict[str, Any]) -> dict[str, Any]:
    query: dict[str, Any] = {}
    for p in op.get("parameters", []):
        if p["in"] != "query":
            continue
        name = p["name"]
        schema = Walker(doc).resolve(p.get("schema", {}))
        record = _record_id(name, ids)
        if record is not None:
            query[name] = record
        elif p.get("required"):
            query[name] = _required_query(name, schema, ids)
    return query


def _names_records(path: str, op: dict[str, Any]) -> bool:
    return any(p["in"] == "path" for p in op.get("parameters", []))


# --- the walk ------------------------------------------------------------------------------------


def test_every_read_of_every_role_hides_the_first_brigade(
    app_client: TestClient, walk: WalkWorld, doc: dict[str, Any]
) -> None:
    leaks: list[str] = []
    answered: list[str] = []
    shown_own: set[str] = set()
    for method, path, op in _operations(doc):
        if method != "get":
            continue
        for side, ids in (("first", walk.first), ("second", walk.second)):
            paths = _path_variants(path, op, ids, doc)
            if paths is None:
                continue
            query = _query(op, ids, doc)
            query |= QUERY_OVERRIDES.get(path, {})
            for role, username in walk.users.items():
                for url in paths:
                    r = app_client.get(url, params=query, headers=walk.world.headers(username))
                    assert r.status_code < 500, (role, url, r.text)
                    found = set(_leaks(r, walk.markers)) - PLACE_NAMES.get(path, frozenset())
                    if found:
                        leaks.append(f"{role.value} GET {url} {query} → {sorted(found)}")
                    by_first_id = side == "first" and _names_records(path, op)
                    if by_first_id and r.status_code < 300 and "{entity}" not in path:
                        leaks.append(f"{role.value} GET {url} answered {r.status_code}")
                    answered.append(url)
                    if side == "second" and r.status_code < 300:
                        shown_own.add(path)
    assert not leaks, "\n".join(leaks)
    by_id = {p for m, p, op in _operations(doc) if m == "get" and _names_records(p, op)}
    assert by_id - shown_own == set(OWN_NOT_SHOWN), "a record of the second brigade was not shown"
    assert len(answered) > 100


def test_no_write_of_any_role_lands_on_the_first_brigade(
    app_client: TestClient, walk: WalkWorld, doc: dict[str, Any]
) -> None:
    accepted: list[str] = []
    unwalked: set[tuple[str, str]] = set()
    walker = Walker(doc)
    for method, path, op in _operations(doc):
        if method == "get":
            continue
        if (method, path) in SPECIAL_WRITES:
            continue
        paths = _path_variants(path, op, walk.first, doc)
        if paths is None:
            unwalked.add((method, path))
            continue
        content = op.get("requestBody", {}).get("content", {})
        body: Any = None
        if "application/json" in content:
            body = walker.body(content["application/json"]["schema"], walk.first)
        body_names_record = isinstance(body, dict) and any(
            key in LIST_IDS or _record_id(key, walk.first) is not None for key in body
        )
        if not _names_records(path, op) and not body_names_record:
            unwalked.add((method, path))
            continue
        for role, username in walk.users.items():
            for url in paths:
                r = app_client.request(
                    method.upper(), url, json=body, headers=walk.world.headers(username)
                )
                assert r.status_code < 500, (role, method, url, r.text)
                if r.status_code == 422:  # request validation (problems.py), not a domain refusal
                    assert not r.json()["detail_en"].startswith("invalid input: "), (
                        f"the walker's body for {method} {path} does not validate: {r.text}"
                    )
                if r.status_code not in (403, 404, 422):
                    accepted.append(f"{role.value} {method.upper()} {url} {body} → {r.status_code}")
    assert not accepted, "\n".join(accepted)
    assert unwalked == set(NO_RECORD_WRITES) | {
        (m, p) for m, p, op in _operations(doc) if m != "get" and _path_has(op, NOT_RECORDS)
    }, "a write route names no record and is not listed in NO_RECORD_WRITES"


def _path_has(op: dict[str, Any], names: dict[str, str]) -> bool:
    return any(p["in"] == "path" and p["name"] in names for p in op.get("parameters", []))


def test_an_import_cannot_change_the_first_brigade(app_client: TestClient, walk: WalkWorld) -> None:
    """The importer matches rows by external id: a row naming the first brigade's premises, or
    placing one under the first brigade's station, is refused for every role."""
    rows = (
        "external_id,name,category,venue_type,org_external_id,lon,lat\n"
        "t:premises:a,改名商场,key_unit,shopping,t:station:b,9.52,47.14\n",
        "external_id,name,category,venue_type,org_external_id,lon,lat\n"
        "t:premises:walk,新商场,key_unit,shopping,t:station:a,9.52,47.14\n",
    )
    for role, username in walk.users.items():
        for csv in rows:
            r = app_client.post(
                "/api/exchange/premises/import",
                files={"file": ("premises.csv", csv.encode(), "text/csv")},
                headers=walk.world.headers(username),
            )
            assert r.status_code in (403, 404, 422), (role, csv, r.status_code, r.text)
    premises = app_client.get(
        f"/api/premises/{walk.world.a.premises_id}", headers=walk.world.headers("admin_a")
    )
    assert premises.json()["name"] == "a商场"


def test_pages_open_by_the_permission_table(app_client: TestClient, walk: WalkWorld) -> None:
    """Each page answers 200 exactly for the roles the permission table lets open it."""
    for role, username in walk.users.items():
        for screen in Screen:
            app_client.cookies.set("lanyan_session", walk.world.tokens[username])
            r = app_client.get(f"/{screen.value}", follow_redirects=False)
            app_client.cookies.clear()
            expected = 200 if may_open(role, screen) else 403
            assert r.status_code == expected, (role, screen, r.status_code)
    assert not may_open(Role.DISPATCHER, Screen.ADMIN)
    assert may_open(Role.LEADER, Screen.PREVENTION)


UNOWNED_TABLES = {
    "AuthSession": "a login session: read only by its own token",
    "LoginAttempt": "the login limit's record, never served",
    "LoginThrottle": "the login limit's counters, never served",
    "KnownLoginAddress": "addresses a user logged in from, never served",
    "ResponsePlanRule": "response plans are detachment-wide configuration",
    "PlaceAlias": "place-name aliases of the geocoder: the city's, no brigade's",
    "SystemSetting": "the city's set-up, kept by the system",
    "IncidentDayCounter": "the day's last incident number, city-wide; never served",
    "PushNonce": "nonces of signed IoT pushes, kept to refuse replays; never served",
    # issue 17 (enforcement, campaigns, outreach)
    "CampaignTopic": "campaign topics are the detachment's catalogue, edited by administrators",
    "CampaignMeasureKind": "campaign measures (and units) are the detachment's catalogue",
    "DocumentCounter": "the last document number per kind and year, city-wide; never served",
    "DocumentTemplate": "document templates are the detachment's configuration",
    # issue 18 (risk)
    "RiskRun": "the log of scoring runs, city-wide; never served row by row",
    # issue 19 (command)
    # issue 20 (duty)
}
"""Tables with no jurisdiction, and why; every other table declares how it reaches the tree."""


def test_every_table_declares_its_jurisdiction() -> None:
    import lanyan.audit  # declares the audit table's jurisdiction
    import lanyan.models  # noqa: F401  (every table)
    from lanyan.core import jurisdiction
    from lanyan.core.db import Base

    tables = {m.class_.__name__: m.class_ for m in Base.registry.mappers}
    undeclared = {name for name, cls in tables.items() if cls not in jurisdiction.registered()}
    assert undeclared == set(UNOWNED_TABLES)
