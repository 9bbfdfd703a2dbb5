"""Conversation files: the shipped ones load, and broken ones are named precisely."""

from pathlib import Path

import pytest
import yaml

from c2cbot.config import DEFAULT_HOME
from c2cbot.domain.criteria import CRITERIA
from c2cbot.domain.steps import Step
from c2cbot.flows.loader import ConversationError, load_all

SHIPPED = DEFAULT_HOME / "conversations"
GOOD = {
    "id": "tiny",
    "title": "Tiny",
    "questions": [
        {"id": "ready", "type": "yesno", "prompt": "Ready?"},
        {
            "id": "colour",
            "type": "choice",
            "prompt": "Colour?",
            "options": [{"id": "red", "label": "Red"}, {"id": "blue", "label": "Blue"}],
        },
        {
            "id": "why",
            "type": "text",
            "prompt": "Why?",
            "when": {"question": "colour", "equals": "red"},
        },
    ],
}


def test_every_step_and_onboarding_ship_as_files() -> None:
    conversations = load_all(SHIPPED)
    assert {s.value for s in Step} | {"onboarding"} <= set(conversations)
    assert all(conversations[s.value].step is s for s in Step)


def test_partner_asks_every_selection_criterion() -> None:
    partner = load_all(SHIPPED)["partner"]
    scored = {q.id: q.score_group for q in partner.questions if q.score_group}
    assert scored == {c.key: c.group.value for c in CRITERIA}


def _broken(tmp_path: Path, change: dict[str, object], index: int = 2) -> str:
    data = {**GOOD, "questions": [dict(q) for q in GOOD["questions"]]}  # type: ignore[union-attr]
    data["questions"][index].update(change)  # type: ignore[index]
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConversationError) as raised:
        load_all(tmp_path)
    return str(raised.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"when": {"question": "later", "equals": 1}}, "questions.why.when: refers to 'later'"),
        ({"when": {"question": "colour", "equals": "green"}}, "has no option 'green'"),
        ({"when": {"question": "ready", "equals": "yes"}}, "compare with true or false"),
        ({"when": {"question": "ready", "equals": True, "answered": True}}, "exactly one of"),
        ({"type": "choice"}, "questions.why: Value error, choice question needs options"),
        ({"type": "stars"}, "questions.why.type"),
        ({"id": "colour"}, "question id used twice"),
        ({"min": 5, "max": 1, "type": "number"}, "min is larger than max"),
        ({"surprise": 1}, "questions.why.surprise"),
        ({"check": "meeting_tim"}, "questions.why.check: no check hook is called 'meeting_tim'"),
        ({"before": "kpi_plans"}, "questions.why.before: no before hook is called 'kpi_plans'"),
        ({"ask_if": "Jumped!"}, "questions.why.ask_if: String should match pattern"),
    ],
)
def test_mistakes_are_named_by_file_and_question(
    tmp_path: Path, change: dict[str, object], expected: str
) -> None:
    message = _broken(tmp_path, change)
    assert message.startswith("tiny.yaml: ")
    assert expected in message


def test_a_file_whose_id_differs_from_its_name_is_refused(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text(yaml.safe_dump(GOOD), encoding="utf-8")
    with pytest.raises(ConversationError, match=r"other\.yaml: id: id .tiny. differs"):
        load_all(tmp_path)


def test_broken_yaml_is_reported_not_raised_raw(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConversationError, match=r"bad\.yaml: yaml"):
        load_all(tmp_path)


def test_an_unknown_completion_hook_is_named_with_the_ones_there_are(tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text(
        yaml.safe_dump({**GOOD, "on_complete": "kpi_plan"}), encoding="utf-8"
    )
    with pytest.raises(ConversationError) as raised:
        load_all(tmp_path)
    assert str(raised.value) == (
        "tiny.yaml: on_complete: no on_complete hook is called 'kpi_plan' "
        "(there are: act_targets, kpi_plans, meeting_notes, onboarded, partner_agreement, "
        "plan_activities, progress_rhythm)"
    )


def test_the_shipped_files_name_their_steps_hooks() -> None:
    """What used to be decided by a conversation's id in the engine is named in its file."""
    conversations = load_all(SHIPPED)
    completing = {c.id: c.on_complete for c in conversations.values() if c.on_complete}
    assert completing == {
        "onboarding": "onboarded",
        "partner": "partner_agreement",
        "plan": "plan_activities",
        "do": "progress_rhythm",
        "measure": "kpi_plans",
        "act": "act_targets",
        "meeting": "meeting_notes",
    }
    for kpi in ("kpi_count", "kpi_money"):
        hooked = {q.id: (q.after, q.ask_if) for q in conversations[kpi].questions}
        assert hooked["value"] == ("kpi_jump_check", None)
        assert hooked["confirm"] == (None, "kpi_jumped")


def test_a_key_given_twice_is_refused(tmp_path: Path) -> None:
    """YAML would keep the second ``help`` silently; the loader names the line instead."""
    text = yaml.safe_dump(GOOD).replace("  prompt:", "  help: one\n  help: two\n  prompt:", 1)
    (tmp_path / "tiny.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConversationError) as raised:
        load_all(tmp_path)
    assert "'help' is given twice" in str(raised.value)
