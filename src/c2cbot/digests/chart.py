"""The weekly digest's picture: each KPI's values over time against its target, as a PNG.

Chinese names need a font that has Chinese glyphs; without one, the chart would show
empty boxes, so there is no chart at all rather than a broken one (the text digest
carries the same numbers). Debian's fonts-wqy-zenhei or fonts-noto-cjk provide one.
"""

from __future__ import annotations

import io
import logging
from functools import lru_cache
from typing import Any

from c2cbot.digests.views import MAX_KPIS
from c2cbot.domain.digests import KpiTrend, WeeklyFacts
from c2cbot.domain.display import period_label
from c2cbot.domain.kpi_values import compact_number
from c2cbot.flows.texts import Texts

log = logging.getLogger(__name__)

#: Fonts with Chinese glyphs, best first, as fontconfig and matplotlib name them.
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Source Han Sans SC",
    "AR PL UMing CN",
)
CHARTED_KINDS = ("count", "money", "rating")
COLUMNS = 2


def kpi_chart(facts: WeeklyFacts, language: str, texts: Texts | None = None) -> bytes | None:
    """A PNG of the KPI trends, one small panel per KPI; None with nothing to draw or no font.

    ``texts`` translates catalogue KPI names; without it names are shown as stored.
    """
    trends = [t for t in facts.kpis[:MAX_KPIS] if _drawable(t)]
    font = cjk_font()
    if not trends or font is None:
        return None
    return _draw(trends, language, texts, font)


def _drawable(trend: KpiTrend) -> bool:
    return trend.kind in CHARTED_KINDS and sum(v is not None for _, v in trend.values) > 0


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed font that renders Chinese, or None (logged once)."""
    from matplotlib import font_manager

    font = _first_cjk(font_manager.fontManager) or _first_cjk(_with_fonts_added_since())
    if font is None:
        log.warning("no font with Chinese glyphs is installed: digests go out without a chart")
    return font


def _first_cjk(manager: Any) -> str | None:
    installed = {font.name for font in manager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def _with_fonts_added_since() -> Any:
    """matplotlib lists the system's fonts once per user and caches the list: a font
    installed later is missing from it until it is added here."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    known = {font.fname for font in manager.ttflist}
    for path in font_manager.findSystemFonts():
        if path not in known:
            try:
                manager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # a font file matplotlib cannot read
                log.debug("skipped font file %s", path)
    return manager


def _draw(trends: list[KpiTrend], language: str, texts: Texts | None, font: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")

    fonts: dict[Any, Any] = {"font.family": "sans-serif", "font.sans-serif": [font, "DejaVu Sans"]}
    with matplotlib.rc_context(fonts):
        return _figure(trends, language, texts)


def _figure(trends: list[KpiTrend], language: str, texts: Texts | None) -> bytes:
    from matplotlib.figure import Figure

    rows = (len(trends) + COLUMNS - 1) // COLUMNS
    figure = Figure(figsize=(4.2 * COLUMNS, 2.6 * rows), dpi=100, layout="constrained")
    axes = figure.subplots(rows, COLUMNS, squeeze=False)
    for index, trend in enumerate(trends):
        _panel(axes[index // COLUMNS][index % COLUMNS], trend, language, texts)
    for index in range(len(trends), rows * COLUMNS):
        axes[index // COLUMNS][index % COLUMNS].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _panel(axis: object, trend: KpiTrend, language: str, texts: Texts | None) -> None:
    from matplotlib.axes import Axes
    from matplotlib.ticker import FuncFormatter

    assert isinstance(axis, Axes)
    points = [(period, float(v)) for period, v in trend.values if v is not None]
    labels = [period_label(period, language) for period, _ in points]
    axis.plot(labels, [v for _, v in points], marker="o", color="#1f6fb2")
    if trend.target is not None:
        axis.axhline(float(trend.target), color="#c0392b", linestyle="--", linewidth=1)
    name = texts.gettext(language, trend.name) if texts else trend.name
    axis.set_title(_title(name, trend), fontsize=10)
    if trend.kind == "rating":
        axis.set_ylim(0.5, 5.5)
    axis.yaxis.set_major_formatter(FuncFormatter(lambda value, _: _tick(language, value)))
    axis.tick_params(axis="x", labelrotation=45, labelsize=7)
    axis.tick_params(axis="y", labelsize=7)
    axis.grid(alpha=0.3)


def _tick(language: str, value: float) -> str:
    """Axis numbers as the language writes them: 1.2M, 1,2 Mio., 120万."""
    return compact_number(value, language)


def _title(name: str, trend: KpiTrend) -> str:
    shown = name if len(name) <= 40 else name[:39] + "…"
    return f"{shown} ({trend.currency})" if trend.kind == "money" and trend.currency else shown
