"""Partner-selection criteria (the report's Figure 9) and their scoring.

Twelve yes/no criteria in four groups. A group's score is the share of its criteria
that are met; a criterion nobody has answered yet counts as not met, and
:attr:`GroupScore.answered` shows how much of the group has been answered.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from c2cbot.domain.text import N_


class CriterionGroup(StrEnum):
    POTENTIAL = "potential"
    SIMILARITY = "similarity"
    OPPORTUNITY = "opportunity"
    WILLINGNESS = "willingness"


GROUP_NAMES: dict[CriterionGroup, str] = {
    CriterionGroup.POTENTIAL: N_("Potential"),
    CriterionGroup.SIMILARITY: N_("Similarity and commonality"),
    CriterionGroup.OPPORTUNITY: N_("Opportunity"),
    CriterionGroup.WILLINGNESS: N_("Willingness"),
}


@dataclass(frozen=True)
class Criterion:
    """One yes/no question put to a city's staff when choosing a partner city."""

    key: str
    group: CriterionGroup
    question: str


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "represents_city",
        CriterionGroup.POTENTIAL,
        N_("Is your organisation the city itself, or does it officially represent the city?"),
    ),
    Criterion(
        "works_with_helix",
        CriterionGroup.POTENTIAL,
        N_(
            "Does your city work closely with industry, academia and public bodies"
            " on joint projects?"
        ),
    ),
    Criterion(
        "helix_critical_mass",
        CriterionGroup.POTENTIAL,
        N_(
            "Do your city and its local partners have the critical mass, alone or with"
            " others, to reach the aims of the partnership?"
        ),
    ),
    Criterion(
        "shared_aims",
        CriterionGroup.SIMILARITY,
        N_(
            "Do both cities and their local partners share aims in specific areas of"
            " sustainable urban development?"
        ),
    ),
    Criterion(
        "on_platform_agenda",
        CriterionGroup.SIMILARITY,
        N_("Are these shared aims on the research and innovation agenda of our city platform?"),
    ),
    Criterion(
        "reference_city",
        CriterionGroup.SIMILARITY,
        N_(
            "Can at least one of the two cities serve as a reference for learning about"
            " sustainable urban development?"
        ),
    ),
    Criterion(
        "international_strategy",
        CriterionGroup.OPPORTUNITY,
        N_("Does your city have an international strategy that includes EU–China cooperation?"),
    ),
    Criterion(
        "historical_basis",
        CriterionGroup.OPPORTUNITY,
        N_("Do the two cities have a history of cooperation, such as twin-city status?"),
    ),
    Criterion(
        "mou_signed_or_planned",
        CriterionGroup.OPPORTUNITY,
        N_(
            "Have the two cities, or organisations in them, signed an MoU or another"
            " commitment to cooperate, or do they intend to?"
        ),
    ),
    Criterion(
        "peer_to_peer_ready",
        CriterionGroup.WILLINGNESS,
        N_(
            "Are both cities available for peer-to-peer activities such as study visits"
            " and bilateral meetings?"
        ),
    ),
    Criterion(
        "wants_to_host_project",
        CriterionGroup.WILLINGNESS,
        N_(
            "Does at least one of the two cities wish to host a joint project on"
            " sustainable urban development?"
        ),
    ),
    Criterion(
        "wants_to_join_platform",
        CriterionGroup.WILLINGNESS,
        N_("Is your city or organisation interested in joining the city platform?"),
    ),
)

_BY_KEY: dict[str, Criterion] = {criterion.key: criterion for criterion in CRITERIA}


@dataclass(frozen=True)
class GroupScore:
    """How many of a group's criteria are met, and how many have been answered."""

    met: int
    answered: int
    total: int

    @property
    def share(self) -> float:
        """The share of the group's criteria that are met, from 0.0 to 1.0."""
        return self.met / self.total if self.total else 0.0

    @property
    def complete(self) -> bool:
        """True once every criterion of the group has been answered."""
        return self.answered == self.total


def criterion_by_key(key: str) -> Criterion:
    """The criterion with ``key``; ``KeyError`` if there is none."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown selection criterion {key!r}") from None


def criteria_in(group: CriterionGroup) -> tuple[Criterion, ...]:
    """The criteria of one group, in the report's order."""
    return tuple(criterion for criterion in CRITERIA if criterion.group is group)


def score_groups(answers: Mapping[str, bool]) -> dict[str, GroupScore]:
    """Score each group (keyed by :class:`CriterionGroup`, in order) from yes/no answers.

    Raises ``ValueError`` for answers to criteria that do not exist, so that a typo
    cannot silently lower a score.
    """
    unknown = sorted(key for key in answers if key not in _BY_KEY)
    if unknown:
        raise ValueError(f"unknown selection criteria: {', '.join(unknown)}")
    scores: dict[str, GroupScore] = {
        group: _score(criteria_in(group), answers) for group in CriterionGroup
    }
    return scores


def score_total(answers: Mapping[str, bool]) -> GroupScore:
    """All twelve criteria taken together."""
    groups = score_groups(answers).values()
    return GroupScore(
        met=sum(score.met for score in groups),
        answered=sum(score.answered for score in groups),
        total=sum(score.total for score in groups),
    )


def _score(criteria: tuple[Criterion, ...], answers: Mapping[str, bool]) -> GroupScore:
    answered = [answers[c.key] for c in criteria if c.key in answers]
    return GroupScore(met=sum(answered), answered=len(answered), total=len(criteria))
