"""One chart per indicator: its series against the target line, as PNG (matplotlib, Agg, a CJK font)."""

import io
from dataclasses import dataclass
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede pyplot

from matplotlib import font_manager
from matplotlib.figure import Figure

#: Debian's fonts-noto-cjk (`make fonts`); matplotlib falls back along the list per glyph
CJK_FAMILIES = ["Noto Sans CJK SC", "Noto Serif CJK SC", "Noto Sans CJK JP", "DejaVu Sans"]


@dataclass(frozen=True)
class ChartData:
    title: str
    unit: str
    labels: list[str]
    values: list[Decimal]
    target: Decimal | None
    target_label: str


_rescanned = False


def cjk_font_file() -> str | None:
    """The CJK font file charts are drawn with, or None when none is installed.

    matplotlib keeps its list of fonts in a cache file: a CJK font installed after the cache was
    written (`make fonts` on a machine that had already drawn a chart) is found by one rescan."""
    global _rescanned
    found = next((path for family in CJK_FAMILIES[:-1] if (path := _find(family))), None)
    if found is None and not _rescanned:
        _rescanned = True
        # private in matplotlib's stubs, but the one call that rescans past the cache file
        font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)  # type: ignore[attr-defined]
        return cjk_font_file()
    return found


def _find(family: str) -> str | None:
    try:
        return str(font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False))
    except ValueError:
        return None


def chart_png(data: ChartData, dpi: int = 150) -> bytes:
    fig = Figure(figsize=(6.4, 3.2), dpi=dpi)
    ax = fig.add_subplot()
    cjk_font_file()  # a font installed since matplotlib's cache was written is found first
    families = [f for f in CJK_FAMILIES if _find(f)]
    xs = list(range(len(data.labels)))
    ys = [float(v) for v in data.values]
    ax.plot(xs, ys, marker="o", color="#1f4e79", linewidth=2, label="实际值")
    for x, y, v in zip(xs, ys, data.values, strict=True):
        ax.annotate(
            f"{v.normalize():f}",
            (x, y),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=8,
            family=families,
        )
    if data.target is not None:
        ax.axhline(float(data.target), color="#c00000", linestyle="--", linewidth=1.5, label=data.target_label)
    ax.set_xticks(xs, data.labels, fontsize=8, family=families)
    ax.set_ylabel(data.unit, family=families)
    ax.set_title(data.title, fontsize=11, family=families)
    top = max([*ys, float(data.target) if data.target is not None else 0.0, 0.0])
    ax.set_ylim(bottom=0, top=top * 1.2 if top > 0 else 1)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(prop={"family": families, "size": 8}, loc="lower right")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
