"""Planning over the travel-time core: coverage now (siting and replay what-ifs come later).

Pure arrays in and out, so the same functions serve the live one-map view, the CLI and reports.
"""

from lanyan.planning.coverage import (
    DEFAULT_THRESHOLDS,
    CoverageReport,
    CoverageShare,
    CoverageThresholds,
    LiveCoverage,
    Zone,
    best_seconds,
    coverage_holes,
    coverage_report,
    thresholds_per_node,
)

__all__ = [
    "DEFAULT_THRESHOLDS",
    "CoverageReport",
    "CoverageShare",
    "CoverageThresholds",
    "LiveCoverage",
    "Zone",
    "best_seconds",
    "coverage_holes",
    "coverage_report",
    "thresholds_per_node",
]
