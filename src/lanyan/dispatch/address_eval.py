"""Score :func:`~lanyan.dispatch.address_zh.parse_zh_address` on an annotated corpus.

``python -m lanyan.dispatch.address_eval tests/data/address_zh_corpus.jsonl`` prints, for each
component of Li et al.'s scheme, how often the parser's span equals the annotated one, then the
overall figure and the share of addresses read entirely right. A file is JSON lines with ``text``
and ``components`` (and optionally ``form``); a CSV with ``text`` and a JSON ``components``
column works too.

Accuracy of a component = addresses where parser and annotation agree on it (the same span) /
addresses where either has it: a component the parser invents counts against it as much as one it
misses. Bracketed dispatcher notes are scored apart (``notes``) and not in the overall figure.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lanyan.dispatch.address_zh import COMPONENTS, parse_zh_address

__all__ = ["Score", "load_corpus", "main", "score"]


@dataclass
class Score:
    """Agreement counts per component."""

    right: Counter[str] = field(default_factory=Counter)
    seen: Counter[str] = field(default_factory=Counter)
    addresses: int = 0
    whole_right: int = 0
    by_form: dict[str, list[int]] = field(default_factory=dict)
    misses: list[tuple[str, str, Any, Any]] = field(default_factory=list)

    def accuracy(self, component: str | None = None) -> float:
        """Share right for one component, or overall (the guide's components only)."""
        if component is not None:
            return self.right[component] / self.seen[component] if self.seen[component] else 1.0
        seen = sum(self.seen[c] for c in COMPONENTS)
        return sum(self.right[c] for c in COMPONENTS) / seen if seen else 1.0

    def table(self) -> str:
        """The per-component table as Markdown."""
        lines = [
            "| component | annotated or found | right | accuracy |",
            "| --- | --- | --- | --- |",
        ]
        for c in (*COMPONENTS, "notes"):
            if self.seen[c]:
                lines.append(f"| {c} | {self.seen[c]} | {self.right[c]} | {self.accuracy(c):.1%} |")
        total = sum(self.seen[c] for c in COMPONENTS)
        good = sum(self.right[c] for c in COMPONENTS)
        lines.append(f"| **all components** | {total} | {good} | **{self.accuracy():.1%}** |")
        lines.append(
            f"| whole address right | {self.addresses} | {self.whole_right} | "
            f"{self.whole_right / max(1, self.addresses):.1%} |"
        )
        return "\n".join(lines)


def load_corpus(path: Path) -> list[dict[str, Any]]:
    """Rows with ``text``, ``components`` (dict) and ``form`` from a .jsonl or .csv file."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8") as fh:
            return [
                {
                    "text": r["text"],
                    "components": json.loads(r["components"]),
                    "form": r.get("form", ""),
                }
                for r in csv.DictReader(fh)
            ]
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append(json.loads(line))
    return rows


def score(
    rows: Iterable[Mapping[str, Any]],
    parse: Callable[[str], Mapping[str, Any]] | None = None,
) -> Score:
    """Compare the parser's components with the annotated ones.

    Parameters
    ----------
    rows
        ``{"text": ..., "components": {...}}`` rows.
    parse
        text → components; :func:`parse_zh_address` (``.as_dict()``) by default.
    """
    result = Score()
    for row in rows:
        gold: Mapping[str, Any] = row["components"]
        got = parse(row["text"]) if parse else parse_zh_address(row["text"]).as_dict()
        result.addresses += 1
        ok_all = True
        for c in (*COMPONENTS, "notes"):
            g, p = gold.get(c), got.get(c)
            if g is None and p is None:
                continue
            result.seen[c] += 1
            if g == p:
                result.right[c] += 1
            else:
                result.misses.append((row["text"], c, g, p))
                if c != "notes":
                    ok_all = False
        result.whole_right += ok_all
        form = result.by_form.setdefault(str(row.get("form", "")), [0, 0])
        form[0] += ok_all
        form[1] += 1
    return result


def main(argv: list[str] | None = None) -> int:
    """Print the per-component table (and with ``-v`` the misses) for a corpus file."""
    args = sys.argv[1:] if argv is None else argv
    verbose = "-v" in args
    paths = [a for a in args if a != "-v"]
    if not paths:
        print("usage: python -m lanyan.dispatch.address_eval CORPUS.jsonl [-v]")
        return 2
    result = score(load_corpus(Path(paths[0])))
    print(result.table())
    print()
    print("| form | addresses | whole address right |\n| --- | --- | --- |")
    for form, (good, n) in sorted(result.by_form.items()):
        print(f"| {form or '-'} | {n} | {good / n:.0%} |")
    if verbose:
        for miss in result.misses:
            print("miss:", *miss)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
