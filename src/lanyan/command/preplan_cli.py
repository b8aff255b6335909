"""``lanyan preplans ...``: import pre-plans in bulk, write the XLSX template, flag overdue plans.

``import`` reads one file for one premises (``--premises``: its external id; JSON or XLSX, the
layout of :mod:`lanyan.command.preplan_import`) or a JSON list of plans each naming its premises
(``[{"premises": "ext-id", "content": {...}, "review_interval_days": 365, "note": "..."}]``).
Every file is checked first; one problem anywhere and nothing is written (exit code 2).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

preplans_app = typer.Typer(help="灭火救援预案 pre-plans", no_args_is_help=True)
console = Console()


def _factory() -> sessionmaker[Session]:
    from lanyan.core.config import get_settings
    from lanyan.core.errors import DomainError
    from lanyan.core.migrate import current_sessionmaker

    try:
        return current_sessionmaker(get_settings().database_url)
    except DomainError as exc:
        console.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(2) from exc


def _premises_id(session: Session, external_id: str) -> int | None:
    from lanyan.prevention.models import Premises

    return session.scalar(select(Premises.id).where(Premises.external_id == external_id))


def _entries(session: Session, path: Path, premises: str | None) -> list[tuple[str, Any]]:
    """(premises external id, PreplanSave) of every plan in the file, or DomainError."""
    from lanyan.command.preplan_import import read_file
    from lanyan.core.actor import SYSTEM
    from lanyan.core.errors import Invalid

    raw = path.read_bytes()
    if premises is not None:
        return [(premises, read_file(session, actor=SYSTEM, filename=path.name, raw=raw))]
    if not path.name.lower().endswith(".json"):
        raise Invalid("批量导入需要 JSON 列表文件，或用 --premises 指定单位", "use --premises")
    try:
        items = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Invalid(f"JSON 格式错误：{exc}", f"not valid JSON: {exc}") from exc
    if not isinstance(items, list):
        raise Invalid("批量文件应为预案列表", "a bulk file is a JSON list of plans")
    out: list[tuple[str, Any]] = []
    problems: list[dict[str, str]] = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("premises"), str):
            problems.append({"where": f"第{n}项", "message": "缺少 premises（单位编号）"})
            continue
        body = {k: v for k, v in item.items() if k != "premises"}
        try:
            plan = read_file(
                session, actor=SYSTEM, filename="plan.json", raw=json.dumps(body).encode()
            )
        except Invalid as exc:
            problems.extend({**e, "where": f"第{n}项 {e['where']}"} for e in exc.errors)
            continue
        out.append((item["premises"], plan))
    if problems:
        raise Invalid(
            f"预案文件有 {len(problems)} 处错误，未导入任何内容",
            "nothing imported",
            errors=problems,
        )
    return out


@preplans_app.command("import")
def import_plans(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON or XLSX")],
    premises: Annotated[
        str | None, typer.Option(help="the premises' external id (one-plan files)")
    ] = None,
) -> None:
    """Import pre-plans: each becomes a new version (草稿) of its premises' plan."""
    from lanyan.command.preplans import keep_pictures, save_version
    from lanyan.core.actor import SYSTEM
    from lanyan.core.errors import DomainError, Invalid

    factory = _factory()
    with factory() as session:
        try:
            entries = _entries(session, path, premises)
            missing = [ext for ext, _ in entries if _premises_id(session, ext) is None]
            if missing:
                raise Invalid(
                    f"单位不存在：{'、'.join(missing[:10])}", f"unknown premises: {missing[:10]}"
                )
            for n, (ext, plan) in enumerate(entries, start=1):
                premises_id = _premises_id(session, ext)
                assert premises_id is not None
                if path.name.lower().endswith(".xlsx"):
                    plan = keep_pictures(session, premises_id, plan)
                save_version(
                    session, actor=SYSTEM, premises_id=premises_id, data=plan, source="import"
                )
                console.print(f"[{n}/{len(entries)}] {ext} ✓")
            session.commit()
        except DomainError as exc:
            session.rollback()
            console.print(f"[red]{exc.detail}[/red]")
            for problem in exc.errors[:50]:
                console.print(f"  • {problem.get('where', '')}：{problem.get('message', problem)}")
            raise typer.Exit(2) from exc
    console.print(f"导入预案 {len(entries)} 份（每份为新版本，状态为草稿）")


@preplans_app.command()
def template(out: Annotated[Path, typer.Argument(help="where to write the .xlsx")]) -> None:
    """Write the empty XLSX layout the importer reads (预案 and 水源 sheets)."""
    from lanyan.command.preplan_import import plan_xlsx

    out.write_bytes(plan_xlsx())
    console.print(f"已写出模板：{out}")


@preplans_app.command()
def sweep() -> None:
    """Flag every published pre-plan past its review date as 需复核 (run daily)."""
    from lanyan.command.preplans import flag_overdue
    from lanyan.core.actor import SYSTEM

    with _factory()() as session:
        flagged = flag_overdue(session, actor=SYSTEM)
        session.commit()
    console.print(f"标记需复核的预案：{flagged} 份")
