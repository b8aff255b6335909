"""Figure sections contributed by other domains (enforcement, outreach, risk, command, duty …).

The incident and prevention figures are built in :mod:`lanyan.stats.queries`; every later domain
adds its own figures without touching that module: it defines one :class:`Section` in its own
``figures.py`` and its module name is listed in :data:`SECTION_MODULES`. A section gives

- ``compute(session, scope, period, now)`` → its figures by dotted key (all under ``prefix``, the
  same keys for every period of the same shape and subtree);
- ``trace(session, scope, period, now, key)`` → the SELECT listing the records behind ``key``
  (for a count figure exactly as many rows as the figure says; the stats tests check every key);
- ``labels`` (Chinese label per key; a callable for dynamic keys), ``kinds`` (``count`` unless
  listed: ``people``, ``cny``, ``seconds``, ``percent``), ``stock_prefixes`` (figures that count
  what stands at the period's end);
- ``paragraph(current, previous)`` → the yearly report's text for the section, or ``None`` when
  nothing of it was recorded in the year, ``report_title`` (its sub-heading) and
  ``report_chapter`` (灭火救援 ``rescue``, 防火监督 ``prevention`` or 队伍建设 ``forces``).

Sections are loaded lazily, on first use, so a domain's ``figures`` module may import
:mod:`lanyan.stats.queries` (for :class:`~lanyan.stats.queries.Scope` and ``org_in_scope``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from lanyan.stats.periods import Period
    from lanyan.stats.queries import Figures, Scope

Value = int | float | None
Kind = Literal["count", "people", "cny", "seconds", "percent"]

SECTION_MODULES: tuple[str, ...] = (
    # issue 17 (enforcement, campaigns, outreach)
    "lanyan.stats.campaign_figures",
    "lanyan.stats.listing_figures",
    "lanyan.enforcement.figures",
    "lanyan.outreach.figures",
    # issue 18 (risk)
    "lanyan.risk.figures",
    # issue 19 (command)
    "lanyan.command.preplan_figures",
    "lanyan.command.figures",
    # issue 20 (duty)
    "lanyan.duty.figures",
    "lanyan.duty.figures_drills",
    "lanyan.duty.figures_duty",
    "lanyan.duty.figures_supervision",
)
"""Modules each defining ``SECTION``, in the order their figures are listed and reported."""


@dataclass(frozen=True)
class Section:
    """One domain's figures: how to compute, trace, label and report them."""

    prefix: str
    compute: Callable[[Session, Scope, Period, datetime], dict[str, Value]]
    trace: Callable[[Session, Scope, Period, datetime, str], Any]
    labels: Mapping[str, str] = field(default_factory=dict)
    dynamic_label: Callable[[str], str | None] | None = None
    kinds: Mapping[str, Kind] = field(default_factory=dict)
    stock_prefixes: tuple[str, ...] = ()
    report_title: str = ""
    report_chapter: Literal["rescue", "prevention", "forces"] = "prevention"
    paragraph: Callable[[Figures, Figures], str | None] | None = None

    def owns(self, key: str) -> bool:
        """Whether ``key`` is one of this section's figures."""
        return key == self.prefix or key.startswith(self.prefix + ".")

    def label(self, key: str) -> str | None:
        """The Chinese label of ``key``, or ``None`` when the section has none."""
        if key in self.labels:
            return self.labels[key]
        return self.dynamic_label(key) if self.dynamic_label else None


@cache
def sections() -> tuple[Section, ...]:
    """Every registered section, imported on first use."""
    return tuple(importlib.import_module(name).SECTION for name in SECTION_MODULES)


def section_of(key: str) -> Section | None:
    """The section owning ``key``, if any."""
    for section in sections():
        if section.owns(key):
            return section
    return None
