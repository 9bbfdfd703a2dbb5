"""The Partner step's closing summary: how many selection criteria each group meets."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from c2cbot.domain.criteria import GROUP_NAMES, CriterionGroup, score_groups
from c2cbot.domain.text import N_
from c2cbot.flows.schema import Conversation


def criteria_summary(
    conversation: Conversation, answers: Mapping[str, Any], _: Callable[..., str]
) -> str:
    """One line per criteria group, so both cities see where a match is strong or weak."""
    scored = {
        q.id: answers[q.id] is True
        for q in conversation.questions
        if q.score_group and answers.get(q.id) is not None
    }
    lines = [_(N_("How well the partner city matches the selection criteria:"))]
    for group, score in score_groups(scored).items():
        lines.append(
            _(
                N_("{group}: {met} of {total}"),
                group=_(GROUP_NAMES[CriterionGroup(group)]),
                met=score.met,
                total=score.total,
            )
        )
    return "\n".join(lines)
