"""The options a choice question offers one reader, written or computed at run time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping

from c2cbot.domain import display
from c2cbot.domain.kpis import KPI_CATALOGUE, KPI_KIND_NAMES
from c2cbot.domain.people import HELIX_NAMES
from c2cbot.domain.ratings import SCALE_WORDS, RatingScale
from c2cbot.domain.text import N_
from c2cbot.flows.answering import Option
from c2cbot.flows.plan_ports import KpiTarget, Member
from c2cbot.flows.ports import Ledger
from c2cbot.flows.schema import Kind, OptionSource, Question
from c2cbot.flows.texts import Texts


async def options_for(
    question: Question, texts: Texts, language: str, ledger: Ledger, partnership_id: int | None
) -> list[Option]:
    """Options in the reader's language; empty for questions answered by typing."""
    if question.options_from in _OF_PARTNERSHIP:
        if partnership_id is None:
            return []
        return await _OF_PARTNERSHIP[question.options_from](ledger, partnership_id, language)
    return fixed_options(question, texts, language)


def from_partnership(question: Question) -> bool:
    """Whether the question's options are the partnership's own (members, cities, KPIs)."""
    return question.options_from in _OF_PARTNERSHIP


def fixed_options(question: Question, texts: Texts, language: str) -> list[Option]:
    """Options that are the same in every partnership: written in the file or computed."""
    _ = lambda text: texts.gettext(language, text)  # noqa: E731
    if question.type is Kind.YESNO:
        return [Option("yes", _(N_("Yes"))), Option("no", _(N_("No")))]
    if question.type is Kind.RATING:
        words = SCALE_WORDS[question.scale or RatingScale.QUALITY]
        return [Option(str(n), _(word)) for n, word in enumerate(words, 1)]
    if question.options:
        return [Option(o.id, _(o.label)) for o in question.options]
    return _computed(question.options_from, texts, language)


def _computed(source: OptionSource | None, texts: Texts, language: str) -> list[Option]:
    _ = lambda text: texts.gettext(language, text)  # noqa: E731
    if source is OptionSource.LANGUAGES:
        return [Option(code, name) for code, name in texts.languages.items()]
    if source is OptionSource.HELIX_ROLES:
        return [Option(role.value, _(name)) for role, name in HELIX_NAMES.items()]
    if source is OptionSource.KPI_CATALOGUE:
        return [Option(kpi.key, _(kpi.name)) for kpi in KPI_CATALOGUE]
    if source is OptionSource.KPI_KINDS:
        return [Option(kind.value, _(name)) for kind, name in KPI_KIND_NAMES.items()]
    return []


async def _cities(ledger: Ledger, partnership_id: int, language: str) -> list[Option]:
    places = await ledger.people.partnership_cities(partnership_id)
    return [Option(str(p.id), _city_name(p.names, language)) for p in places]


async def _members(ledger: Ledger, partnership_id: int, language: str) -> list[Option]:
    return member_options(await ledger.plan.members(partnership_id), language)


def member_options(members: Iterable[Member], language: str) -> list[Option]:
    """Members of both cities, named with their city, so an activity's owner is picked."""
    return [
        Option(str(m.stakeholder_id), m.name + _in_city(m.city_names, language)) for m in members
    ]


def _in_city(names: Mapping[str, str], language: str) -> str:
    return display.parenthesised(_city_name(names, language), language) if names else ""


async def _kpis(ledger: Ledger, partnership_id: int, _language: str) -> list[Option]:
    return kpi_options(await ledger.plan.kpi_targets(partnership_id))


def kpi_options(targets: Iterable[KpiTarget]) -> list[Option]:
    """The KPIs the partnership measures, named as its plans name them."""
    return [Option(t.kpi_key, t.name) for t in targets]


_OF_PARTNERSHIP: Mapping[
    OptionSource | None, Callable[[Ledger, int, str], Awaitable[list[Option]]]
] = {
    OptionSource.PARTNERSHIP_CITIES: _cities,
    OptionSource.PARTNERSHIP_MEMBERS: _members,
    OptionSource.PARTNERSHIP_KPIS: _kpis,
}


def _city_name(names: Mapping[str, str], language: str) -> str:
    return names.get(language[:2]) or names["en"]
