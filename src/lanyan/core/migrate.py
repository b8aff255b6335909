"""Bring a database to the newest schema with Alembic (``lanyan db upgrade``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at the packaged migrations and ``database_url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply every migration up to ``revision``."""
    command.upgrade(alembic_config(database_url), revision)


def current_revision_target() -> str:
    """The head revision shipped with this version."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_current_head()
    return head or ""


def current_sessionmaker(database_url: str) -> sessionmaker[Session]:
    """Sessions on ``database_url`` once its schema is this version's; commands start here.

    Raises :class:`lanyan.core.errors.DomainError` naming ``lanyan db upgrade`` otherwise: a
    command on an older schema would fail half-way with an SQL error instead.
    """
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from lanyan.core.db import make_engine, make_sessionmaker
    from lanyan.core.errors import DomainError

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        revision = None
    if revision != current_revision_target():
        engine.dispose()
        raise DomainError(
            "数据库结构不是最新版本，请先运行：lanyan db upgrade",
            f"the database schema is at {revision}, not {current_revision_target()}:"
            " run `lanyan db upgrade` first",
        )
    return make_sessionmaker(engine)
