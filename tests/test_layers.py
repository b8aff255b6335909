"""No package imports upward (acceptance 4 of issue 11), read from the source with ``ast``.

The layers, bottom up:

- libraries: ``routing`` (pure numpy/scipy) and ``geo`` — they import nothing of Lanyan but
  themselves;
- ``core``: configuration, database, errors, permissions, the jurisdiction layer — it may use
  the libraries, never a domain;
- ``api``: request dependencies and the page type every router shares;
- domains (``forces``, ``dispatch``, ``prevention`` …): models and services; a domain's routers
  (``api.py``, ``*_api.py``) sit in the API layer, and only they may import ``lanyan.api``;
- the application: ``web``, ``app``, ``cli``, ``serving``, ``demo``, the table registry
  ``models`` and the ``migrations`` — no domain imports them.

Every import counts, including those inside functions (a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "lanyan"

LIBRARIES = frozenset({"routing", "geo"})
CORE = "core"
API = "api"
DOMAINS = frozenset(
    {
        "accounts",
        "audit",
        "command",
        "dispatch",
        "duty",
        "enforcement",
        "exchange",
        "forces",
        "iot",
        "live",
        "outreach",
        "planning",
        "prevention",
        "risk",
        "stats",
        "system",
    }
)
APPLICATION = frozenset(
    {"web", "app", "cli", "serving", "demo", "models", "migrations", "__main__"}
)
TOP_LEVEL_NAMES = frozenset({"__version__"})
"""Names imported from ``lanyan`` itself (``from lanyan import __version__``), not packages."""

KNOWN_UPWARD: dict[tuple[str, str], str] = {
    # Empty now. It held ("dispatch.geocoding", "demo"): the production geocoder read the demo's
    # place-name table until the geocoder's owner moved it out of lanyan.demo (issue 11); and
    # planning/api.py imported dispatch.service to route to an incident until it read the
    # incident through the jurisdiction layer by table name. An entry names the importing
    # module (without "lanyan."), the imported package and why; a stale entry fails.
}
"""Imports that break the layers today, by importing module → imported package, with why."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every ``lanyan.*`` module named by an import in ``path`` (absolute imports only)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("lanyan.")}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: use absolute imports"
            if node.module == "lanyan":
                found |= {f"lanyan.{a.name}" for a in node.names}
            elif node.module and node.module.startswith("lanyan."):
                found.add(node.module)
    return found


def _package(module: str) -> str:
    return module.split(".")[1]


def _is_router(module: str) -> bool:
    leaf = module.rsplit(".", 1)[-1]
    return _package(module) in DOMAINS and (leaf == "api" or leaf.endswith("_api"))


def _graph() -> dict[str, set[str]]:
    """Importing module (``lanyan.x.y``) → imported packages (``z``), self-imports left out."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in SRC.rglob("*.py"):
        module = _module_name(path)
        if module == "lanyan":
            continue
        for target in _imports(path):
            package = _package(target)
            if package != _package(module) and package not in TOP_LEVEL_NAMES:
                graph[module].add(package)
    return graph


def _violations(allowed: dict[str, frozenset[str]]) -> list[str]:
    """Imports outside ``allowed`` (importing package → the packages it may import)."""
    out = []
    for module, targets in sorted(_graph().items()):
        package = _package(module)
        if package not in allowed:
            continue
        for target in sorted(targets - allowed[package]):
            if (module.removeprefix("lanyan."), target) not in KNOWN_UPWARD:
                out.append(f"{module} imports lanyan.{target}")
    return out


def test_every_package_has_a_layer() -> None:
    packages = {p.stem if p.is_file() else p.name for p in SRC.iterdir()}
    packages = {p for p in packages if not p.startswith(("_", ".")) or p == "__main__"}
    packages.discard("py")  # py.typed
    layered = LIBRARIES | {CORE, API} | DOMAINS | APPLICATION
    assert packages - layered == set(), "say which layer a new package belongs to"


def test_libraries_import_only_themselves() -> None:
    assert _violations({lib: frozenset() for lib in LIBRARIES}) == []


def test_core_imports_no_domain() -> None:
    assert _violations({CORE: LIBRARIES}) == []


def test_domains_import_nothing_of_the_application() -> None:
    below = LIBRARIES | {CORE} | DOMAINS
    violations = _violations({d: below | {API} for d in DOMAINS})
    assert violations == []
    services = [
        f"{module} imports lanyan.api (only a router may)"
        for module, targets in sorted(_graph().items())
        if _package(module) in DOMAINS and not _is_router(module) and API in targets
    ]
    assert services == []


def test_the_api_layer_imports_no_application() -> None:
    assert _violations({API: LIBRARIES | {CORE} | DOMAINS}) == []


def test_no_two_packages_import_each_other() -> None:
    """Cycles between packages, a domain's routers counted as a package of their own (they sit
    above ``lanyan.api``, their domain below it)."""
    nodes: dict[str, set[str]] = defaultdict(set)
    for module, targets in _graph().items():
        source = f"{_package(module)}.routers" if _is_router(module) else _package(module)
        known = {t for m, t in KNOWN_UPWARD if m == module.removeprefix("lanyan.")}
        nodes[source] |= targets - known
    cycles = _cycles(nodes)
    assert cycles == [], f"packages importing each other: {cycles}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in list(graph):
        if node not in index:
            visit(node)
    return found


def test_known_upward_imports_still_exist() -> None:
    graph = _graph()
    stale = [k for k in KNOWN_UPWARD if k[1] not in graph.get(f"lanyan.{k[0]}", set())]
    assert stale == [], "the import is gone: delete its KNOWN_UPWARD entry"


def test_the_cycle_finder_finds_a_planted_cycle() -> None:
    """The checks above can fail: the cycle finder finds a planted one."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _is_router("lanyan.prevention.hazards_api")
    assert not _is_router("lanyan.prevention.hazards")
