"""Other names of the road file's places, kept as data: the geocoder adds them to each place.

A caller says 瓦杜兹 where OSM says Vaduz, 浦东 where it says 浦东新区; the production geocoder
used to take such names from the demo package. Now they are rows of ``place_alias``, imported
like the rest of the master data (``lanyan import place_aliases``), and the demo loads its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lanyan.core import audit
from lanyan.core.actor import Actor
from lanyan.core.clock import utcnow
from lanyan.core.db import Base, UTCDateTime
from lanyan.core.errors import Invalid
from lanyan.core.permissions import Action


class PlaceAlias(Base):
    """Another name of a place of the road file ("Vaduz" is also "瓦杜兹")."""

    __tablename__ = "place_alias"
    __table_args__ = (UniqueConstraint("name", "alias"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    """The place's name as the road file spells it."""
    alias: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def place_aliases(session: Session) -> dict[str, tuple[str, ...]]:
    """Every alias, by the place name it belongs to."""
    out: dict[str, list[str]] = {}
    for name, alias in session.execute(
        select(PlaceAlias.name, PlaceAlias.alias).order_by(PlaceAlias.id)
    ):
        out.setdefault(name, []).append(alias)
    return {name: tuple(aliases) for name, aliases in out.items()}


def aliases_signature(session: Session) -> tuple[int, int]:
    """Changes when aliases are added or removed (count, highest id)."""
    count, highest = session.execute(select(func.count(), func.max(PlaceAlias.id))).one()
    return int(count or 0), int(highest or 0)


def add_aliases(session: Session, *, actor: Actor, pairs: Iterable[tuple[str, str]]) -> int:
    """Add (place name, alias) pairs not there yet; returns how many were added (audited)."""
    actor.require(Action.IMPORT)
    have = {(n, a) for n, a in session.execute(select(PlaceAlias.name, PlaceAlias.alias))}
    added = 0
    for name, alias in pairs:
        name, alias = name.strip(), alias.strip()
        if not name or not alias or len(name) > 120 or len(alias) > 120:
            raise Invalid(
                f"地名别名「{name}」→「{alias}」不完整或过长（各 1–120 字）",
                f"place alias {name!r} -> {alias!r} is empty or longer than 120 characters",
            )
        if (name, alias) in have or name == alias:
            continue
        row = PlaceAlias(name=name, alias=alias)
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="create",
            entity="place_alias",
            entity_id=row.id,
            after={"name": name, "alias": alias},
        )
        have.add((name, alias))
        added += 1
    return added


HEADERS = {"名称": "name", "name": "name", "地名": "name", "别名": "alias", "alias": "alias"}


def read_alias_table(filename: str, content: bytes) -> list[tuple[str, str]]:
    """(name, alias) pairs from a CSV or XLSX file with the headers 名称/name and 别名/alias.

    Raises :class:`Invalid` naming the file's problem (unknown format, missing column, empty cell
    with its row) so that nothing is written from a half-read file.
    """
    import csv
    import io

    from openpyxl import load_workbook

    lower = filename.lower()
    if lower.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("gb18030", errors="replace")
        table = [list(row) for row in csv.reader(io.StringIO(text))]
    elif lower.endswith(".xlsx"):
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        table = [
            ["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)
        ]
    else:
        raise Invalid("地名别名文件须为 .csv 或 .xlsx", "the alias file must be .csv or .xlsx")
    if not table:
        raise Invalid("文件为空", "the file is empty")
    columns = [HEADERS.get(str(h).strip().lower(), HEADERS.get(str(h).strip())) for h in table[0]]
    if "name" not in columns or "alias" not in columns:
        raise Invalid(
            "缺少列：需要「名称」和「别名」两列",
            "the columns 名称 (name) and 别名 (alias) are required",
        )
    i_name, i_alias = columns.index("name"), columns.index("alias")
    pairs: list[tuple[str, str]] = []
    errors: list[dict[str, object]] = []
    for number, row in enumerate(table[1:], start=2):
        cells = [*row, "", ""]
        name, alias = str(cells[i_name]).strip(), str(cells[i_alias]).strip()
        if not name and not alias:
            continue
        if not name or not alias:
            errors.append({"row": number, "reason": "名称和别名都不能为空"})
            continue
        pairs.append((name, alias))
    if errors:
        raise Invalid(
            f"{len(errors)} 行不完整，未导入任何别名",
            f"{len(errors)} rows incomplete",
            errors=errors,
        )
    return pairs
