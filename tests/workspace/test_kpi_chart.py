"""The KPI chart's geometry and markup, without a server: points inside the box, the
target at its height, text escaped and the SVG well-formed, whatever the figures."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from c2cbot.i18n import Catalogues
from c2cbot.workspace.facts import CityFacts, PartnershipFacts
from c2cbot.workspace.kpi_chart import Chart, Series, box, svg, ticks
from c2cbot.workspace.kpi_facts import KpiFacts, KpiPlanFacts, KpiReport
from c2cbot.workspace.kpis import kpi_page
from c2cbot.workspace.wording import Wording

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(1)>&'


def _chart(
    gothenburg: tuple[float, ...] = (12, 20),
    shanghai: tuple[float, ...] = (30, 30),
    target: float | None = 50,
    name: str = "Joint projects",
    bounds: tuple[float, float] | None = None,
) -> Chart:
    periods = tuple(f"Q{n + 1} 2026" for n in range(max(len(gothenburg), len(shanghai))))
    return Chart(
        "kpi-1-0",
        name,
        f"{name}: figures",
        periods,
        (
            Series("Gothenburg", tuple(enumerate(gothenburg))),
            Series("Shanghai", tuple(enumerate(shanghai)), style=1),
        ),
        target,
        "Target: 50" if target is not None else "",
        lambda value: f"{value:g}",
        bounds,
    )


def _parsed(chart: Chart) -> ElementTree.Element:
    return ElementTree.fromstring(str(svg(chart)))


def _points(root: ElementTree.Element) -> list[tuple[float, float]]:
    """The centres of the series' markers (not the legend's)."""
    found = []
    for mark in root.iter():
        if mark.get("class") != "point":
            continue
        if mark.tag == f"{SVG}circle":
            found.append((float(mark.get("cx", 0)), float(mark.get("cy", 0))))
        elif mark.tag == f"{SVG}rect":
            found.append((float(mark.get("x", 0)) + 4, float(mark.get("y", 0)) + 4))
    return found


@pytest.mark.parametrize(
    ("gothenburg", "shanghai", "target"),
    [
        ((12, 20), (30, 30), 50),
        ((12, 20, 80, 200), (30, 30, 31, 29), 50),  # figures above the target
        ((-5, 3), (0, 1), None),  # below zero, no target
        ((7,), (7,), 7),  # one period, everything equal
        ((1_500_000, 2_250_000), (900_000, 12_000_000), 10_000_000),
    ],
)
def test_every_point_and_the_target_lie_inside_the_box(
    gothenburg: tuple[float, ...], shanghai: tuple[float, ...], target: float | None
) -> None:
    chart = _chart(gothenburg, shanghai, target)
    frame, root = box(chart), _parsed(chart)
    points = _points(root)
    assert len(points) == len(gothenburg) + len(shanghai)
    for x, y in points:
        assert frame.left <= x <= frame.right and frame.top <= y <= frame.bottom
    low, high, _ = ticks(chart)
    assert low <= min(gothenburg + shanghai) and high >= max(gothenburg + shanghai)
    viewbox = [float(n) for n in root.get("viewBox", "").split()]
    assert viewbox[2] >= frame.right and viewbox[3] >= frame.bottom
    assert root.get("width") == "100%" and root.get("role") == "img"


def test_the_target_is_a_dashed_line_at_its_height() -> None:
    chart = _chart(target=50)
    frame, root = box(chart), _parsed(chart)
    [line] = [e for e in root.iter(f"{SVG}line") if e.get("class") == "target"]
    assert line.get("stroke-dasharray")
    y = float(line.get("y1", 0))
    assert y == float(line.get("y2", 0))
    share = (50 - frame.low) / (frame.high - frame.low)
    assert y == pytest.approx(frame.bottom - share * (frame.bottom - frame.top), abs=0.1)
    highest = min(y for _, y in _points(root))  # Shanghai's 30 is drawn below the target
    assert highest > y
    assert not [e for e in _parsed(_chart(target=None)).iter() if e.get("class") == "target"]


def test_a_rating_is_drawn_on_its_scale_of_one_to_five() -> None:
    chart = _chart((3, 4), (5, 2), target=4, bounds=(1, 5))
    frame, points = box(chart), _points(_parsed(chart))
    assert (frame.low, frame.high) == (1, 5)
    assert min(y for _, y in points) == pytest.approx(frame.top)  # Shanghai's 5
    ticks_shown = [t.text for t in _parsed(chart).iter(f"{SVG}text") if t.get("class") == "tick"]
    assert ticks_shown == ["1", "2", "3", "4", "5"]


def test_cities_differ_in_marker_and_line_and_are_named_in_words() -> None:
    root = _parsed(_chart())
    series = [g for g in root.iter(f"{SVG}g") if g.get("class") == "series"]
    assert [child.tag for child in series[0]][1:] == [f"{SVG}circle"] * 2
    assert [child.tag for child in series[1]][1:] == [f"{SVG}rect"] * 2
    dashes = [g.find(f"{SVG}polyline").get("stroke-dasharray") for g in series]  # type: ignore[union-attr]
    assert dashes[0] is None and dashes[1]
    words = [t.text for t in root.iter(f"{SVG}text")]
    assert {"Gothenburg", "Shanghai", "Target: 50", "Q1 2026", "Q2 2026"} <= set(words)


def test_names_with_markup_are_escaped_and_the_svg_stays_well_formed() -> None:
    chart = _chart(name=HOSTILE)
    text = str(svg(chart))
    assert "<script" not in text and "<img" not in text
    root = ElementTree.fromstring(text)
    assert root.findtext(f"{SVG}title") == HOSTILE
    assert root.findtext(f"{SVG}desc") == f"{HOSTILE}: figures"
    assert root.get("aria-labelledby") == "kpi-1-0-title kpi-1-0-desc"
    assert not list(root.iter(f"{SVG}script")) and "href" not in text


def test_many_periods_show_as_many_labels_as_fit_always_the_first_and_last() -> None:
    many = tuple(float(n) for n in range(40))
    chart = _chart(many, many, None)
    shown = [t.text for t in _parsed(chart).iter(f"{SVG}text") if t.get("class") == "period"]
    assert shown[0] == "Q1 2026" and shown[-1] == "Q40 2026"
    assert 2 <= len(shown) < 40


def test_zero_is_a_figure_and_a_city_outside_the_partnership_counts_as_other(
    texts: Catalogues,
) -> None:
    """The page's view, from facts made by hand: a money KPI whose only figure is 0 SEK is
    still drawn; a "don't know" from someone of no partner city is listed, not drawn."""
    cities = (CityFacts(1, "gothenburg", {"en": "Gothenburg"}),)
    partnership = PartnershipFacts(7, "g-s", {}, "continual_improvement", "do", "member", cities)
    plan = KpiPlanFacts(
        3,
        "trade_volume",
        "Trade volume with the partner",
        "money",
        None,
        "SEK",
        "quarterly",
        None,
        Decimal(100),
        None,
        None,
        None,
        None,
    )
    zero = {"status": "value", "value": {"amount": "0", "currency": "SEK"}}
    unknown = {"status": "unknown"}
    reports = (
        KpiReport(3, "2026-Q1", zero, 1, "Sven", 1, False, datetime(2026, 4, 1, tzinfo=UTC)),
        KpiReport(3, "2026-Q1", unknown, 2, None, None, False, datetime(2026, 4, 2, tzinfo=UTC)),
    )
    page = kpi_page(KpiFacts(partnership, (plan,), reports), Wording(texts, "en"))
    [kpi] = page.kpis
    [chart] = kpi.charts
    root = ElementTree.fromstring(str(chart.svg))
    assert len(_points(root)) == 1
    assert [(r.city, r.value, r.reporter) for r in kpi.reports] == [
        ("Gothenburg", "SEK0", "Sven"),
        ("Other cities", "I don't know", "Former member"),
    ]
    assert ("Responsible", "Nobody named yet") in kpi.details
