"""Partner-selection criteria and their scoring; also the KPI catalogue."""

from collections import Counter

import pytest

from c2cbot.domain.criteria import (
    CRITERIA,
    GROUP_NAMES,
    CriterionGroup,
    GroupScore,
    criteria_in,
    criterion_by_key,
    score_groups,
    score_total,
)
from c2cbot.domain.kpis import KPI_CATALOGUE, KPI_KIND_NAMES, Kpi, KpiKind, kpi_by_key

ALL_YES = {criterion.key: True for criterion in CRITERIA}


def test_twelve_criteria_three_per_group() -> None:
    assert len(CRITERIA) == 12
    assert Counter(c.group for c in CRITERIA) == {group: 3 for group in CriterionGroup}
    assert all(len(criteria_in(group)) == 3 for group in CriterionGroup)
    assert set(GROUP_NAMES) == set(CriterionGroup)


def test_criterion_keys_are_short_unique_slugs_and_questions_ask() -> None:
    keys = [c.key for c in CRITERIA]
    assert len(set(keys)) == len(keys)
    assert all(key.isascii() and key.islower() and len(key) <= 24 for key in keys)
    assert all(c.question.endswith("?") for c in CRITERIA)
    assert criterion_by_key("historical_basis").group is CriterionGroup.OPPORTUNITY
    with pytest.raises(KeyError):
        criterion_by_key("vibes")


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        pytest.param(
            {},
            {group: GroupScore(met=0, answered=0, total=3) for group in CriterionGroup},
            id="nothing answered",
        ),
        pytest.param(
            ALL_YES,
            {group: GroupScore(met=3, answered=3, total=3) for group in CriterionGroup},
            id="all met",
        ),
        pytest.param(
            dict.fromkeys(ALL_YES, False),
            {group: GroupScore(met=0, answered=3, total=3) for group in CriterionGroup},
            id="all answered no",
        ),
        pytest.param(
            {
                "represents_city": True,
                "works_with_helix": True,
                "helix_critical_mass": False,
                "shared_aims": True,
                "historical_basis": False,
                "peer_to_peer_ready": True,
                "wants_to_host_project": True,
                "wants_to_join_platform": True,
            },
            {
                CriterionGroup.POTENTIAL: GroupScore(met=2, answered=3, total=3),
                CriterionGroup.SIMILARITY: GroupScore(met=1, answered=1, total=3),
                CriterionGroup.OPPORTUNITY: GroupScore(met=0, answered=1, total=3),
                CriterionGroup.WILLINGNESS: GroupScore(met=3, answered=3, total=3),
            },
            id="mixed, partly unanswered",
        ),
    ],
)
def test_score_groups(answers: dict[str, bool], expected: dict[str, GroupScore]) -> None:
    scores = score_groups(answers)
    assert scores == expected
    assert list(scores) == list(CriterionGroup)


@pytest.mark.parametrize(
    ("score", "share", "complete"),
    [
        (GroupScore(met=0, answered=0, total=3), 0.0, False),
        (GroupScore(met=1, answered=1, total=3), 1 / 3, False),
        (GroupScore(met=2, answered=3, total=3), 2 / 3, True),
        (GroupScore(met=3, answered=3, total=3), 1.0, True),
        (GroupScore(met=0, answered=0, total=0), 0.0, True),
    ],
)
def test_group_score_share(score: GroupScore, share: float, complete: bool) -> None:
    assert score.share == pytest.approx(share)
    assert 0.0 <= score.share <= 1.0
    assert score.complete is complete


def test_unanswered_criteria_count_as_not_met_but_are_reported() -> None:
    score = score_groups({"shared_aims": True})[CriterionGroup.SIMILARITY]
    assert (score.met, score.answered, score.total) == (1, 1, 3)
    assert score.share == pytest.approx(1 / 3)


def test_score_total() -> None:
    answers = {**dict.fromkeys(ALL_YES, False), "represents_city": True}
    assert score_total(answers) == GroupScore(met=1, answered=12, total=12)


def test_unknown_criteria_are_rejected() -> None:
    with pytest.raises(ValueError, match="vibes"):
        score_groups({"vibes": True})


# --- KPI catalogue ---------------------------------------------------------------------


def test_kpi_keys_are_unique_short_slugs() -> None:
    keys = [kpi.key for kpi in KPI_CATALOGUE]
    assert len(set(keys)) == len(keys)
    assert all(key.isascii() and key.islower() and len(key) <= 24 for key in keys)


def test_every_kpi_kind_is_used_and_named() -> None:
    assert {kpi.kind for kpi in KPI_CATALOGUE} == set(KpiKind)
    assert set(KPI_KIND_NAMES) == set(KpiKind)


def test_kpi_names_fit_a_button_and_only_counts_have_units() -> None:
    assert all(len(kpi.name) <= 40 for kpi in KPI_CATALOGUE)
    assert all((kpi.unit is not None) == (kpi.kind is KpiKind.COUNT) for kpi in KPI_CATALOGUE)


def test_the_reports_list_is_covered() -> None:
    keys = {kpi.key for kpi in KPI_CATALOGUE}
    assert {
        "high_level_visits",
        "joint_projects",
        "joint_project_value",
        "fdi_into_city",
        "trade_volume",
        "visitors",
        "partnership_quality",
        "new_knowledge",
        "publicity",
    } <= keys


def test_kpi_by_key() -> None:
    assert kpi_by_key("trade_volume") == Kpi(
        "trade_volume", "Trade volume with the partner", KpiKind.MONEY
    )
    with pytest.raises(KeyError, match="unknown KPI"):
        kpi_by_key("happiness")
