"""Statistics (统计): figures of any period and organization subtree, traceable to their records.

The dashboards, the API, the CLI and the yearly report all read :func:`compute_figures`; see
docs/statistics.md for the figure keys and how each is counted.
"""

from lanyan.stats.periods import Period
from lanyan.stats.queries import Change, Figures, compare, compute_figures, kind, label
from lanyan.stats.trace import trace, trace_count

__all__ = [
    "Change",
    "Figures",
    "Period",
    "compare",
    "compute_figures",
    "kind",
    "label",
    "trace",
    "trace_count",
]
