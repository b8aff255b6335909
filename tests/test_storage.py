"""Storage: migrations build the schema on both databases; SQLite runs with WAL and foreign keys."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from lanyan.core.migrate import alembic_config, upgrade
from lanyan.models import Base


def test_migrations_create_every_table(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with engine.connect() as conn:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert revision == head


def test_upgrade_is_idempotent(database_url: str, engine: Engine) -> None:
    upgrade(database_url)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_sqlite_pragmas(engine: Engine, backend: str) -> None:
    if backend != "sqlite":
        assert engine.dialect.name == "postgresql"
        return
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
