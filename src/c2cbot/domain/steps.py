"""The cooperation narrative: four phases, eight steps and the loops through them."""

from dataclasses import dataclass
from enum import StrEnum

from c2cbot.domain.text import N_


class Phase(StrEnum):
    PREPARE = "prepare"
    FIND_PARTNER = "find_partner"
    MAKE_IT_HAPPEN = "make_it_happen"
    BUILD_ON_IT = "build_on_it"


class Step(StrEnum):
    AIM = "aim"
    COMMIT = "commit"
    PARTNER = "partner"
    PLAN = "plan"
    DO = "do"
    MEASURE = "measure"
    ACT = "act"
    REPLICATE = "replicate"


STEP_PHASE: dict[Step, Phase] = {
    Step.AIM: Phase.PREPARE,
    Step.COMMIT: Phase.PREPARE,
    Step.PARTNER: Phase.FIND_PARTNER,
    Step.PLAN: Phase.MAKE_IT_HAPPEN,
    Step.DO: Phase.MAKE_IT_HAPPEN,
    Step.MEASURE: Phase.MAKE_IT_HAPPEN,
    Step.ACT: Phase.MAKE_IT_HAPPEN,
    Step.REPLICATE: Phase.BUILD_ON_IT,
}

STEP_NAMES: dict[Step, str] = {
    Step.AIM: N_("Aim"),
    Step.COMMIT: N_("Commit"),
    Step.PARTNER: N_("Partner"),
    Step.PLAN: N_("Plan"),
    Step.DO: N_("Do"),
    Step.MEASURE: N_("Measure"),
    Step.ACT: N_("Act"),
    Step.REPLICATE: N_("Replicate"),
}


@dataclass(frozen=True)
class Loop:
    """A work path through the steps; ``cyclic`` loops start again at their first step."""

    key: str
    name: str
    steps: tuple[Step, ...]
    cyclic: bool


LOOPS: dict[str, Loop] = {
    loop.key: loop
    for loop in (
        Loop(
            "new_partnership",
            N_("New city-to-city partnership"),
            (Step.REPLICATE, Step.PARTNER, Step.PLAN, Step.DO, Step.MEASURE, Step.ACT),
            cyclic=False,
        ),
        Loop(
            "continual_improvement",
            N_("Continual improvement"),
            (Step.PLAN, Step.DO, Step.MEASURE, Step.ACT),
            cyclic=True,
        ),
        Loop(
            "local_helix",
            N_("Local helix building"),
            (Step.COMMIT, Step.PLAN, Step.DO, Step.MEASURE, Step.ACT),
            cyclic=False,
        ),
        Loop("city_development", N_("City development"), tuple(Step), cyclic=True),
    )
}


def number_on(loop: Loop, step: str) -> int | None:
    """Where ``step`` lies on ``loop``, counted from 1; ``None`` for a step off the loop.

    The weekly digest, ``/steps`` and ``/status`` all say "step N of M" with this number.
    """
    return loop.steps.index(Step(step)) + 1 if step in {s.value for s in loop.steps} else None


def next_step(loop: Loop, current: Step) -> Step | None:
    """The step after ``current`` on ``loop``; ``None`` when a one-way loop is finished."""
    if current not in loop.steps:
        return loop.steps[0]
    index = loop.steps.index(current) + 1
    if index < len(loop.steps):
        return loop.steps[index]
    return loop.steps[0] if loop.cyclic else None


def steps_done(loop_key: str, step: Step) -> tuple[Step, ...]:
    """The steps of the loop before the current one: a loop's order is its progress.

    What the weekly digest marks done and the workspace shows complete; a step off the
    loop (or an unknown loop) has none done.
    """
    loop = LOOPS.get(loop_key)
    if loop is None or step not in loop.steps:
        return ()
    return loop.steps[: loop.steps.index(step)]
