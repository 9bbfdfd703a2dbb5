"""Where the partnership stands on its work path, said the same way everywhere.

The weekly digest, ``/steps`` and ``/status`` use the same numbers
(``domain.steps.number_on``) and the same sentences, so the menu of eight steps never
seems to contradict the digest's "step 2 of 4".
"""

from __future__ import annotations

from collections.abc import Callable

from c2cbot.domain.steps import LOOPS, STEP_NAMES, Step, number_on
from c2cbot.domain.text import N_
from c2cbot.flows.commanding import CommandTurn, translate

ON_THE_LOOP = N_("Step {number} of {total}: {step}")
CURRENT_STEP = N_("Current step: {step}")
WORK_PATH = N_("Work path: {loop}")


async def where_it_stands(turn: CommandTurn) -> str | None:
    """The partnership's name, "Step 2 of 4: Do" and its work path, if the person has
    one: people in several partnerships always see which one they are working on."""
    if turn.partnership_id is None:
        return None
    standing = await turn.ledger.plan.standing(turn.partnership_id)
    lines = [standing.title(turn.language)]
    lines += stands(standing.loop, standing.step, lambda text, **p: translate(turn, text, **p))
    return "\n".join(lines)


def stands(loop_key: str, step: str, _: Callable[..., str]) -> list[str]:
    """ "Step 2 of 4: Do" (or "Current step: Do" off the loop) and "Work path: …", in the
    reader's language (``_`` translates): the digest's, the chat's and the workspace's words."""
    step_name = _(STEP_NAMES[Step(step)])
    loop = LOOPS.get(loop_key)
    number = number_on(loop, step) if loop else None
    if loop and number:
        lines = [_(ON_THE_LOOP, number=number, total=len(loop.steps), step=step_name)]
    else:
        lines = [_(CURRENT_STEP, step=step_name)]
    if loop:
        lines.append(_(WORK_PATH, loop=_(loop.name)))
    return lines
