"""A KPI's figures over time as an inline SVG: one line per city, the target dashed.

Drawn here, as text, rather than as a picture from a plotting library, because the page
must work without scripts, fonts or anything from another site: the SVG sits in the
page, so its text is set in the page's own fonts (its CSS), Chinese included, and it
scales to a phone's width (a ``viewBox``, ``width="100%"``). Cities are told apart by
more than colour: each has its own marker and line pattern, and a legend in words.

Pure: numbers in, markup out. Every text it is given (KPI names, cities, labels) is
escaped here; the result is ``Markup`` so the template inserts it as it is.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 420
PLOT_HEIGHT = 190  # the box the lines are drawn in
LEFT, RIGHT = 58, 14  # room for the figures on the axis; a little on the right
INSET = 14  # between the box's sides and the first and last period
LINE = 16  # a line of the legend
BELOW = 34  # room under the box for the periods
TICKS = 4
#: Per series: colour, dash pattern of its line, marker.
STYLES = (
    ("#1f5f99", "", "circle"),
    ("#a84a12", "10 3 2 3", "square"),
    ("#5e3f8f", "2 3", "triangle"),
    ("#2b6e2f", "6 2", "diamond"),
)
TARGET_COLOUR = "#a31515"
TARGET_DASH = "6 4"


@dataclass(frozen=True)
class Series:
    """One city's figures: ``(period index, value)``, periods in the chart's order;
    ``style`` picks its colour, line and marker, so a city looks the same in every chart."""

    label: str
    points: tuple[tuple[int, float], ...]
    style: int = 0


@dataclass(frozen=True)
class Chart:
    """Everything a KPI's chart says, already in the reader's words."""

    key: str  # unique on the page: the title's and description's ids derive from it
    title: str
    description: str
    periods: tuple[str, ...]  # labels, oldest first
    series: tuple[Series, ...]
    target: float | None
    target_label: str  # "Target: 50", shown in the legend
    tick: Callable[[float], str]  # a figure on the axis, as the reader writes it
    bounds: tuple[float, float] | None = None  # fixed, e.g. a rating's 1 to 5


@dataclass(frozen=True)
class Box:
    """Where the lines are drawn, in the SVG's units, and the values at its edges."""

    left: float
    top: float
    right: float
    bottom: float
    low: float
    high: float
    count: int  # periods

    def x(self, index: int) -> float:
        if self.count == 1:
            return (self.left + self.right) / 2
        inner = self.right - self.left - 2 * INSET
        return self.left + INSET + inner * index / (self.count - 1)

    def y(self, value: float) -> float:
        share = (value - self.low) / (self.high - self.low)
        return self.bottom - share * (self.bottom - self.top)


def legend_lines(chart: Chart) -> int:
    return len(chart.series) + (chart.target is not None)


def box(chart: Chart) -> Box:
    """The plot's box under the legend, with the value range rounded to its ticks."""
    top = LINE * legend_lines(chart) + 14
    low, high, _ = ticks(chart)
    return Box(LEFT, top, WIDTH - RIGHT, top + PLOT_HEIGHT, low, high, max(1, len(chart.periods)))


def height(chart: Chart) -> int:
    return int(box(chart).bottom + BELOW)


def ticks(chart: Chart) -> tuple[float, float, float]:
    """The lowest and highest value on the axis and the step between its figures: zero
    included unless a figure is below it, the target included, round steps (1, 2, 5)."""
    if chart.bounds is not None:
        return chart.bounds[0], chart.bounds[1], 1.0
    values = [v for s in chart.series for _, v in s.points]
    if chart.target is not None:
        values.append(chart.target)
    low, high = min([0.0, *values]), max([0.0, *values])
    if high == low:
        high = low + 1
    step = _round_step((high - low) / TICKS)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _round_step(raw: float) -> float:
    exponent = math.floor(math.log10(raw))
    fraction = raw / 10**exponent
    nice = next(n for n in (1, 2, 5, 10) if fraction <= n)
    return float(nice * 10**exponent)


def svg(chart: Chart) -> Markup:
    """The chart as an ``<svg>`` element: ``role="img"``, a title and a description."""
    frame = box(chart)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height(chart)}" width="100%" preserveAspectRatio="xMidYMin meet" '
        f'aria-labelledby="{chart.key}-title {chart.key}-desc">',
        f'<title id="{chart.key}-title">{escape(chart.title)}</title>',
        f'<desc id="{chart.key}-desc">{escape(chart.description)}</desc>',
        '<g font-size="13" fill="currentColor">',
        *_legend(chart),
        *_axes(chart, frame),
        *_target(chart, frame),
        *(_line(series, _style(series), frame) for series in chart.series),
        "</g></svg>",
    ]
    return Markup("".join(parts))  # noqa: S704 - every text in it was escaped above


def _legend(chart: Chart) -> list[str]:
    """A line of words per city (its line and marker drawn before them), then the target."""
    shown = []
    for n, series in enumerate(chart.series):
        colour, dash, marker = _style(series)
        y = LINE * n + 12
        shown += [
            _path(((4.0, y - 4.0), (28.0, y - 4.0)), colour, dash),
            _marker(marker, 16, y - 4, colour, "key"),
            f'<text x="36" y="{y}">{escape(series.label)}</text>',
        ]
    if chart.target is not None:
        y = LINE * len(chart.series) + 12
        shown += [
            _path(((4.0, y - 4.0), (28.0, y - 4.0)), TARGET_COLOUR, TARGET_DASH),
            f'<text x="36" y="{y}">{escape(chart.target_label)}</text>',
        ]
    return shown


def _style(series: Series) -> tuple[str, str, str]:
    return STYLES[series.style % len(STYLES)]


def _axes(chart: Chart, frame: Box) -> list[str]:
    low, high, step = ticks(chart)
    drawn = [
        f'<rect class="frame" x="{frame.left}" y="{_n(frame.top)}" '
        f'width="{_n(frame.right - frame.left)}" height="{_n(frame.bottom - frame.top)}" '
        'fill="none" stroke="#8a939e" stroke-width="1"/>'
    ]
    count = round((high - low) / step)
    for n in range(count + 1):
        value = low + n * step
        y = _n(frame.y(value))
        drawn.append(
            f'<line x1="{frame.left}" x2="{_n(frame.right)}" y1="{y}" y2="{y}" '
            'stroke="#d5d9de" stroke-width="1"/>'
        )
        drawn.append(
            f'<text class="tick" x="{frame.left - 6}" y="{y}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(chart.tick(value))}</text>'
        )
    return drawn + _periods(chart, frame)


def _periods(chart: Chart, frame: Box) -> list[str]:
    """The periods under the box: as many as fit side by side, always the first and last."""
    count = len(chart.periods)
    widest = max((_width(label) for label in chart.periods), default=0.0) + 10
    every = max(1, math.ceil(count * widest / (frame.right - frame.left)))
    shown = list(range(0, count, every))
    if shown and shown[-1] != count - 1:
        shown[-1] = count - 1
    y = _n(frame.bottom + 18)
    drawn = []
    for index in shown:
        anchor = "middle" if count == 1 else _anchor(index, count)
        drawn.append(
            f'<text class="period" x="{_n(frame.x(index))}" y="{y}" text-anchor="{anchor}">'
            f"{escape(chart.periods[index])}</text>"
        )
    return drawn


def _anchor(index: int, count: int) -> str:
    if index == 0:
        return "start"
    return "end" if index == count - 1 else "middle"


def _width(label: str) -> float:
    """About how wide a label is at the chart's size: Chinese characters are square."""
    return sum(12.0 if ord(c) > 0x2E80 else 6.6 for c in label)


def _target(chart: Chart, frame: Box) -> list[str]:
    if chart.target is None:
        return []
    y = frame.y(chart.target)
    return [
        f'<line class="target" x1="{frame.left}" x2="{_n(frame.right)}" y1="{_n(y)}" '
        f'y2="{_n(y)}" stroke="{TARGET_COLOUR}" stroke-width="1.5" '
        f'stroke-dasharray="{TARGET_DASH}"/>'
    ]


def _line(series: Series, style: tuple[str, str, str], frame: Box) -> str:
    colour, dash, marker = style
    points = [(frame.x(index), frame.y(value)) for index, value in series.points]
    markers = "".join(_marker(marker, x, y, colour) for x, y in points)
    path = _path(points, colour, dash) if len(points) > 1 else ""
    return f'<g class="series">{path}{markers}</g>'


def _path(points: Sequence[tuple[float, float]], colour: str, dash: str) -> str:
    line = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
    pattern = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"{pattern}/>'


def _marker(kind: str, x: float, y: float, colour: str, role: str = "point") -> str:
    """A point's mark: the shape is what tells the cities apart without colour."""
    common = f'class="{role}" fill="{colour}" stroke="#ffffff" stroke-width="1"'
    if kind == "circle":
        return f'<circle {common} cx="{_n(x)}" cy="{_n(y)}" r="4.5"/>'
    if kind == "square":
        return f'<rect {common} x="{_n(x - 4)}" y="{_n(y - 4)}" width="8" height="8"/>'
    corners = (
        ((x, y - 5), (x + 5, y + 4), (x - 5, y + 4))
        if kind == "triangle"
        else ((x, y - 5), (x + 5, y), (x, y + 5), (x - 5, y))
    )
    shape = " ".join(f"{_n(a)},{_n(b)}" for a, b in corners)
    return f'<polygon {common} points="{shape}"/>'


def _n(value: float) -> str:
    """A coordinate, short: 12, 12.5."""
    return f"{value:.1f}".rstrip("0").rstrip(".")
