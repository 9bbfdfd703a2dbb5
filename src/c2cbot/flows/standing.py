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
    """The partnership's name, "Step 2 of 4: Do" and its work path, if the person has
    one: people in several partnerships always see which one they are working on."""
    if turn.partnership_id is None:
        return None
    standing = await turn.ledger.plan.standing(turn.partnership_id)
    step_name = translate(turn, STEP_NAMES[Step(standing.step)])
    loop = LOOPS.get(standing.loop)
    number = number_on(loop, standing.step) if loop else None
    lines = [standing.title(turn.language)]
    if loop and number:
        total = len(loop.steps)
        lines.append(translate(turn, ON_THE_LOOP, number=number, total=total, step=step_name))
    else:
        lines.append(translate(turn, CURRENT_STEP, step=step_name))
    if loop:
        lines.append(translate(turn, WORK_PATH, loop=translate(turn, loop.name)))
    return "\n".join(lines)
