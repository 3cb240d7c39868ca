"""The chart of the day: score against cost per successful task, as a deterministic PNG."""

from __future__ import annotations

from pathlib import Path

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from flows.content import Chart, ChartPoint
from flows.render import money

WIDTH_IN, HEIGHT_IN, DPI = 6.0, 3.6, 100  # 600 x 360 px: the width of the email column
PALETTE = ("#1d4e89", "#c0392b", "#1b7a3d", "#a15c00", "#6a3d9a", "#00838f")
GREY = "#9a9a94"
INK = "#1f1f1c"
LABEL_ALL_UP_TO = 8  # label every point on small charts; only candidates and incumbents above
# DejaVu Sans ships with matplotlib: the same glyphs on every machine.
STYLE = {"font.family": "DejaVu Sans", "font.size": 8, "axes.edgecolor": INK}


def frontier(points: list[ChartPoint]) -> list[tuple[float, float]]:
    """The cost frontier: for each score, the lowest cost among points scoring at least that.

    Returned as (score, cost) steps in ascending score order; the cost never falls as the score
    rises. Points without a positive cost are left out.
    """
    steps: list[tuple[float, float]] = []
    best = float("inf")
    for point in sorted(points, key=lambda q: (-q.score, q.cost_per_success)):
        if 0 < point.cost_per_success < best:
            best = point.cost_per_success
            steps.append((point.score, best))
    return steps[::-1]


def draw_chart(chart: Chart, path: Path) -> None:
    """Draw ``chart`` to ``path`` as a 600 x 360 PNG: the same chart gives the same bytes."""
    with rc_context(STYLE):  # restored on exit: no global matplotlib state leaks
        fig = _figure(chart)
        fig.savefig(Path(path), format="png", dpi=DPI, metadata={"Software": None})


def _figure(chart: Chart) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    points = [q for q in chart.points if q.cost_per_success > 0]
    if not points:
        return fig
    low, high = min(q.score for q in points), max(q.score for q in points)
    middle = (low + high) / 2
    label_all = len(points) <= LABEL_ALL_UP_TO

    steps = frontier(points)
    xs = [low] + [s for s, _ in steps]
    ys = [steps[0][1]] + [c for _, c in steps]
    ax.step(
        xs, ys, where="pre", color=INK, linewidth=1.0, alpha=0.55, zorder=1, label="cost frontier"
    )

    others = [q for q in points if q.role != "candidate"]
    if others:
        ax.scatter(
            [q.score for q in others],
            [q.cost_per_success for q in others],
            s=28,
            color=GREY,
            zorder=2,
            label="incumbents and others",
        )
    for q in others:
        if label_all or q.role == "incumbent":
            _label(ax, q, GREY, q.score > middle)
    for i, q in enumerate(p for p in points if p.role == "candidate"):
        colour = PALETTE[i % len(PALETTE)]
        ax.scatter(
            [q.score],
            [q.cost_per_success],
            s=46,
            color=colour,
            zorder=3,
            edgecolors="white",
            linewidths=0.8,
        )
        _label(ax, q, colour, q.score > middle, bold=True)

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(_tick))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(f"Score, {chart.benchmark_label}", color=INK)
    ax.set_ylabel("Cost per successful task", color=INK)
    ax.set_title(
        f"{chart.workload_label}: score against cost per successful task",
        fontsize=9,
        color=INK,
        loc="left",
    )
    ax.tick_params(colors=INK)
    ax.grid(True, which="major", color="#e3e0d8", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="best", fontsize=7, frameon=False)
    ax.margins(x=0.08, y=0.15)
    fig.subplots_adjust(left=0.13, right=0.97, top=0.9, bottom=0.14)
    return fig


def _tick(value: float, _position: int) -> str:
    """Axis money without trailing zeros: $0.002, $0.01, $1."""
    text = money(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def _label(ax: Axes, point: ChartPoint, colour: str, left: bool, bold: bool = False) -> None:
    """Name a point; points on the right half are labelled to their left to stay in frame."""
    ax.annotate(
        point.model_label,
        (point.score, point.cost_per_success),
        xytext=(-5 if left else 5, 4),
        textcoords="offset points",
        ha="right" if left else "left",
        fontsize=7.5,
        color=colour,
        fontweight="bold" if bold else "normal",
        zorder=4,
    )
