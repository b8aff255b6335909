"""The ``lanyan`` command: migrate, create a user, import (refusing a bad file) and export."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from lanyan.accounts.models import User
from lanyan.cli import app
from lanyan.core.actor import SYSTEM
from lanyan.core.config import get_settings
from lanyan.core.db import make_engine, make_sessionmaker
from lanyan.forces import service as forces
from lanyan.forces.choices import OrgKind
from lanyan.forces.models import Organization


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("LANYAN_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_cli_round_trip(cli_db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    factory = make_sessionmaker(make_engine(cli_db))
    with factory() as session:
        forces.create_root_organization(
            session, actor=SYSTEM, external_id="cli:corps", name="命令行总队", kind=OrgKind.CORPS
        )
        session.commit()

    good = tmp_path / "orgs.csv"
    good.write_text(
        "external_id,name,kind,parent_external_id\n"
        "cli:det,命令行支队,支队,cli:corps\ncli:bde,命令行大队,brigade,cli:det\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", "organizations", str(good)])
    assert result.exit_code == 0, result.output
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "external_id,name,kind,parent_external_id\ncli:x,坏行,no-such-kind,cli:det\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", "organizations", str(bad)])
    assert result.exit_code == 2
    assert "导入被拒绝" in result.output
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Organization)) == 3

    result = runner.invoke(
        app, ["users", "add", "cli_admin", "--role", "admin", "--org", "cli:det", "--generate"]
    )
    assert result.exit_code == 0, result.output
    assert "密码" in result.output
    with factory() as session:
        assert (
            session.scalars(select(User.role).where(User.username == "cli_admin")).one() == "admin"
        )

    out = tmp_path / "out.geojson"
    result = runner.invoke(app, ["export", "organizations", str(out)])
    assert result.exit_code == 0, result.output
    assert "命令行大队" in out.read_text(encoding="utf-8")
