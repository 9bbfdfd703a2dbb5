"""How a question is put to a person: progress, prompt, help, a hint, and the options."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from c2cbot.domain.display import is_chinese
from c2cbot.domain.text import N_
from c2cbot.flows.actions import FinishPicking, Pick, QuestionCommand, Toggle
from c2cbot.flows.answering import Option
from c2cbot.flows.messages import Choice, Outbound
from c2cbot.flows.schema import Conversation, Kind, Question
from c2cbot.flows.text_limits import limit_hint
from c2cbot.flows.walk import Position

Translate = Callable[..., str]

HINTS = {
    Kind.MONEY: N_("Type the amount with its currency, for example €15,000 or 1.2万元."),
    Kind.DATE: N_("For example 2026-12-01, 1.12.2026 or 2026年12月1日."),
    Kind.MULTI: N_("You can choose more than one."),
}
"""Hints fit every channel: buttons or numbered lines are the channel's to explain."""


@dataclass(frozen=True)
class Asking:
    conversation: Conversation
    position: Position
    question: Question
    options: Sequence[Option]
    _: Translate
    seq: int
    number: int
    total: int
    language: str

    def message(self, picked: Sequence[str], update: bool) -> Outbound:
        """The question as one message; ``update`` asks channels to replace the last one."""
        return Outbound(
            "\n\n".join(part for part in self._parts() if part),
            self._choices(picked),
            multi=self.question.type is Kind.MULTI and not self.position.more,
            extra={"update": True} if update else {},
        )

    def _parts(self) -> list[str]:
        _ = self._
        if self.position.more:
            group = self.question_group()
            return [self._progress(), _(group.more_prompt or "")]
        return [
            self._progress() + self._item(),
            _(self.question.prompt),
            _(self.question.help) if self.question.help else "",
            self._hint(),
        ]

    def question_group(self) -> Question:
        return next(q for q in self.conversation.questions if q.id == self.position.question)

    def _progress(self) -> str:
        return f"{self._(self.conversation.title)} · {self.number}/{self.total}"

    def _item(self) -> str:
        if self.position.item is None:
            return ""
        group = self.question_group()
        return f"\n{self._(group.prompt)} · {self.position.item + 1}"

    def _hint(self) -> str:
        question, _ = self.question, self._
        hint = _(HINTS[question.type]) if question.type in HINTS else ""
        if question.type is Kind.NUMBER:
            hint = self._range()
        if question.type is Kind.TEXT:
            hint = limit_hint(question, _)
        if question.optional:
            between = "" if is_chinese(self.language) else " "  # no space after "。"
            hint = between.join(p for p in (hint, _(N_("You can /skip this one."))) if p)
        return hint

    def _range(self) -> str:
        low, high, _ = self.question.min, self.question.max, self._
        unit = f" {_(self.question.unit)}" if self.question.unit else ""
        if low is not None and high is not None:
            return _(
                N_("A number from {low} to {high}{unit}."),
                low=_num(low),
                high=_num(high),
                unit=unit,
            )
        return ""

    def _choices(self, picked: Sequence[str]) -> tuple[Choice, ...]:
        seq, _ = self.seq, self._
        if self.position.more:
            return (
                Choice(Pick(seq, "yes").encode(), _(N_("Yes"))),
                Choice(Pick(seq, "no").encode(), _(N_("No"))),
            )
        if self.question.type is Kind.MULTI:
            choices = [
                Choice(Toggle(seq, o.id).encode(), o.label, o.id in picked) for o in self.options
            ]
            choices.append(Choice(FinishPicking(seq).encode(), _(N_("Done"))))
        else:
            choices = [Choice(Pick(seq, o.id).encode(), o.label) for o in self.options]
        if self.question.optional:
            choices.append(Choice(QuestionCommand(seq, "skip").encode(), _(N_("Skip"))))
        return tuple(choices)


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)
