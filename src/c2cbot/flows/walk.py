"""Where a conversation goes next: pure functions over a conversation and its answers.

A position is a question at the top level, a question inside one item of a repeat
group, or the group's "add another?" prompt after an item.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from c2cbot.flows.schema import Condition, Conversation, Kind, Question


@dataclass(frozen=True)
class Position:
    question: str
    item: int | None = None
    sub: str | None = None
    more: bool = False

    @property
    def key(self) -> str:
        """Where this position's answer is kept in a run's values."""
        if self.item is None:
            return self.question
        return f"{self.question}#{self.item}" + ("?" if self.more else f".{self.sub}")

    def to_json(self) -> list[Any]:
        return [self.question, self.item, self.sub, self.more]

    @classmethod
    def from_json(cls, data: list[Any]) -> Position:
        return cls(data[0], data[1], data[2], bool(data[3]))

    @classmethod
    def from_key(cls, key: str) -> Position:
        """The position whose ``key`` this is: "vision", "activities#1.title", "activities#0?"."""
        if "#" not in key:
            return cls(key)
        group, rest = key.split("#", 1)
        if rest.endswith("?"):
            return cls(group, int(rest[:-1]), more=True)
        item, sub = rest.split(".", 1)
        return cls(group, int(item), sub)


Values = Mapping[str, Any]


def question_at(conversation: Conversation, position: Position) -> Question:
    """The question asked at ``position``; the "more" prompt is reported as its group."""
    top = _top(conversation, position.question)
    if position.sub is None:
        return top
    return next(q for q in top.questions or () if q.id == position.sub)


def first(conversation: Conversation, values: Values) -> Position | None:
    return _enter_top(conversation, 0, values)


def entering(conversation: Conversation, index: int, values: Values) -> Position | None:
    """The first position asked from the top-level question ``index`` on."""
    return _enter_top(conversation, index, values)


def walked(conversation: Conversation, values: Values) -> list[Position]:
    """Every position a person passes with ``values`` as answers, in order (pure)."""
    passed: list[Position] = []
    position = first(conversation, values)
    while position is not None:
        passed.append(position)
        position = after(conversation, position, values)
    return passed


def after(conversation: Conversation, position: Position, values: Values) -> Position | None:
    """The position that follows once ``position`` has its answer in ``values``."""
    index = _top_index(conversation, position.question)
    if position.item is None:
        return _enter_top(conversation, index + 1, values)
    if position.more:
        if values.get(position.key) is True:
            return _enter_item(conversation, index, position.item + 1, values)
        return _enter_top(conversation, index + 1, values)
    return _after_sub(conversation, index, position, values)


def _after_sub(
    conversation: Conversation, index: int, position: Position, values: Values
) -> Position | None:
    group = conversation.questions[index]
    subs = group.questions or []
    start = [q.id for q in subs].index(position.sub or "") + 1
    item = position.item or 0
    for sub in subs[start:]:
        if applies(sub.when, values, prefix=f"{group.id}#{item}."):
            return Position(group.id, item, sub.id)
    if item + 1 >= group.max_items:
        return _enter_top(conversation, index + 1, values)
    if item + 1 < group.min_items:
        return _enter_item(conversation, index, item + 1, values)
    return Position(group.id, item, more=True)


def _enter_top(conversation: Conversation, index: int, values: Values) -> Position | None:
    for i, question in enumerate(conversation.questions[index:], start=index):
        if not applies(question.when, values):
            continue
        if question.type is Kind.GROUP:
            return _enter_item(conversation, i, 0, values)
        return Position(question.id)
    return None


def _enter_item(
    conversation: Conversation, index: int, item: int, values: Values
) -> Position | None:
    group = conversation.questions[index]
    for sub in group.questions or []:
        if applies(sub.when, values, prefix=f"{group.id}#{item}."):
            return Position(group.id, item, sub.id)
    return _enter_top(conversation, index + 1, values)


def applies(condition: Condition | None, values: Values, prefix: str = "") -> bool:
    """Whether a question's ``when`` holds for the answers given so far."""
    if condition is None:
        return True
    value = values.get(prefix + condition.question)
    if condition.answered is not None:
        return (value is not None) == condition.answered
    wanted = condition.values
    if isinstance(value, list):
        return any(v in wanted for v in value)
    return value in wanted


def progress(
    conversation: Conversation,
    position: Position,
    asked: Collection[str],
    values: Values,
    passed_over: Callable[[Question], bool],
) -> tuple[int, int]:
    """Which question this is, of how many, counting only questions the person is asked.

    Questions before this one count if they were asked (``asked``: the top-level ids of
    the trail); later ones unless ``passed_over`` already knows they will not be (the
    invite of someone who has joined), or their ``when`` already fails on an answer given.
    """
    index = _top_index(conversation, position.question)
    before = sum(1 for q in conversation.questions[:index] if q.id in asked)
    known = {*values, *asked}

    def later(question: Question) -> bool:
        when = question.when
        if when is not None and when.question in known and not applies(when, values):
            return False
        return not passed_over(question)

    after = sum(1 for q in conversation.questions[index + 1 :] if later(q))
    return before + 1, before + 1 + after


def count_questions(conversation: Conversation) -> int:
    """How many top-level questions a conversation has, for progress shown to people."""
    return len(conversation.questions)


def _top(conversation: Conversation, question_id: str) -> Question:
    return conversation.questions[_top_index(conversation, question_id)]


def _top_index(conversation: Conversation, question_id: str) -> int:
    """By id: ``list.index`` compared whole questions, field by field, on every turn."""
    return next(n for n, q in enumerate(conversation.questions) if q.id == question_id)
