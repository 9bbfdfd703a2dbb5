"""The KPI chart: a real PNG drawn with a font that has Chinese glyphs, or no chart at all."""

from __future__ import annotations

import pytest

from c2cbot.digests import chart, kpi_chart
from c2cbot.i18n import Catalogues
from tests.digests import samples

PNG = b"\x89PNG\r\n\x1a\n"


def test_the_chart_is_a_png_in_chinese(cjk_font: str, texts: Catalogues) -> None:
    image = kpi_chart(samples.weekly(), "zh_Hans", texts)
    assert image is not None and image.startswith(PNG)
    assert len(image) > 5_000  # three panels drawn, not an empty canvas


def test_no_chart_without_values(cjk_font: str) -> None:
    assert kpi_chart(samples.weekly(kpis=()), "en") is None
    only_empty = samples.weekly().kpis[3:]  # a KPI nobody has reported yet
    assert kpi_chart(samples.weekly(kpis=only_empty), "en") is None


def test_no_chart_without_a_chinese_font(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chart with empty boxes for Chinese would be worse than none."""
    monkeypatch.setattr(chart, "CJK_FONTS", ("No Such Font SC",))
    chart.cjk_font.cache_clear()
    try:
        assert kpi_chart(samples.weekly(), "zh_Hans") is None
    finally:
        chart.cjk_font.cache_clear()
