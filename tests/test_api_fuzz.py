"""Schemathesis against /openapi.json: bad input to every endpoint gets a 4xx with a message.

For every operation of the app's own OpenAPI document, schemathesis generates positive and
negative data (wrong types, huge strings, out-of-range numbers and coordinates, missing fields),
sent with an administrator's token so requests get past authentication and reach validation and
the services. Any 5xx fails; so does a 4xx that is not problem+json with a readable ``detail``.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from lanyan.app import create_app
from lanyan.core.config import Settings
from tests.factories import World

_OFFLINE_SCHEMA = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(Settings(database_url="sqlite://"))
)
POSITIVE, NEGATIVE = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE


def _has_input(operation: Any) -> bool:
    definition = operation.definition.raw
    return bool(definition.get("parameters") or definition.get("requestBody"))


# negative data needs something to be wrong about: operations without input get positive only
CASES = sorted(
    (result.ok().label, mode)
    for result in _OFFLINE_SCHEMA.get_all_operations()
    for mode in ((POSITIVE, NEGATIVE) if _has_input(result.ok()) else (POSITIVE,))
)


_LOADED: list[tuple[Any, dict[str, Any]]] = []


def _operations(app: Any) -> dict[str, Any]:
    """The served app's operations by label, loaded once per app (a load takes most of a second,
    and there are hundreds of cases); the module's app of the other backend replaces it."""
    if not _LOADED or _LOADED[0][0] is not app:
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        _LOADED[:] = [(app, {r.ok().label: r.ok() for r in schema.get_all_operations()})]
    return _LOADED[0][1]


def _check(case: Any, response: Any) -> None:
    where = (case.method, case.path, response.status_code, response.content[:300])
    assert response.status_code < 500, where
    if 400 <= response.status_code < 500:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/problem+json"), where
        body = response.json()
        assert isinstance(body.get("detail"), str) and body["detail"], where
        assert body["status"] == response.status_code, where


@pytest.mark.parametrize(("label", "mode"), CASES, ids=[f"{c[0]}-{c[1].value}" for c in CASES])
def test_no_server_error_and_problem_json_on_4xx(
    app_client: TestClient, world: World, label: str, mode: Any
) -> None:
    operation = _operations(app_client.app)[label]
    # logging out would end the token the other cases use; that route is fuzzed anonymously
    headers = {} if operation.path == "/api/auth/logout" else world.headers("admin_det")

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=12,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case: Any) -> None:
        if case.headers:  # schemathesis adds its own (empty) bearer token; use the real one
            case.headers.pop("Authorization", None)
        if operation.path == "/api/events":  # a live stream: bound it so each example ends
            case.query = {**(case.query or {}), "max_seconds": 0.2}
        _check(case, case.call(headers=headers))

    run()


BAD_BODIES = [
    (
        "POST",
        "/api/forces/water-sources",
        {
            "external_id": "big",
            "name": "x" * 1_000_000,
            "kind": "hydrant",
            "org_id": 1,
            "lon": 9.5,
            "lat": 47,
        },
    ),
    (
        "POST",
        "/api/forces/water-sources",
        {
            "external_id": "north",
            "name": "n",
            "kind": "hydrant",
            "org_id": 1,
            "lon": 9.5,
            "lat": 91,
        },
    ),
    (
        "POST",
        "/api/premises",
        {
            "external_id": "west",
            "name": "w",
            "category": "key_unit",
            "venue_type": "hotel",
            "org_id": 1,
            "lon": -181,
            "lat": 47,
        },
    ),
    ("PATCH", "/api/forces/units/1", {"crew_on_duty": "five"}),
    (
        "POST",
        "/api/forces/organizations",
        {"external_id": "has space", "name": "n", "kind": "station", "parent_id": 1},
    ),
    (
        "POST",
        "/api/forces/organizations",
        {
            "external_id": "poly",
            "name": "n",
            "kind": "station",
            "parent_id": 1,
            "jurisdiction": {
                "type": "Polygon",
                "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
            },
        },
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    BAD_BODIES,
    ids=[
        "huge-string",
        "lat-91",
        "lon-minus-181",
        "wrong-type",
        "bad-external-id",
        "self-intersecting-polygon",
    ],
)
def test_named_bad_inputs_get_422_with_the_field(
    app_client: TestClient, world: World, method: str, path: str, body: dict[str, Any]
) -> None:
    response = app_client.request(method, path, json=body, headers=world.headers("admin_det"))
    assert response.status_code == 422, response.text[:300]
    problem = response.json()
    assert problem["detail"].startswith("输入有误")
    assert problem["errors"][0]["field"] in body
