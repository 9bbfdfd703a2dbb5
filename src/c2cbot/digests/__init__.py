"""Digests: the facts of a week or a meeting, rendered per language pair and per channel.

No SQL and no chat platform here: the store gathers :mod:`c2cbot.domain.digests` facts,
this package turns them into messages, and posting puts them in the outbox.
"""

from c2cbot.digests.chart import kpi_chart
from c2cbot.digests.markup import LIMITS, Limit, Markup
from c2cbot.digests.render import render_meeting, render_weekly

__all__ = ["LIMITS", "Limit", "Markup", "kpi_chart", "render_meeting", "render_weekly"]
