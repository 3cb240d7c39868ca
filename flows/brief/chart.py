"""The chart of the day: score against cost per successful task, as a deterministic PNG."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Annotation
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
from matplotlib.transforms import Bbox

from flows.brief.content import Chart, ChartPoint
from flows.brief.numbers import money

WIDTH_IN, HEIGHT_IN, DPI = 6.0, 3.6, 100  # 600 x 360 px: the width of the email column
PALETTE = ("#1d4e89", "#c0392b", "#1b7a3d", "#a15c00", "#6a3d9a", "#00838f")
GREY = "#9a9a94"
INK = "#1f1f1c"
GAP_PX = 1.0  # between two labels moved apart
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
    with rc_context(STYLE):  # type: ignore[arg-type]  # matplotlib types keys as literals  # restored on exit: no global matplotlib state leaks
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
    labels = []  # candidates first: they keep their places, the others make way
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
        labels.append(_label(ax, q, colour, q.score > middle, bold=True))
    for q in others:
        if label_all or q.role == "incumbent":
            labels.append(_label(ax, q, GREY, q.score > middle))

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(_tick))
    ax.yaxis.set_minor_formatter(NullFormatter())
    # names from sources are plain text: `parse_math=False`, or "acme-$x$" would be mathtext
    ax.set_xlabel(f"Score, {chart.benchmark_label}", color=INK, parse_math=False)
    ax.set_ylabel("Cost per successful task", color=INK)
    ax.set_title(
        f"{chart.workload_label}: score against cost per successful task",
        fontsize=9,
        color=INK,
        loc="left",
        parse_math=False,
    )
    ax.tick_params(colors=INK)
    ax.grid(True, which="major", color="#e3e0d8", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="best", fontsize=7, frameon=False)
    ax.margins(x=0.08, y=0.15)
    fig.subplots_adjust(left=0.13, right=0.97, top=0.9, bottom=0.14)
    _separate(fig, ax, labels)
    return fig


def _tick(value: float, _position: int) -> str:
    """Axis money without trailing zeros: $0.002, $0.01, $1."""
    text = money(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def _label(ax: Axes, point: ChartPoint, colour: str, left: bool, bold: bool = False) -> Annotation:
    """Name a point; points on the right half are labelled to their left to stay in frame."""
    return ax.annotate(
        point.model_label,
        (point.score, point.cost_per_success),
        xytext=(-5 if left else 5, 4),
        textcoords="offset points",
        ha="right" if left else "left",
        fontsize=7.5,
        color=colour,
        fontweight="bold" if bold else "normal",
        zorder=4,
        parse_math=False,
    )


def _separate(fig: Figure, ax: Axes, labels: list[Annotation]) -> None:
    """Move labels that would overlap apart, vertically, in order (an earlier label keeps its
    place); a label moved away from its point gets a thin line back to it."""
    fig.canvas.draw()  # positions are known once the axes' limits are
    renderer = cast(FigureCanvasAgg, fig.canvas).get_renderer()
    frame = ax.get_window_extent(renderer)
    to_points = 72.0 / fig.dpi
    placed: list[Bbox] = []
    for label in labels:
        start = label.xyann
        for _ in range(len(placed) + 1):
            box = label.get_window_extent(renderer)
            hit = next((b for b in placed if b.overlaps(box)), None)
            if hit is None:
                break
            below = hit.y0 - box.y1 - GAP_PX  # move under the label in the way ...
            above = hit.y1 - box.y0 + GAP_PX  # ... or over it if under leaves the frame
            shift = below if box.y0 + below >= frame.y0 else above
            label.xyann = (label.xyann[0], label.xyann[1] + shift * to_points)
        placed.append(label.get_window_extent(renderer))
        if label.xyann != start:  # the same label again, with a line back to its point
            label.remove()
            ax.annotate(
                label.get_text(),
                label.xy,
                xytext=label.xyann,
                textcoords="offset points",
                ha=label.get_horizontalalignment(),
                fontsize=label.get_fontsize(),
                color=label.get_color(),
                fontweight=label.get_fontweight(),
                zorder=4,
                arrowprops={
                    "arrowstyle": "-",
                    "color": label.get_color(),
                    "linewidth": 0.5,
                    "shrinkA": 0,
                    "shrinkB": 3,
                },
            )
