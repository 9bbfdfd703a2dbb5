"""Button data: every kind of action goes out and comes back as itself, fits Telegram's
64 bytes, and the codes on buttons already sitting in people's chats still mean the same."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from c2cbot.config import DEFAULT_HOME
from c2cbot.domain.kpis import KPI_CATALOGUE
from c2cbot.domain.people import HelixRole
from c2cbot.flows.actions import (
    MAX_BYTES,
    Action,
    ChangeSchedule,
    FinishPicking,
    GroupLanguages,
    OpenPrompt,
    OpenStep,
    PauseFor,
    Pick,
    PickLanguage,
    QuestionCommand,
    ScheduleSetting,
    Toggle,
    decode,
    is_control,
    is_skip,
)
from c2cbot.flows.loader import load_all

# Codes as buttons carried them before actions were typed; they must decode the same way.
SENT_BEFORE: list[tuple[str, Action]] = [
    ("l:zh_Hans", PickLanguage("zh_Hans")),
    ("s:aim", OpenStep("aim")),
    ("p:1234", OpenPrompt(1234)),
    ("pa:14", PauseFor(14)),
    ("sc:f", ChangeSchedule(ScheduleSetting.FOLLOW_UP)),
    ("sc:f:7", ChangeSchedule(ScheduleSetting.FOLLOW_UP, value="7")),
    ("sc:r", ChangeSchedule(ScheduleSetting.REMINDERS)),
    ("sc:r:standard", ChangeSchedule(ScheduleSetting.REMINDERS, value="standard")),
    ("sc:k:3", ChangeSchedule(ScheduleSetting.KPI, 3)),
    ("sc:k:3:quarterly", ChangeSchedule(ScheduleSetting.KPI, 3, "quarterly")),
    ("g:en+zh_Hans", GroupLanguages(("en", "zh_Hans"))),
    ("g:zh_Hans", GroupLanguages(("zh_Hans",))),
    ("12:water", Pick(12, "water")),
    ("12:yes", Pick(12, "yes")),
    ("12:+water", Toggle(12, "water")),
    ("12:=", FinishPicking(12)),
    ("12:/skip", QuestionCommand(12, "skip")),
    ("12:/back", QuestionCommand(12, "back")),
]
# Data no button of ours carried: forged, or damaged on the way.
NEVER_SENT = [
    None,
    "",
    ":",
    "garbage",
    "-1:yes",
    "²:yes",
    "①:yes",
    "١:yes",
    "99999999999999999999999:yes",
    "p:",
    "p:abc",
    "p:²",
    "pa:",
    "pa:two",
    "sc:",
    "sc:x",
    "sc:k",
    "sc:k:abc",
]


@pytest.mark.parametrize(("code", "action"), SENT_BEFORE, ids=[c for c, _ in SENT_BEFORE])
def test_old_codes_decode_to_their_actions_and_are_still_written_the_same(
    code: str, action: Action
) -> None:
    assert decode(code) == action
    assert action.encode() == code


@pytest.mark.parametrize("data", NEVER_SENT)
def test_data_no_button_carried_decodes_to_nothing(data: str | None) -> None:
    assert decode(data) is None


def test_controls_are_done_and_skip() -> None:
    codes = ("4:=", "4:/skip", "4:water", "s:aim")
    assert [c for c in codes if is_control(c)] == ["4:=", "4:/skip"]
    assert [c for c in ("4:/skip", "4:=", "4:/back") if is_skip(c)] == ["4:/skip"]


def test_the_longest_buttons_fit_telegrams_64_bytes() -> None:
    conversations = load_all(DEFAULT_HOME / "conversations")
    option_ids = [
        o.id
        for conversation in conversations.values()
        for question in conversation.questions
        for sub in (question, *(question.questions or ()))
        for o in sub.options or ()
    ]
    option_ids += [kpi.key for kpi in KPI_CATALOGUE] + [role.value for role in HelixRole]
    seq = 10**12  # more questions than anyone will be asked
    longest: list[Action] = [
        *(OpenStep(c) for c in conversations),
        *(Toggle(seq, o) for o in option_ids),
        OpenPrompt(2**63 - 1),
        ChangeSchedule(ScheduleSetting.KPI, 2**63 - 1, "quarterly"),
        GroupLanguages(("de", "zh_Hans")),
    ]
    assert all(len(a.encode().encode()) <= MAX_BYTES for a in longest)


def test_a_button_too_long_for_telegram_is_refused_when_made() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        OpenStep("x" * 70).encode()


@given(st.text(max_size=80))
def test_any_data_decodes_without_error_and_round_trips(data: str) -> None:
    action = decode(data)
    if action is not None and len(data.encode()) <= MAX_BYTES:
        assert decode(action.encode()) == action
