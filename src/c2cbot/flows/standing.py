"""Where the partnership stands on its work path, said the same way everywhere.

The weekly digest, ``/steps`` and ``/status`` use the same numbers
(``domain.steps.number_on``) and the same sentences, so the menu of eight steps never
seems to contradict the digest's "step 2 of 4".
"""

from __future__ import annotations

from c2cbot.domain.steps import LOOPS, STEP_NAMES, Step, number_on
from c2cbot.domain.text import N_
from c2cbot.flows.commanding import CommandTurn, translate

ON_THE_LOOP = N_("Step {number} of {total}: {step}")
CURRENT_STEP = N_("Current step: {step}")
WORK_PATH = N_("Work path: {loop}")


async def where_it_stands(turn: CommandTurn) -> str | None:
    """ "Step 2 of 4: Do" and the work path, for the person's partnership, if they have one."""
    if turn.partnership_id is None:
        return None
    loop_key, step = await turn.ledger.plan.standing(turn.partnership_id)
    step_name = translate(turn, STEP_NAMES[Step(step)])
    loop = LOOPS.get(loop_key)
    if loop is None:
        return translate(turn, CURRENT_STEP, step=step_name)
    number = number_on(loop, step)
    place = (
        translate(turn, ON_THE_LOOP, number=number, total=len(loop.steps), step=step_name)
        if number
        else translate(turn, CURRENT_STEP, step=step_name)
    )
    return place + "\n" + translate(turn, WORK_PATH, loop=translate(turn, loop.name))
