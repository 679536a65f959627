"""A dashboard chart (core.figures.Chart) drawn on the server as SVG for the printed report: ECharts
draws in the browser only. Matplotlib's SVG backend, with the machine's Chinese font (the one WeasyPrint
prints with, notices.printing) and every glyph written as a path, so the PDF needs no font for the
charts and a label can never print as boxes."""

import base64
import functools
import io
import subprocess
import warnings
from decimal import Decimal

from gongzhi.core.errors import WrongState
from gongzhi.core.figures import Chart
from gongzhi.notices.printing import NO_CJK_FONT

WIDTH, HEIGHT = 6.4, 2.6  # inches: the A4 text width
PALETTE = ["#c0392b", "#2e86c1", "#f39c12", "#27ae60", "#8e44ad", "#16a085", "#7f8c8d", "#d35400"]


@functools.cache
def cjk_font() -> str:
    """The family name of the machine's Chinese font, made known to matplotlib by its file."""
    from matplotlib import font_manager

    out = subprocess.run(["fc-list", ":lang=zh", "file", "family"], capture_output=True, text=True,
                         timeout=20).stdout
    for line in sorted(out.splitlines()):
        path, _sep, families = line.partition(": ")
        if path and families and "Mono" not in families:
            font_manager.fontManager.addfont(path.strip())
            return families.split(",")[0].strip()
    raise WrongState(NO_CJK_FONT)


def _number(value) -> float:
    return float(value) if isinstance(value, int | float | Decimal) else 0.0


def chart_svg(chart: Chart) -> str:
    """The chart as an <svg> element (no XML prolog), bar, line or pie as its kind says."""
    import matplotlib

    matplotlib.use("svg", force=False)
    from matplotlib.figure import Figure

    family = cjk_font()
    style = {"font.family": [family, "DejaVu Sans"], "svg.fonttype": "path", "font.size": 9,
             "axes.prop_cycle": matplotlib.cycler(color=PALETTE), "svg.hashsalt": "gongzhi"}
    with matplotlib.rc_context(style), warnings.catch_warnings():
        # a glyph missing from the font is an error, not a box; other warnings (layout) are not
        warnings.filterwarnings("error", message=r"Glyph .* missing from font", category=UserWarning)
        figure = Figure(figsize=(WIDTH, HEIGHT))
        axes = figure.subplots()
        if not chart.labels or not chart.series:
            axes.set_axis_off()
            axes.text(0.5, 0.5, "暂无数据", ha="center", va="center", transform=axes.transAxes)
        elif chart.kind == "pie":
            _pie(axes, chart)
        else:
            _bars_or_lines(axes, chart)
        figure.tight_layout()
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    svg = out.getvalue()
    return svg[svg.index("<svg"):]


def chart_data_uri(chart: Chart) -> str:
    """The chart as an image address for the printed page: each SVG stays its own document, so the ids
    matplotlib gives its glyphs and clip paths cannot clash between two charts on one page."""
    return "data:image/svg+xml;base64," + base64.b64encode(chart_svg(chart).encode()).decode()


def _pie(axes, chart: Chart) -> None:
    values = [_number(v) for v in chart.series[0].values]
    if not any(values):
        axes.set_axis_off()
        axes.text(0.5, 0.5, "暂无数据", ha="center", va="center", transform=axes.transAxes)
        return
    shown = [(label, value) for label, value in zip(chart.labels, values, strict=True) if value > 0]
    axes.pie([v for _l, v in shown], labels=[label for label, _v in shown], autopct="%1.1f%%",
             startangle=90, counterclock=False, textprops={"fontsize": 8})
    axes.axis("equal")


def _bars_or_lines(axes, chart: Chart) -> None:
    from matplotlib.ticker import MaxNLocator

    positions = range(len(chart.labels))
    count = len(chart.series)
    width = 0.8 / count
    for i, series in enumerate(chart.series):
        values = [_number(v) for v in series.values]
        if chart.kind == "line":
            axes.plot(list(positions), values, marker="o", label=series.name)
        else:
            axes.bar([p - 0.4 + width * (i + 0.5) for p in positions], values, width, label=series.name)
    axes.set_xticks(list(positions), chart.labels, rotation=30 if len(chart.labels) > 6 else 0,
                    ha="right" if len(chart.labels) > 6 else "center", fontsize=8)
    if chart.unit:
        axes.set_ylabel(chart.unit)
    else:  # a count: no 2.5 on the axis
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    if count > 1:
        axes.legend(fontsize=8, frameon=False)
