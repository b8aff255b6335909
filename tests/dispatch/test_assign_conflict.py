"""A unit taken by another dispatcher between the checks and the write is a 409, never a 500.

Two dispatchers can both see a unit on the road (返回) as free; whichever commits second meets the
partial unique index on active assignments at its flush. Its refusal must still name the unit,
although a failed flush leaves the session's objects unreadable until it is rolled back.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.conftest import DemoCity

from lanyan.accounts.models import User
from lanyan.accounts.service import actor_for
from lanyan.core.clock import utcnow
from lanyan.core.errors import Conflict
from lanyan.dispatch import service
from lanyan.dispatch.choices import AssignmentStatus
from lanyan.dispatch.models import Assignment

VADUZ = {"lon": 9.5215, "lat": 47.1395}


def _call(client: TestClient, demo: DemoCity, number: str) -> int:
    created = client.post(
        "/api/dispatch/incidents",
        json={"caller_number": number, "address_text": "Städtle 5, Vaduz", **VADUZ,
              "type": "fire", "subtype": "residential_fire", "level": 1},
        headers=demo.headers("demo_dispatcher"),
    )  # fmt: skip
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def test_a_unit_taken_at_the_last_moment_is_a_conflict_naming_it(
    app_client: TestClient, demo_city: DemoCity, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine, theirs = (
        _call(app_client, demo_city, "13800138002"),
        _call(app_client, demo_city, "13800138003"),
    )
    rec = app_client.get(
        f"/api/dispatch/incidents/{mine}/recommendation",
        params={"routes": "false"},
        headers=demo_city.headers("demo_dispatcher"),
    ).json()
    unit_id = rec["units"][0]["unit_id"]
    app = app_client.app
    with app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        user = session.scalars(select(User).where(User.username == "demo_dispatcher")).one()
        actor = actor_for(user)
        flush = session.flush

        def rival_commits_first(*args: Any, **kwargs: Any) -> None:
            if any(isinstance(o, Assignment) for o in session.new):
                monkeypatch.setattr(session, "flush", flush)
                session.add(  # the other dispatcher's assignment, already in the database
                    Assignment(incident_id=theirs, unit_id=unit_id, assigned_at=utcnow(),
                               status=AssignmentStatus.ASSIGNED)
                )  # fmt: skip
            flush(*args, **kwargs)

        monkeypatch.setattr(session, "flush", rival_commits_first)
        with pytest.raises(Conflict) as refused:
            service.assign_units(
                session,
                actor=actor,
                network=app.state.network,  # type: ignore[attr-defined]
                incident_id=mine,
                unit_ids=[unit_id],
            )
        session.rollback()
    assert "已被调派到其他警情" in refused.value.detail
    assert rec["units"][0]["call_sign"] in refused.value.detail
