"""Every conversation walked end to end, in English, Chinese and German, down to the stored rows.

Chinese wording is never written into these tests: the catalogue is being translated,
so expected texts come from the catalogue itself (``says``) and everything else is
checked by structure: buttons, positions and database rows.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from c2cbot.domain.criteria import GROUP_NAMES, CriterionGroup
from c2cbot.domain.steps import Step
from c2cbot.flows.notice import NOTICE_VERSION
from c2cbot.flows.schema import Conversation
from c2cbot.flows.walk import question_at
from c2cbot.runtime import Bot
from c2cbot.store.models import (
    Answer,
    City,
    Membership,
    Organisation,
    Partnership,
    Stakeholder,
)
from tests.driver import Driver
from tests.flows.walker import (
    DATE_STORED,
    MONEY_STORED,
    NAMES,
    ORGANISATIONS,
    ZH,
    answers_of,
    catalogue_ids,
    key_to_row,
    onboard,
    position_for,
    says,
    stakeholder_id,
    start_step,
    state_of,
    walk_conversation,
)

LANGUAGES = ["en", ZH, "de"]
PARTNERSHIP = "Gothenburg–Shanghai"
CJK = re.compile(r"[\u4e00-\u9fff]")
TEXT, MONEY = object(), object()  # stand-ins for values that depend on the language
MEMBER = object()  # a member of the partnership, picked by the first button
CRITERIA = [
    "represents_city",
    "works_with_helix",
    "helix_critical_mass",
    "shared_aims",
    "on_platform_agenda",
    "reference_city",
    "international_strategy",
    "historical_basis",
    "mou_signed_or_planned",
    "peer_to_peer_ready",
    "wants_to_host_project",
    "wants_to_join_platform",
]
# Choice buttons the walker takes where the first or second would miss a follow-up question.
PICKS: dict[str, dict[str, int]] = {
    "partner": {"mou_status": 2},
    "plan": {"political_approval": 2},
}
ACTIVITY = [
    ("title", TEXT),
    ("owner", MEMBER),
    ("funding", None),
    ("start", DATE_STORED),
    ("due", DATE_STORED),
    ("expected_result", TEXT),
]
# Every answer the walker gives, in order, as (walker key, stored value). The walker skips
# the first optional question, answers yes to yes/no, 4 to ratings, takes the first two
# options of a multi and the first, then second, button of choice questions.
EXPECTED: dict[str, list[tuple[str, Any]]] = {
    "aim": [
        ("vision", TEXT),
        ("challenges", ["climate_energy", "mobility"]),
        ("has_strategy", True),
        ("facts_collected", True),
        ("facts_which", TEXT),
        # swot: skipped
        ("stakeholders_involved", ["government", "industry"]),
        ("stakeholder_roles", ["bring_experience", "shape_objectives"]),
        ("why_abroad", TEXT),
        ("why_far", TEXT),
        ("impact_rating", 4),
        ("expected_impact", TEXT),
    ],
    "commit": [
        # approaches: skipped
        ("priorities", ["sports", "culture"]),
        ("political_commitment", True),
        ("commitment_form", TEXT),
        ("stakeholder_roles", TEXT),
        ("team", TEXT),
        ("staff", "12"),
        ("budget", MONEY),
        ("external_engaged", ["national", "regional"]),
        ("external_roles", TEXT),
    ],
    "partner": [
        *((criterion, True) for criterion in CRITERIA),
        ("partner_city", TEXT),
        ("first_priorities", ["sports", "culture"]),
        ("low_hanging", TEXT),
        ("mou_status", "signed"),
        ("mou_signed", DATE_STORED),
        # mou_expiry: skipped
    ],
    "plan": [
        ("feasible_activities", TEXT),
        ("stakeholders_consulted", True),
        ("fits_city_strategy", True),
        *(
            (f"activities#0.{sub}", "city_budget" if value is None else value)
            for sub, value in ACTIVITY
        ),
        *(
            (f"activities#1.{sub}", "national_regional" if value is None else value)
            for sub, value in ACTIVITY
        ),
        ("partner_agreed", True),
        ("political_approval", "approved"),
        ("approval_date", DATE_STORED),
        # review_date: skipped
    ],
    "do": [
        ("teams_set_up", True),
        ("resources", ["budget", "in_kind"]),
        ("detailed_plans", True),
        ("focal_point", TEXT),
        # risks: skipped
        ("follow_up", "meetings"),
        ("frequency", "biweekly"),
    ],
    "measure": [
        ("evaluation_framework", True),
        ("kpis", ["high_level_visits", "partner_at_our_events"]),
        ("add_custom", True),
        ("custom_kpis#0.name", TEXT),
        ("custom_kpis#0.kind", "count"),
        # custom_kpis#0.unit: skipped; item 1 is money, which has no unit
        ("custom_kpis#1.name", TEXT),
        ("custom_kpis#1.kind", "money"),
        ("kpi_frequency", "monthly"),
        ("kpi_reporters", "industry"),
        ("add_targets", True),
        ("kpi_targets#0.kpi", "high_level_visits"),
        ("kpi_targets#0.baseline", "12"),
        ("kpi_targets#0.target", "12"),
        ("kpi_targets#1.kpi", "partner_at_our_events"),
        ("kpi_targets#1.baseline", "12"),
        ("kpi_targets#1.target", "12"),
        ("team_feedback", True),
        ("problems", TEXT),
        ("partnership_progress", 4),
        ("activity_progress", 4),
        ("alignment", 4),
        ("contribution", 4),
        ("adjustments_proposed", TEXT),
    ],
    "act": [
        ("adjustments", TEXT),
        ("related_to_goals", True),
        ("stakeholders_involved", True),
        ("improvements_approved", "not_yet"),
        ("targets_updated", True),
        ("new_targets", TEXT),
        ("success_factors", TEXT),
        # fine_tune: skipped
    ],
    "replicate": [
        # knowledge_shared: skipped
        ("platforms", TEXT),
        ("more_partnerships", True),
        ("systematic_tool", True),
        ("networking_vital", 4),
        ("learner_or_mentor", "learner"),
        ("investor_or_recipient", "recipient"),
        ("wider_benefits", TEXT),
        ("repeat_next_time", TEXT),
    ],
}
# Finishing the partnership's current step (Do) moves it on its loop; other steps do not.
STEP_AFTER = {step: "measure" if step == "do" else "do" for step in EXPECTED}


async def partnership_id(bot: Bot) -> int:
    async with bot.database.sessions() as session:
        query = select(Partnership.id).where(Partnership.name == PARTNERSHIP)
        return (await session.execute(query)).scalar_one()


async def partnership_step(bot: Bot) -> str:
    async with bot.database.sessions() as session:
        query = select(Partnership.step).where(Partnership.name == PARTNERSHIP)
        return (await session.execute(query)).scalar_one()


async def city_id(bot: Bot, key: str) -> int:
    async with bot.database.sessions() as session:
        return (await session.execute(select(City.id).where(City.key == key))).scalar_one()


def step_marks(driver: Driver) -> dict[str, str]:
    """The menu's progress mark per step: "✓" or "answered/total"."""
    return {c.action.removeprefix("s:"): c.label.rsplit(" · ", 1)[1] for c in driver.last.choices}


def check_typed_value(row: Answer, expected: Any, language: str) -> None:
    value = row.value["value"]
    if expected is TEXT:
        assert value == row.display and value.strip() == value and value
        assert bool(CJK.search(value)) == (language == ZH), value
    elif expected is MONEY:
        assert value == MONEY_STORED[language]
    elif expected is MEMBER:
        assert str(value).isdigit() and NAMES[language] in row.display, row.display
    else:
        assert value == expected, (row.question, row.item)
        assert row.display


def check_rows(
    rows: list[Answer],
    conversation: Conversation,
    language: str,
    expected: list[tuple[str, Any]],
    partnership: int,
) -> None:
    assert [(r.question, r.item) for r in rows] == [key_to_row(key) for key, _ in expected]
    for row, (key, value) in zip(rows, expected, strict=True):
        asked = question_at(conversation, position_for(key))
        assert (row.conversation, row.step) == (conversation.id, conversation.step)
        assert (row.language, row.partnership_id, row.channel) == (language, partnership, "web")
        assert row.value["type"] == asked.type.value
        assert row.inbound_id is not None
        check_typed_value(row, value, language)


# ----- onboarding


@pytest.mark.parametrize("language", LANGUAGES)
async def test_onboarding(
    bot: Bot, person: Driver, invite: str, conversations: dict[str, Conversation], language: str
) -> None:
    await person.send("hello")
    assert person.replies[0].text == says(bot, "en", conversations["onboarding"].intro or "")
    assert [c.label for c in person.last.choices] == ["English", "简体中文", "Deutsch"]

    city = "shanghai" if language == ZH else "gothenburg"
    picks = {"city": 1 if language == ZH else 0}
    keys = await walk_conversation(
        person, conversations["onboarding"], language, invite=invite, picks=picks
    )

    abroad = ["consent_abroad"] if language == ZH else []  # Shanghai is in China
    assert keys == [
        "language",
        "consent",
        "invite",
        "name",
        "city",
        *abroad,
        "organisation",
        "helix_role",
    ]
    state = await state_of(person)
    assert (state["conv"], state["pos"], state["onboarded"]) == (None, None, True)
    assert says(bot, language, conversations["onboarding"].outro or "") in person.text
    assert [c.action for c in person.last.choices] == [f"s:{s.value}" for s in Step]
    assert step_marks(person) == {
        s.value: f"0/{len(conversations[s.value].questions)}" for s in Step
    }

    pid, where = await partnership_id(bot), await city_id(bot, city)
    rows = await answers_of(person)
    consents = [("consent_abroad", {"given": True, "scope": "abroad", "notice": NOTICE_VERSION})]
    assert [(r.question, r.value["value"]) for r in rows] == [
        ("consent", {"given": True, "scope": "data", "notice": NOTICE_VERSION}),
        ("name", NAMES[language]),
        ("city", str(where)),
        *(consents if abroad else []),
        ("organisation", ORGANISATIONS[language]),
        ("helix_role", "industry"),
    ]
    # Consents are the person's, no partnership's answers; the language, chosen before
    # consent, is kept as a profile setting, not as an answer.
    assert [r.partnership_id for r in rows] == [None, pid, pid, *[None for _ in abroad], pid, pid]
    assert {(r.conversation, r.step, r.language, r.item) for r in rows} == {
        ("onboarding", None, language, None)
    }
    await check_profile(bot, await stakeholder_id(person), language, where, pid)


async def check_profile(bot: Bot, stakeholder: int, language: str, city: int, pid: int) -> None:
    async with bot.database.sessions() as session:
        found = await session.get_one(Stakeholder, stakeholder)
        organisation = await session.get_one(Organisation, found.organisation_id)
        membership = (
            await session.execute(
                select(Membership).where(Membership.stakeholder_id == stakeholder)
            )
        ).scalar_one()
    assert (found.name, found.language, found.city_id, found.helix_role) == (
        NAMES[language],
        language,
        city,
        "industry",
    )
    assert (organisation.name, organisation.city_id) == (ORGANISATIONS[language], city)
    assert (membership.partnership_id, membership.role) == (pid, "coordinator")


# ----- the eight steps


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("step", list(EXPECTED))
async def test_step(
    bot: Bot,
    person: Driver,
    invite: str,
    conversations: dict[str, Conversation],
    language: str,
    step: str,
) -> None:
    conversation = conversations[step]
    await onboard(person, conversations, language, invite)
    assert step_marks(person)[step] == f"0/{len(conversation.questions)}"

    await start_step(person, step)
    assert person.replies[-2].text == says(bot, language, conversation.intro or "")
    first = await state_of(person)
    assert (first["conv"], first["pos"]) == (
        step,
        [conversation.questions[0].id, None, None, False],
    )
    before = len(person.replies)
    keys = await walk_conversation(person, conversation, language, picks=PICKS.get(step))

    assert keys == [key for key, _ in EXPECTED[step]]
    state = await state_of(person)
    assert (state["conv"], state["pos"], state["values"]) == (None, None, {})
    said = "\n".join(r.text for r in person.replies[before:])
    assert says(bot, language, conversation.outro or "") in said
    marks = step_marks(person)
    assert marks[step] == "✓"
    assert [s for s, mark in marks.items() if mark == "✓"] == [step]
    pid = await partnership_id(bot)
    check_rows(await answers_of(person, step), conversation, language, EXPECTED[step], pid)
    assert len(await answers_of(person)) == 5 + len(EXPECTED[step])  # onboarding + this step
    assert await partnership_step(bot) == STEP_AFTER[step]


# ----- the Partner step's summary


SUMMARY_PATTERN = {  # criterion answered yes (0) or no (1), and the score each group gets
    CriterionGroup.POTENTIAL: ([0, 0, 1], 2),
    CriterionGroup.SIMILARITY: ([0, 1, 1], 1),
    CriterionGroup.OPPORTUNITY: ([1, 1, 1], 0),
    CriterionGroup.WILLINGNESS: ([0, 0, 0], 3),
}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_partner_summary_lists_four_criteria_groups(
    bot: Bot, person: Driver, invite: str, conversations: dict[str, Conversation], language: str
) -> None:
    buttons = [b for pattern, _ in SUMMARY_PATTERN.values() for b in pattern]
    await onboard(person, conversations, language, invite)
    await start_step(person, "partner")
    before = len(person.replies)
    await walk_conversation(
        person, conversations["partner"], language, picks=dict(zip(CRITERIA, buttons, strict=True))
    )

    header = "How well the partner city matches the selection criteria:"
    line = "{group}: {met} of {total}"
    summaries = [
        r for r in person.replies[before:] if r.text.startswith(says(bot, language, header))
    ]
    assert len(summaries) == 1
    assert summaries[0].text.split("\n") == [says(bot, language, header)] + [
        says(bot, language, line, group=says(bot, language, GROUP_NAMES[group]), met=met, total=3)
        for group, (_, met) in SUMMARY_PATTERN.items()
    ]
    assert {header, line, *GROUP_NAMES.values()} <= catalogue_ids(bot, language)
    rows = await answers_of(person, "partner")
    assert [r.value["value"] for r in rows[:12]] == [b == 0 for b in buttons]
    if language == "en":  # the wording itself, pinned once
        assert summaries[0].text == (
            "How well the partner city matches the selection criteria:\n"
            "Potential: 2 of 3\nSimilarity and commonality: 1 of 3\n"
            "Opportunity: 0 of 3\nWillingness: 3 of 3"
        )
