"""The ``lanyan`` command: set up the database, load the demo city, import/export, serve."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.orm import sessionmaker

from lanyan import __version__
from lanyan.core.actor import SYSTEM
from lanyan.core.config import get_settings
from lanyan.core.db import make_engine, make_sessionmaker
from lanyan.core.errors import DomainError

if TYPE_CHECKING:
    from lanyan.planning.network import RoadNetwork

app = typer.Typer(help="蓝焰 Lanyan — 消防救援支队接处警调度与防火监督平台", no_args_is_help=True)
db_app = typer.Typer(help="数据库 database", no_args_is_help=True)
users_app = typer.Typer(help="账号 accounts", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
routing_app = typer.Typer(help="路网 road network", no_args_is_help=True)
app.add_typer(routing_app, name="routing")
osm_app = typer.Typer(help="OpenStreetMap 数据 OSM data", no_args_is_help=True)
app.add_typer(osm_app, name="osm")
prevention_app = typer.Typer(help="防火监督 fire prevention", no_args_is_help=True)
app.add_typer(prevention_app, name="prevention")


def _mount_stats() -> None:
    from lanyan.stats.cli import stats_app

    app.add_typer(stats_app, name="stats")
    from lanyan.iot.cli import iot_app

    app.add_typer(iot_app, name="iot")
    from lanyan.risk.cli import risk_app  # issue 18 (risk)

    app.add_typer(risk_app, name="risk")
    from lanyan.command.preplan_cli import preplans_app  # issue 19 (pre-plans)

    app.add_typer(preplans_app, name="preplans")


_mount_stats()
console = Console()
err = Console(stderr=True)


def _fail(exc: DomainError) -> NoReturn:
    err.print(f"[bold red]错误[/]：{exc.detail}\n[dim]{exc.detail_en}[/]")
    for e in exc.errors[:50]:
        err.print(f"  • {json.dumps(e, ensure_ascii=False)}")
    if len(exc.errors) > 50:
        err.print(f"  … 共 {len(exc.errors)} 处")
    raise typer.Exit(2)


def _factory() -> object:
    """Sessions on the configured database, after checking its schema is the newest."""
    from lanyan.core.migrate import current_sessionmaker

    try:
        return current_sessionmaker(get_settings().database_url)
    except DomainError as exc:
        _fail(exc)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    )


def _road_network() -> RoadNetwork:
    """The road network of the configured database's city (its registered road file)."""
    from lanyan.planning.network import RoadNetwork
    from lanyan.system.settings import require_road_file

    settings = get_settings()
    return RoadNetwork(
        None, settings.cache_dir, resolve=lambda session: require_road_file(session, settings)
    )


@app.command()
def init(
    name: Annotated[str, typer.Option(help="the detachment's name, e.g. 杭州市消防救援支队")],
    external_id: Annotated[str, typer.Option(help="its stable id in your source data")],
    roads: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, readable=True, help="the city's *.osm.pbf")
    ],
    lon: Annotated[float | None, typer.Option(min=-180, max=180)] = None,
    lat: Annotated[float | None, typer.Option(min=-90, max=90)] = None,
    corps: Annotated[
        bool, typer.Option(help="the root is a corps (总队), not a detachment")
    ] = False,
) -> None:
    """Set up an empty database for your city: the detachment at the root and its road file."""
    from lanyan.core.db import transaction
    from lanyan.core.migrate import upgrade
    from lanyan.forces.choices import OrgKind
    from lanyan.system.city import init_city

    settings = get_settings()
    upgrade(settings.database_url)
    factory = make_sessionmaker(make_engine(settings.database_url))
    fields = {k: v for k, v in (("lon", lon), ("lat", lat)) if v is not None}
    try:
        with _progress() as progress:
            task = progress.add_task(f"路网 {roads.name}", total=1)
            with transaction(factory) as session:
                org, graph = init_city(
                    session,
                    actor=SYSTEM,
                    name=name,
                    external_id=external_id,
                    road_file=roads,
                    cache_dir=settings.cache_dir,
                    kind=OrgKind.CORPS if corps else OrgKind.DETACHMENT,
                    **fields,
                )
                org_id, org_kind = org.id, org.kind
            progress.update(task, completed=1)
    except DomainError as exc:
        _fail(exc)
        return
    console.print(
        f"[green]已建立[/] {name}（{org_kind.zh}，编号 {external_id}，id {org_id}）\n"
        f"路网 {roads.name}：{graph.n_nodes:,} 个节点，{graph.n_edges:,} 条路段\n"
        "下一步 next：lanyan import organizations 组织机构.xlsx（上级编号填 "
        f"{external_id}），再导入 units / water_sources / premises，然后 lanyan serve"
    )


@app.command()
def status() -> None:
    """What this deployment is: database, schema, organizations, road file."""
    from sqlalchemy import func, select, text
    from sqlalchemy.exc import SQLAlchemyError

    from lanyan.forces.models import Organization
    from lanyan.system.settings import road_file_choice

    settings = get_settings()
    engine = make_engine(settings.database_url)
    table = Table(title="蓝焰 Lanyan status")
    table.add_column("项目 item")
    table.add_column("数值 value")
    table.add_row("版本 version", __version__)
    table.add_row("数据库 database", repr(engine.url))
    try:
        with make_sessionmaker(engine)() as session:
            revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
            orgs = session.scalar(select(func.count()).select_from(Organization)) or 0
            roots = session.scalars(
                select(Organization.name).where(Organization.parent_id.is_(None))
            ).all()
            choice = road_file_choice(session, settings)
    except SQLAlchemyError:
        table.add_row(
            "数据库结构 schema", "[red]未建立，请运行 lanyan init 或 lanyan db upgrade[/]"
        )
        console.print(table)
        raise typer.Exit(1) from None
    table.add_row("数据库结构 schema", str(revision))
    table.add_row(
        "组织机构 organizations", f"{orgs:,}（{'、'.join(roots) or '无，请运行 lanyan init'}）"
    )
    source = {"environment": "环境变量 LANYAN_ROAD_FILE", "database": "数据库（lanyan init）"}
    road = (
        f"{choice.path}（{source.get(choice.source, choice.source)}）"
        if choice.path
        else "[red]未登记，请运行 lanyan init --roads FILE[/]"
    )
    if choice.path is not None and not choice.path.is_file():
        road += " [red]文件不存在[/]"
    table.add_row("路网 road file", road)
    console.print(table)


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database (LANYAN_DATABASE_URL) to the newest schema."""
    from lanyan.core.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    console.print(f"[green]数据库已是最新结构[/] {make_engine(settings.database_url).url!r}")


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[
        str, typer.Option(help="admin/dispatcher/commander/station/prevention/grid/leader")
    ],
    org: Annotated[str, typer.Option(help="external id of the user's organization")],
    display_name: Annotated[str | None, typer.Option()] = None,
    password: Annotated[
        str | None, typer.Option(help="omit to be asked (or to generate one with --generate)")
    ] = None,
    generate: Annotated[bool, typer.Option(help="generate a random password and print it")] = False,
) -> None:
    """Create an account."""
    from sqlalchemy import select

    from lanyan.accounts.passwords import generate_password
    from lanyan.accounts.schemas import UserCreate
    from lanyan.accounts.service import create_user
    from lanyan.core.permissions import Role
    from lanyan.forces.models import Organization

    if password is None:
        password = (
            generate_password(username=username)
            if generate
            else typer.prompt("密码", hide_input=True, confirmation_prompt=True)
        )
    factory = _factory()
    assert isinstance(factory, sessionmaker)
    try:
        role_value = Role.parse(role)
    except ValueError:
        _fail(DomainError(f"未知角色：{role}", f"unknown role: {role}"))
        return
    with factory() as session:
        org_id = session.scalar(select(Organization.id).where(Organization.external_id == org))
        if org_id is None:
            _fail(DomainError(f"组织机构编号不存在：{org}", f"no organization {org}"))
            return
        try:
            user = create_user(
                session,
                actor=SYSTEM,
                data=UserCreate(
                    username=username,
                    display_name=display_name or username,
                    role=role_value,
                    organization_id=org_id,
                    password=password,
                ),
            )
            session.commit()
        except DomainError as exc:
            _fail(exc)
            return
    console.print(f"[green]已创建账号[/] {user.username}（{role_value.zh}）")
    if generate:
        console.print(f"密码 password: [bold]{password}[/]")


def _entity(name: str) -> object:
    from lanyan.exchange.specs import SPECS

    if name not in SPECS:
        _fail(
            DomainError(
                f"未知数据类别：{name}（可选：{', '.join(SPECS)}）",
                f"unknown entity {name} (one of {', '.join(SPECS)})",
            )
        )
    return SPECS[name]


@app.command("import")
def import_cmd(
    entity: Annotated[
        str,
        typer.Argument(help="organizations / units / water_sources / premises / place_aliases"),
    ],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    dry_run: Annotated[bool, typer.Option(help="validate only")] = False,
    crs: Annotated[
        str,
        typer.Option(help="coordinates in wgs84 (GPS, OSM), gcj02 (Amap, Tencent), bd09 (Baidu)"),
    ] = "wgs84",
) -> None:
    """Import a CSV, XLSX or GeoJSON file whole, or not at all."""
    from lanyan.exchange.importer import ImportRejected, import_file
    from lanyan.exchange.positions import road_distance_checker
    from lanyan.exchange.specs import EntitySpec
    from lanyan.geo.crs import Crs

    if entity == "place_aliases":
        _import_aliases(file, dry_run=dry_run)
        return

    spec = _entity(entity)
    assert isinstance(spec, EntitySpec)
    try:
        file_crs = Crs.parse(crs)
    except ValueError as exc:
        _fail(DomainError(str(exc), f"unknown --crs {crs}"))
        return
    factory = _factory()
    assert isinstance(factory, sessionmaker)
    with factory() as session, _progress() as progress:
        task = progress.add_task(f"导入{spec.zh}", total=None)
        try:
            report = import_file(
                session,
                actor=SYSTEM,
                spec=spec,
                filename=file.name,
                content=file.read_bytes(),
                dry_run=dry_run,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
                crs=file_crs,
                distance_to_road=road_distance_checker(session, get_settings()),
            )
            if not dry_run:
                session.commit()
        except ImportRejected as exc:
            progress.stop()
            _print_rejection(exc)
            raise typer.Exit(2) from exc
        except DomainError as exc:
            progress.stop()
            _fail(exc)
    table = Table(title=f"{spec.zh}导入{'（试运行）' if dry_run else ''}")
    for col in ("行数 rows", "新增 created", "更新 updated", "未变 unchanged"):
        table.add_column(col, justify="right")
    table.add_row(str(report.rows), str(report.created), str(report.updated), str(report.unchanged))
    console.print(table)
    for warning in report.warnings[:200]:
        where = f"第{warning.row}行 " if warning.row else ""
        console.print(f"[yellow]提示[/] {where}{warning.reason_zh}（{warning.value or ''}）")


def _import_aliases(file: Path, *, dry_run: bool) -> None:
    """Place-name aliases (名称, 别名) for the geocoder: all rows or none."""
    from lanyan.dispatch.aliases import add_aliases, read_alias_table

    factory = _factory()
    assert isinstance(factory, sessionmaker)
    try:
        pairs = read_alias_table(file.name, file.read_bytes())
        with factory() as session:
            added = add_aliases(session, actor=SYSTEM, pairs=pairs)
            if dry_run:
                session.rollback()
            else:
                session.commit()
    except DomainError as exc:
        _fail(exc)
        return
    console.print(
        f"地名别名 place aliases: {len(pairs)} 行，新增 {added}{'（试运行）' if dry_run else ''}"
    )


def _print_rejection(exc: object) -> None:
    from lanyan.exchange.importer import ImportRejected

    assert isinstance(exc, ImportRejected)
    err.print("[bold red]导入被拒绝，数据库未作任何修改[/] import rejected, nothing changed")
    table = Table("行 row", "列 column", "原因", "reason", "值 value")
    for e in exc.report.errors[:200]:
        table.add_row(e.row, e.column, e.reason_zh, e.reason_en, e.value or "")
    err.print(table)
    if len(exc.report.errors) > 200:
        err.print(f"… 共 {len(exc.report.errors)} 处错误")


@app.command("export")
def export_cmd(
    entity: Annotated[str, typer.Argument(help="organizations / units / water_sources / premises")],
    file: Annotated[Path, typer.Argument(dir_okay=False, help="*.csv, *.xlsx or *.geojson")],
    crs: Annotated[str, typer.Option(help="wgs84 (default), gcj02 (Amap, Tencent), bd09")] = (
        "wgs84"
    ),
) -> None:
    """Export every record to a CSV, XLSX or GeoJSON file (format from the file name)."""
    from lanyan.exchange.exporter import export_file
    from lanyan.exchange.formats import Format
    from lanyan.exchange.specs import EntitySpec
    from lanyan.geo.crs import Crs

    spec = _entity(entity)
    assert isinstance(spec, EntitySpec)
    try:
        fmt = Format.from_filename(file.name)
        file_crs = Crs.parse(crs)
    except ValueError as exc:
        _fail(DomainError(str(exc), f"unknown --crs {crs}"))
        return
    except DomainError as exc:
        _fail(exc)
        return
    factory = _factory()
    assert isinstance(factory, sessionmaker)
    with factory() as session:
        content = export_file(session, actor=SYSTEM, spec=spec, fmt=fmt, crs=file_crs)
    file.write_bytes(content)
    console.print(f"[green]已导出[/] {spec.zh} → {file}（{len(content):,} 字节）")


def _serve_ticks() -> None:
    """Patrol tasks due today exist before the first grid worker logs in, and every day after
    (issue 17): one tick at start, then a daily thread in this process (not in each worker)."""
    from lanyan.prevention.cli import start_daily, tick

    factory = _factory()
    assert isinstance(factory, sessionmaker)
    try:
        console.print(tick(factory).summary())
    except DomainError as exc:  # the server still starts; the next daily tick tries again
        err.print(f"[yellow]防火监督日常任务未完成[/]：{exc.detail}")
    start_daily(factory)


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="server processes (one per core; more than one needs LANYAN_EVENT_BUS=mqtt)",
        ),
    ] = 1,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="a log line per request")
    ] = True,
) -> None:
    """Migrate the database to the newest schema, then serve the web console and the API.

    With ``--workers N`` the app runs in N processes sharing the port, one per core, each with its
    own socket (:mod:`lanyan.serving`): live events then travel between them through the MQTT
    broker, so ``LANYAN_EVENT_BUS=mqtt`` is required (without it a console would miss the
    dispatches another process made).
    """
    import uvicorn

    from lanyan.core.migrate import upgrade

    settings = get_settings()
    if workers > 1 and settings.event_bus != "mqtt":
        console.print(
            "[red]多个服务进程需要消息总线："
            "请设置 LANYAN_EVENT_BUS=mqtt（及 LANYAN_MQTT_URL）[/red]\n"
            "more than one worker needs LANYAN_EVENT_BUS=mqtt, or consoles miss other "
            "processes' live events"
        )
        raise typer.Exit(2)
    upgrade(settings.database_url)
    _serve_ticks()

    from lanyan.app import create_app

    console.print(f"蓝焰 Lanyan {__version__} → http://{host}:{port}  (API 文档 /docs)")
    from lanyan.serving import serve_workers, start_import_worker_soon

    if workers == 1:
        start_import_worker_soon()
        uvicorn.run(
            create_app(served=True), host=host, port=port, log_level="info", access_log=access_log
        )
        return

    console.print(f"{workers} 个服务进程 / worker processes, live events via {settings.mqtt_url}")
    serve_workers(host, port, workers, access_log=access_log)


@app.command()
def demo(
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    history_calls: Annotated[
        int,
        typer.Option(min=0, help="calls in each of the last two years' history (0: no history)"),
    ] = 1200,
    reset_passwords: Annotated[
        bool,
        typer.Option(
            "--reset-passwords",
            help="give the existing demo accounts new passwords (default: keep them)",
        ),
    ] = False,
) -> None:
    """Migrate, load the demo city from its OpenStreetMap extract, print the accounts, serve.

    Run again on the same database it adds what is missing and keeps the demo accounts and
    their passwords; ``--reset-passwords`` replaces them (and logs their users out).
    """
    from lanyan.core.clock import as_local, utcnow
    from lanyan.core.migrate import upgrade
    from lanyan.demo.accounts import ensure_demo_accounts
    from lanyan.demo.city import load_demo
    from lanyan.demo.extras import load_extras
    from lanyan.demo.history import calls_in, load_history
    from lanyan.demo.prevention_history import PreventionSummary, load_prevention_history

    settings = get_settings()
    upgrade(settings.database_url)
    prevention: list[PreventionSummary] = []
    factory = make_sessionmaker(make_engine(settings.database_url))
    with _progress() as progress:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        summary = load_demo(
            factory,
            osm_file=settings.demo_osm_file,
            seed=settings.demo_seed,
            progress=report,
            cache_dir=settings.cache_dir,
        )
        # the last two calendar years of calls and prevention work, so that every 同比 of the
        # dashboards and of last year's report compares two recorded years
        network = _road_network()
        this_year = as_local(utcnow()).year
        histories = []
        for year in (this_year - 2, this_year - 1):
            histories.append(
                load_history(
                    factory,
                    network,
                    seed=settings.demo_seed,
                    year=year,
                    calls=calls_in(year, this_year - 1, history_calls),
                    progress=report,
                )
            )
            if history_calls:
                prevention.append(
                    load_prevention_history(factory, seed=settings.demo_seed, year=year)
                )
        extras = (
            load_extras(
                factory,
                seed=settings.demo_seed,
                years=(this_year - 2, this_year - 1),
                progress=report,
            )
            if history_calls
            else []
        )
    loaded = Table(title=f"演示城市已加载 demo city loaded（{summary.elapsed_s:.1f} 秒）")
    for col in ("数据 data", "总数 total", "本次新增 created"):
        loaded.add_column(col)
    for kind, total in summary.counts.items():
        loaded.add_row(kind, str(total), str(summary.created.get(kind, 0)))
    console.print(loaded)
    for history in histories:
        took = "已存在，跳过 already there" if history.skipped else f"{history.elapsed_s:.1f} 秒"
        console.print(f"历史警情 demo history {history.year}: {history.incidents} 起（{took}）")
    for work in prevention:
        if not work.skipped:
            console.print(
                f"防火监督 demo prevention {work.year}: 巡查{work.visits}次、"
                f"隐患{work.hazards}处、挂牌{work.listings}处、监督检查{work.inspections}次"
                f"（{work.elapsed_s:.1f} 秒）"
            )
    for line in extras:
        console.print(line)
    accounts = ensure_demo_accounts(
        factory, seed=settings.demo_seed, reset_passwords=reset_passwords
    )
    table = Table(
        title="演示账号 demo accounts（新密码只显示这一次 / new passwords are shown only once）"
    )
    for col in ("用户名 username", "密码 password", "角色 role", "组织 organization"):
        table.add_column(col)
    for account in accounts:
        password = account.password or "[dim]沿用原密码 unchanged[/]"
        table.add_row(account.username, password, account.role.zh, account.org_name)
    console.print(table)
    if any(account.password is None for account in accounts):
        console.print(
            "已有演示账号保留原密码；重设请运行 lanyan demo --reset-passwords"
            "（make demo RESET=1）/ existing demo accounts keep their passwords; "
            "--reset-passwords gives them new ones"
        )
    console.print("地图数据 Map data © OpenStreetMap contributors (ODbL)")
    sys.stdout.flush()
    if serve_after:
        serve(host=host, port=port)


@routing_app.command("build")
def routing_build(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="*.osm.pbf extract")],
) -> None:
    """Build (or load from cache) the drivable road graph of an OSM extract and report it."""
    from lanyan.routing import GraphBuildError, load_or_build

    settings = get_settings()
    with _progress() as progress:
        task = progress.add_task(f"路网 {file.name}", total=1)
        try:
            graph = load_or_build(file, settings.cache_dir)
        except GraphBuildError as exc:
            progress.stop()
            _fail(DomainError(exc.detail, exc.detail_en))
            return
        progress.update(task, completed=1)
    report = graph.report
    table = Table(title=f"路网 road graph: {file.name}")
    table.add_column("项目 item")
    table.add_column("数值 value", justify="right")
    rows = [
        ("节点 nodes", f"{graph.n_nodes:,}"),
        ("路段 edges", f"{graph.n_edges:,}"),
        ("使用道路 ways used", f"{report.ways_used:,}"),
        ("单行道 one-way ways", f"{report.oneway_ways:,}"),
        ("排除 excluded", ", ".join(f"{k} {v}" for k, v in report.ways_excluded.items()) or "—"),
        ("强连通分量 strong components", f"{report.strong_components:,}"),
        ("孤立部分 islands (weak components - 1)", f"{max(report.weak_components - 1, 0):,}"),
        (
            "丢弃节点/路段 dropped nodes/edges",
            f"{report.nodes_dropped:,} / {report.edges_dropped:,}",
        ),
        ("构建耗时 build s", f"{report.build_s:.2f}"),
        ("来自缓存 from cache", "是 yes" if report.from_cache else "否 no"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)


@osm_app.command("facilities")
def osm_facilities(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="*.osm.pbf extract")],
    parent: Annotated[str, typer.Option(help="external id of the brigade the stations sit under")],
    out: Annotated[Path, typer.Option(file_okay=False, help="directory for the two CSV files")] = (
        Path()
    ),
) -> None:
    """Write the extract's fire stations and hydrants as import files (organizations.csv,
    water_sources.csv) to check in a spreadsheet and then import."""
    from lanyan.exchange.osm_facilities import write_import_files

    orgs, waters, n_stations, n_hydrants = write_import_files(file, out, parent_external_id=parent)
    console.print(
        f"消防站 fire stations: {n_stations} → {orgs}\n消火栓 hydrants: {n_hydrants} → {waters}\n"
        f"核对后导入 check, then: lanyan import organizations {orgs}; "
        f"lanyan import water_sources {waters}"
    )


@app.command()
def coverage(
    live: Annotated[
        bool, typer.Option("--live/--planned", help="leave out stations with no unit available")
    ] = True,
    holes: Annotated[
        Path | None, typer.Option(help="write uncovered areas as GeoJSON here")
    ] = None,
) -> None:
    """Coverage of the 5-minute urban, 3-minute micro-station and 15-minute rural circles."""
    from lanyan.planning.service import coverage_summary

    settings = get_settings()
    network = _road_network()
    factory = make_sessionmaker(make_engine(settings.database_url))
    with factory() as session, _progress() as progress:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        try:
            network.current(session, progress=report)
            summary = coverage_summary(
                session, actor=SYSTEM, network=network, live=live, with_holes=holes is not None
            )
        except DomainError as exc:  # no road file registered yet: say how to register one
            progress.stop()
            _fail(exc)
            return
    table = Table(title=f"响应圈覆盖 coverage（{'实时 live' if live else '规划 planned'}）")
    for col in ("响应圈 circle", "范围 area", "需求覆盖率 share", "覆盖节点 nodes"):
        table.add_column(col)
    for circle in summary["circles"]:
        rows = [("全市 city", circle["city"])] + [(b["name"], b) for b in circle["by_brigade"]]
        for area, figures in rows:
            if figures is None:
                continue
            table.add_row(
                circle["zh"],
                area,
                f"{figures['share']:.1%}",
                f"{figures['nodes_covered']:,}/{figures['nodes_total']:,}",
            )
    console.print(table)
    if holes is not None:
        # one FeatureCollection (what GIS tools open), each feature naming its circle
        features = [
            {**feature, "properties": {**(feature.get("properties") or {}), "circle": key}}
            for key, collection in summary["holes"].items()
            for feature in collection["features"]
        ]
        merged = {"type": "FeatureCollection", "features": features}
        holes.write_text(json.dumps(merged, ensure_ascii=False), encoding="utf-8")
        console.print(f"[green]覆盖盲区已写入[/] {holes}")


@app.command()
def report(
    year: Annotated[int, typer.Option(min=2000, max=2100, help="calendar year (Asia/Shanghai)")],
    org: Annotated[
        str | None, typer.Option(help="external id or name of the organization (default: all)")
    ] = None,
    out: Annotated[Path, typer.Option(help="directory for the .docx and .xlsx")] = Path(
        "var/reports"
    ),
) -> None:
    """Write the yearly report (年度工作总结, Word) and the workbook of all its tables (Excel)."""
    from sqlalchemy import or_, select

    from lanyan.forces.models import Organization
    from lanyan.stats.report import write_yearly_report

    factory = _factory()
    assert isinstance(factory, sessionmaker)
    with factory() as session, _progress() as progress:
        org_id = None
        if org is not None:
            org_id = session.scalar(
                select(Organization.id).where(
                    or_(Organization.external_id == org, Organization.name == org)
                )
            )
            if org_id is None:
                progress.stop()
                _fail(DomainError(f"找不到组织机构：{org}", f"no organization {org}"))
        task = progress.add_task(f"{year}年度报告", total=1)
        try:
            docx_path, xlsx_path = write_yearly_report(
                session, actor=SYSTEM, year=year, org_id=org_id, out_dir=out
            )
        except DomainError as exc:
            progress.stop()
            _fail(exc)
            return
        progress.update(task, completed=1)
    console.print(f"[green]已生成[/] {docx_path}\n[green]已生成[/] {xlsx_path}")


@prevention_app.command("tick")
def prevention_tick(
    days: Annotated[
        int, typer.Option(min=1, max=366, help="generate patrol tasks this many days ahead")
    ] = 7,
) -> None:
    """Escalate overdue hazards, mark missed patrols, generate the patrol tasks due (idempotent;
    ``lanyan serve`` runs it at start and daily at 00:05, or run it from cron)."""
    from lanyan.prevention.cli import tick

    factory = _factory()
    assert isinstance(factory, sessionmaker)
    with _progress() as progress:
        task = progress.add_task("防火监督日常任务", total=3)

        def step(text: str, done: int, total: int) -> None:
            progress.update(task, description=text, completed=done, total=total)

        try:
            result = tick(factory, days=days, progress=step)
        except DomainError as exc:
            progress.stop()
            _fail(exc)
    console.print(result.summary())
    for brigade, created in result.created_by_brigade.items():
        console.print(f"  {brigade}：新生成巡查任务 {created} 个")


def main() -> None:
    """Entry point used by ``python -m lanyan``."""
    app()
