"""Shared builders of the duty tests: people through the API, a roster of a station."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.actor import SYSTEM
from lanyan.core.clock import utcnow
from lanyan.stats.periods import Period
from lanyan.stats.queries import compute_figures
from tests.factories import World


def admin(world: World) -> dict[str, str]:
    """The detachment administrator's headers."""
    return world.headers("admin_det")


def person(
    client: TestClient, world: World, ext: str, org_id: int, *, post: str = "firefighter"
) -> int:
    """A person added through the API; their id."""
    r = client.post(
        "/api/duty/people",
        headers=admin(world),
        json={
            "external_id": ext,
            "name": f"队员{ext[-6:]}",
            "org_id": org_id,
            "post": post,
            "employment": "professional",
            "qualifications": [{"name": "驾驶证", "number": "A2", "expires_on": "2030-01-01"}],
        },
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def crew(people: list[int]) -> list[dict[str, Any]]:
    """Seats for ``people``: the first drives, the second commands, the rest fight."""
    seats = ["driver", "commander"] + ["firefighter"] * max(0, len(people) - 2)
    return [{"person_id": p, "seat": s} for p, s in zip(people, seats, strict=False)]


def figures_today(factory: sessionmaker[Session]) -> dict[str, Any]:
    """Every figure of today (local) for the whole city."""
    today = utcnow().astimezone().date()
    from lanyan.duty.declarations import local_day

    today = local_day(utcnow())
    with factory() as s:
        return dict(compute_figures(s, actor=SYSTEM, period=Period.inclusive(today, today)).values)
