"""Digests as the messages a group reads: both of its languages, section by section.

Each section has a heading in every language of the group ("Decisions / 决定") and then
its content: wording, numbers and dates once per language, in that language's locale;
text people typed once for everybody, as written and marked with its language, with any
machine translation marked as such. The result is cut into messages that fit the
platform, at section boundaries where possible.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from c2cbot.config import DEFAULT_HOME
from c2cbot.digests.markup import LIMITS, Limit, Markup, Safe, bold, escape
from c2cbot.digests.splitting import split_sections
from c2cbot.digests.template_language import Lang, Pair
from c2cbot.digests.views import MeetingView, WeeklyView
from c2cbot.domain.digests import CityName, MeetingFacts, WeeklyFacts
from c2cbot.flows.texts import Texts

TEMPLATES = DEFAULT_HOME / "templates" / "digests"

Args = tuple[Any, ...]


@dataclass(frozen=True)
class Section:
    """A part of a digest: a macro of the template, per language or once for the pair."""

    key: str
    shared: bool = False
    args: Args = ()
    heading: bool = True


def render_weekly(
    facts: WeeklyFacts,
    languages: Sequence[str],
    markup: Markup,
    texts: Texts,
    *,
    limit: Limit | None = None,
    templates: Path = TEMPLATES,
) -> list[str]:
    """The weekly digest as messages to post; a quiet week gets a short one."""
    view = WeeklyView(facts)
    page = _Page(templates / "weekly.j2", languages, markup, texts, facts.cities, facts, view)
    return page.messages(_weekly_sections(view), limit or LIMITS[markup])


def _weekly_sections(view: WeeklyView) -> list[Section]:
    quiet = view.facts.quiet
    upcoming = Section("upcoming", True, (view.upcoming, view.more_upcoming, False))
    overdue = Section("overdue", True, (view.overdue, view.more_overdue, True))
    if quiet:
        return [
            Section("header", heading=False),
            Section("quiet", heading=False),
            Section("progress"),
            overdue,
        ]
    return [
        Section("header", heading=False),
        Section("progress"),
        Section("answers"),
        Section("kpis"),
        upcoming,
        overdue,
        Section("silent", shared=True),
        Section("balance"),
    ]


def render_meeting(
    facts: MeetingFacts,
    languages: Sequence[str],
    markup: Markup,
    texts: Texts,
    now: datetime,
    *,
    limit: Limit | None = None,
    templates: Path = TEMPLATES,
) -> list[str]:
    """A meeting's digest as messages to post; ``now`` tells which due dates are past."""
    view = MeetingView(facts, now)
    page = _Page(templates / "meeting.j2", languages, markup, texts, facts.cities, facts, view)
    sections = [
        Section("header", heading=False),
        Section("when"),
        Section("place", shared=True, heading=False),
        Section("participants", shared=True),
        Section("agenda", True, (facts.agenda,)),
        Section("decisions", True, (facts.decisions,)),
        Section("actions", True, (facts.action_items,)),
    ]
    return page.messages(sections, limit or LIMITS[markup])


def render_any(
    facts: WeeklyFacts | MeetingFacts,
    languages: Sequence[str],
    markup: Markup,
    texts: Texts,
    now: datetime,
) -> list[str]:
    """Either digest, for callers that hold one or the other (``c2cbot digest``)."""
    if isinstance(facts, MeetingFacts):
        return render_meeting(facts, languages, markup, texts, now)
    return render_weekly(facts, languages, markup, texts)


def preview_pairs(languages: Iterable[str]) -> list[tuple[str, ...]]:
    """The language pairs groups use: each European language with Chinese, and Chinese alone."""
    known = list(languages)
    chinese = "zh_Hans"
    pairs = [(code, chinese) for code in known if code != chinese]
    return [*pairs, (chinese,)] if chinese in known else [(code,) for code in known]


class _Page:
    """One digest being rendered for one group: a template module per language."""

    def __init__(
        self,
        template: Path,
        languages: Sequence[str],
        markup: Markup,
        texts: Texts,
        cities: Sequence[CityName],
        facts: object,
        view: object,
    ) -> None:
        if not languages:
            raise ValueError("a digest needs at least one language")
        by_key = {city.key: city for city in cities}
        self.markup = markup
        self.langs = [Lang(code, markup, texts, by_key) for code in dict.fromkeys(languages)]
        compiled = _environment(template.parent).get_template(template.name)
        context = {"f": facts, "v": view, "markup": markup}
        self.modules = [
            compiled.make_module({**context, "_": lang.gettext, "L": lang}) for lang in self.langs
        ]
        pair = Pair(self.langs)
        self.shared = compiled.make_module({**context, "_": pair.gettext, "L": pair})

    def messages(self, sections: Sequence[Section], limit: Limit) -> list[str]:
        texts = [self._section(section) for section in sections]
        return split_sections([t for t in texts if t], limit, self.markup is not Markup.PLAIN)

    def _section(self, section: Section) -> str:
        macro = _macro(section.key)
        modules = [self.shared] if section.shared else self.modules
        bodies = _unique([_clean(getattr(m, macro)(*section.args)) for m in modules])
        if not bodies:
            return ""
        if not section.heading:
            return "\n".join(bodies)
        return "\n".join([self._heading(section.key), *bodies])

    def _heading(self, key: str) -> str:
        titles = _unique([_titles(module).get(key, "") for module in self.modules])
        return bold(Safe(" / ".join(titles)), self.markup)


#: Sections that share a macro: the same kind of list under different headings.
_MACROS = {"upcoming": "actions", "overdue": "actions", "agenda": "items", "decisions": "items"}


def _macro(key: str) -> str:
    return _MACROS.get(key, key)


def _titles(module: Any) -> Mapping[str, str]:
    titles: Mapping[str, str] = module.titles
    return titles


def _unique(texts: Sequence[str]) -> list[str]:
    return [text for text in dict.fromkeys(texts) if text]


def _clean(text: str) -> str:
    """Template output without trailing spaces or blank lines (sections are spaced later)."""
    return "\n".join(line.rstrip() for line in str(text).splitlines() if line.strip())


@lru_cache(maxsize=4)
def _environment(directory: Path) -> jinja2.Environment:
    """One compiled set of templates per directory; every render shares it."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        extensions=["jinja2.ext.i18n"],
        # HTML autoescaping would be wrong for markdown and plain text: ``_finalize``
        # escapes every printed value for the digest's own markup instead.
        autoescape=False,  # noqa: S701
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
    )


@jinja2.pass_context
def _finalize(context: jinja2.runtime.Context, value: Any) -> Any:
    """Everything a template prints is escaped for the channel, unless a helper made it safe."""
    if isinstance(value, Safe) or value is None:
        return "" if value is None else value
    markup: Markup = context["markup"]
    return escape(str(value), markup)
