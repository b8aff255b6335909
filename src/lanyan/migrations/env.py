"""Alembic environment: the URL comes from the caller (lanyan.core.migrate), never from a file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from lanyan.core.db import make_engine
from lanyan.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite alters a table by rebuilding it (batch mode): the old table is dropped, and with
        # foreign keys on, dropping a parent table (incident) deletes its children's rows
        # (assignments) through ON DELETE CASCADE. The pragma only takes effect outside a
        # transaction, so it is set before the migration's transaction begins.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    try:
        _migrate(connection)
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the migration left rows without their parent: {broken[:5]}")
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the live database named by the ``sqlalchemy.url`` option."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


run_migrations_online()
