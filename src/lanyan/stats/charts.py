"""Charts for the yearly report, drawn with matplotlib in a CJK font, as PNG bytes.

A chart carries no title of its own: the report numbers it and captions it below (图1 …).

Matplotlib has no Chinese glyphs of its own: the first installed Noto/Source Han/WenQuanYi CJK
font is used (``make`` installs fonts-noto-cjk); without one the chart would show boxes, so we
refuse with a clear message instead.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.figure import Figure

CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
)
PALETTE = ["#c62828", "#ef6c00", "#1565c0", "#6a1b9a", "#9e9e9e", "#2e7d32"]


class MissingFontError(RuntimeError):
    """No CJK font is installed, so Chinese text cannot be drawn."""


@lru_cache(maxsize=1)
def cjk_family() -> str:
    """The CJK font family matplotlib will use."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    candidates = [p for p in font_manager.findSystemFonts() if "CJK" in p or "wqy" in p.lower()]
    # a regular sans face reads best in charts; a bold serif one (listed first on some systems)
    # makes matplotlib warn and draw every label bold
    candidates.sort(key=lambda p: ("Sans" not in p, "Regular" not in p, p))
    if candidates:
        font_manager.fontManager.addfont(candidates[0])
        return font_manager.FontProperties(fname=candidates[0]).get_name()
    raise MissingFontError(
        "没有可用的中文字体，请安装 fonts-noto-cjk（make 会自动安装）",
    )


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _style() -> None:
    plt.rcParams["font.family"] = cjk_family()
    plt.rcParams["axes.unicode_minus"] = False


def bars_by_month(current: Sequence[int], previous: Sequence[int], year: int) -> bytes:
    """Incidents per month, this year beside last year."""
    _style()
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    months = range(1, 13)
    ax.bar([m - 0.2 for m in months], previous, width=0.4, color="#bdbdbd", label=f"{year - 1}年")
    ax.bar([m + 0.2 for m in months], current, width=0.4, color=PALETTE[0], label=f"{year}年")
    ax.set_xticks(list(months), [f"{m}月" for m in months])
    ax.set_ylabel("警情起数")
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def bars_by_type(labels: Sequence[str], values: Sequence[int]) -> bytes:
    """Incidents by type (horizontal bars with the count at the end)."""
    _style()
    fig, ax = plt.subplots(figsize=(7.5, 2.8))
    bars = ax.barh(list(labels)[::-1], list(values)[::-1], color=PALETTE[: len(values)][::-1])
    ax.bar_label(bars, padding=3)
    ax.set_xlabel("起数")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def response_histogram(
    bucket_s: Sequence[float], counts: Sequence[int], standard_s: float
) -> bytes:
    """Distribution of response times with the standard drawn as a line."""
    _style()
    fig, ax = plt.subplots(figsize=(7.5, 3.0))
    minutes = [b / 60 for b in bucket_s]
    width = (minutes[1] - minutes[0]) if len(minutes) > 1 else 0.5
    ax.bar(minutes, counts, width=width * 0.9, align="edge", color=PALETTE[2])
    ax.axvline(
        standard_s / 60, color=PALETTE[0], linestyle="--", label=f"{standard_s / 60:g}分钟标准"
    )
    ax.set_xlabel("调派至到场（分钟）")
    ax.set_ylabel("起数")
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
