"""Weak passwords are refused with a reason wherever a password is set; generated ones pass."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.factories import World, login
from typer.testing import CliRunner

from lanyan.accounts.models import User
from lanyan.accounts.passwords import (
    COMMON_PASSWORDS,
    LONG_ENOUGH,
    MIN_LENGTH,
    generate_password,
    password_problems,
)
from lanyan.cli import app
from lanyan.core.actor import SYSTEM
from lanyan.core.config import get_settings
from lanyan.core.db import make_engine, make_sessionmaker
from lanyan.core.migrate import upgrade
from lanyan.forces import service as forces
from lanyan.forces.choices import OrgKind
from lanyan.forces.schemas import OrganizationCreate


def _codes(password: str, username: str = "zhang_wei") -> set[str]:
    return {p.code for p in password_problems(password, username=username)}


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Xk7#mQ2", "too_short"),
        ("aaaaaaaaaa", "repetitive"),
        ("abababababab", "repetitive"),
        ("Zzzzzzzzzzzz9!", "repetitive"),
        ("1234567890", "sequence"),
        ("abcdefghijk!", "sequence"),
        ("9876543210ab", "sequence"),
        ("qwertyuiop1!", "sequence"),
        ("Qwerty123!", "sequence"),
        ("1qaz2wsx3edc", "sequence"),
        ("asdfghjkl;'X", "sequence"),
        ("Zhang_Wei-2024!", "contains_username"),
        ("!9ZHANGWEIx", "contains_username"),
        ("Hao#Zhang-9q2R", "contains_username"),  # a part of the name ("zhang_wei" → "zhang")
        ("xyzzy-lantern", "few_classes"),
        ("Lanternxyzzy", "few_classes"),
        ("P@ssw0rd2024!", "common"),
        ("Woaini1314!", "common"),
        ("ADMIN#2024!", "common"),
        ("Xiaofang119!", "common"),
    ],
)
def test_each_rule_refuses_its_kind_of_weak_password(password: str, rule: str) -> None:
    assert rule in _codes(password)


@pytest.mark.parametrize(
    "password",
    [
        "correct-horse-battery",  # a passphrase: long enough without digits or capitals
        "Xk7#mQ2p!Lw9",
        "Tr0ub4dor&3x",
        "lan-yan-119-Duty",  # common words inside a longer one are fine
        "蓝焰调度2024值班duty",  # 汉字 count as a class of their own
        "蓝焰支队调度指挥中心值班密码二〇二四",
    ],
)
def test_strong_passwords_pass(password: str) -> None:
    assert password_problems(password, username="zhang_wei") == []


def test_the_list_of_commonest_passwords_is_short_and_lower_case() -> None:
    assert 20 <= len(COMMON_PASSWORDS) <= 100
    assert all(word == word.lower() for word in COMMON_PASSWORDS)


@pytest.mark.parametrize("length", [MIN_LENGTH, 12, 14, LONG_ENOUGH, 24])
def test_generated_passwords_always_pass(length: int) -> None:
    for username in ("demo_admin", "abc", "cli_admin", ""):
        for _ in range(300):
            password = generate_password(username=username, length=length)
            assert len(password) == length
            assert password_problems(password, username=username) == []
    with pytest.raises(ValueError):
        generate_password(length=MIN_LENGTH - 1)


def _new_user(password: str, username: str = "new_dispatcher") -> dict[str, Any]:
    return {
        "username": username,
        "display_name": "新调度员",
        "role": "dispatcher",
        "organization_id": 0,
        "password": password,
    }


@pytest.mark.parametrize(
    ("password", "rule", "reason"),
    [
        ("aaaaaaaaaa", "repetitive", "重复"),
        ("1234567890", "sequence", "连续"),
        ("new_dispatcher!9X", "contains_username", "用户名"),
        ("xyzzylantern", "few_classes", "三类"),
        ("Password123!", "common", "常见"),
    ],
)
def test_the_api_refuses_a_weak_password_with_the_reason(
    app_client: TestClient, world: World, password: str, rule: str, reason: str
) -> None:
    body = _new_user(password) | {"organization_id": world.a.brigade_id}
    r = app_client.post("/api/users", headers=world.headers("admin_a"), json=body)
    assert r.status_code == 422
    problem = r.json()
    assert reason in problem["detail"]
    assert problem["detail"].startswith("密码强度不足")
    assert problem["detail_en"].startswith("weak password")
    assert f"password.{rule}" in {e["type"] for e in problem["errors"]}
    assert {e["field"] for e in problem["errors"]} == {"password"}
    with app_client.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        assert session.scalar(select(User).where(User.username == "new_dispatcher")) is None


def test_a_strong_password_is_accepted(app_client: TestClient, world: World) -> None:
    body = _new_user("Duty-Room-7#x", "strong_one") | {"organization_id": world.a.brigade_id}
    r = app_client.post("/api/users", headers=world.headers("admin_a"), json=body)
    assert r.status_code == 201, r.text
    assert login(app_client, "strong_one", "Duty-Room-7#x")


def test_a_password_reset_is_checked_against_the_account_name(
    app_client: TestClient, world: World
) -> None:
    with app_client.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        user_id = session.scalars(select(User.id).where(User.username == "grid_a")).one()
    headers = world.headers("admin_a")
    for weak in ("grid_a-2024!X", "qwertyuiop", "1111111111"):
        r = app_client.patch(f"/api/users/{user_id}", headers=headers, json={"password": weak})
        assert r.status_code == 422, weak
        assert r.json()["detail"].startswith("密码强度不足")
    r = app_client.patch(
        f"/api/users/{user_id}", headers=headers, json={"password": "Hydrant-Valve-42"}
    )
    assert r.status_code == 200
    assert login(app_client, "grid_a", "Hydrant-Valve-42")


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated SQLite database with one detachment, as ``LANYAN_DATABASE_URL``."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("LANYAN_DATABASE_URL", url)
    get_settings.cache_clear()
    upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        root = forces.create_root_organization(
            session, actor=SYSTEM, external_id="cli:corps", name="命令行总队", kind=OrgKind.CORPS
        )
        forces.create_organization(
            session,
            actor=SYSTEM,
            data=OrganizationCreate(
                external_id="cli:det", name="命令行支队", kind=OrgKind.DETACHMENT, parent_id=root.id
            ),
        )
        session.commit()
    engine.dispose()
    yield url
    get_settings.cache_clear()


def test_the_cli_refuses_a_weak_password_and_generates_strong_ones(cli_db: str) -> None:
    runner = CliRunner()
    add = ["users", "add", "--role", "dispatcher", "--org", "cli:det"]
    weak = runner.invoke(app, [*add, "cli_weak", "--password", "1234567890"])
    assert weak.exit_code == 2
    assert "密码强度不足" in weak.output
    assert "连续" in weak.output
    for name in ("cli_gen_1", "cli_gen_2", "cli_gen_3"):
        made = runner.invoke(app, [*add, name, "--generate"])
        assert made.exit_code == 0, made.output
        password = made.output.rsplit("password:", 1)[1].strip()
        assert password_problems(password, username=name) == []
    engine = make_engine(cli_db)
    with make_sessionmaker(engine)() as session:
        names = set(session.scalars(select(User.username)))
    engine.dispose()
    assert names == {"cli_gen_1", "cli_gen_2", "cli_gen_3"}
