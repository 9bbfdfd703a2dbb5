"""One person's turn: what they sent goes to a command, a button or the question asked;
the runner here walks the conversation on from there.

Walking means: start a conversation, ask its questions, accept and store answers, move
to the next question, and complete it. Commands live in ``flows/commands/``, answers are
read in ``flows/answers.py``, the steps menu is ``flows/steps_menu.py``, and whatever one
conversation needs beyond that is a hook its file names (``flows/hooks.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from c2cbot.domain import values
from c2cbot.domain.steps import STEP_NAMES, Step
from c2cbot.domain.text import N_
from c2cbot.flows import (
    answers,
    consent,
    correction_views,
    corrections,
    hooks,
    offers,
    prompt_offers,
    steps_menu,
    walk,
)
from c2cbot.flows.actions import FinishPicking, OpenPrompt, Pick, QuestionCommand, Toggle, decode
from c2cbot.flows.answering import Option, Parsed
from c2cbot.flows.asking import Asking
from c2cbot.flows.commanding import coordinator_role
from c2cbot.flows.commands import registry
from c2cbot.flows.messages import Inbound, Outbound
from c2cbot.flows.notice import DEFAULT_PRIVACY, PrivacyFacts
from c2cbot.flows.options import options_for
from c2cbot.flows.ports import AnswerRecord, DigestPreviews, Ledger, Person
from c2cbot.flows.recording import answer_record
from c2cbot.flows.schema import Conversation, Kind, Question
from c2cbot.flows.texts import Texts
from c2cbot.flows.walk import Position

UNSUPPORTED = N_("I can only read text. Please type your answer or tap a button.")
NO_SUCH_CONVERSATION = N_("That conversation does not exist.")
ONLY_COORDINATORS = N_("Only coordinators of the partnership can do this.")
MOVED_ON = N_("Your partnership now moves on to the step “{step}”.")


class Turn:
    """Handles one inbound message for one person inside the engine's transaction."""

    def __init__(
        self,
        ledger: Ledger,
        person: Person,
        state: dict[str, Any],
        inbound: Inbound,
        inbound_id: int,
        conversations: Mapping[str, Conversation],
        texts: Texts,
        digests: DigestPreviews,
        now: datetime,
        privacy: PrivacyFacts = DEFAULT_PRIVACY,
    ) -> None:
        self.ledger, self.person, self.state, self.inbound = ledger, person, state, inbound
        self.inbound_id, self.conversations, self.texts = inbound_id, conversations, texts
        self.digests, self.now, self.privacy = digests, now, privacy
        self.language = person.language
        self.partnership_id = person.partnership_id
        self.role = person.role
        self.replies: list[Outbound] = []
        self.answers_stored = 0

    async def run(self) -> None:
        """Send what arrived where it belongs: a button, a command, a prompt, an answer.

        Consent to the privacy notice comes first (``flows/consent.py``)."""
        text = (self.inbound.text or "").strip()
        command = values.normalise(text[:100])  # "／skip" from a Chinese keyboard is /skip
        if await consent.gate(self, text[:100]):
            return
        if self.inbound.event == "unsupported":
            self.say(UNSUPPORTED)
            await self.reask()
        elif self.inbound.action:
            await self._press(self.inbound.action)
        elif command.startswith("/"):
            await registry.run_command(self, values.normalise(text))
        elif offered := await offers.picked(self.ledger.kpi_plans, self.inbound, text):
            await offers.open_offered(self, offered)  # a typed "1" under "Answer now" or the menu
        elif self.conversation:
            await answers.typed(self, text)
        else:
            await steps_menu.idle(self, text)

    async def _press(self, data: str) -> None:
        """A button: the question's own (if it is still the question asked), or a command's."""
        action = decode(data)
        if isinstance(action, OpenPrompt):
            await answers.open_prompt(self, action.prompt_id)
        elif isinstance(action, Pick | Toggle | FinishPicking | QuestionCommand):
            if self.conversation is None or action.seq != self.state.get("seq"):
                await answers.stale(self)
            elif isinstance(action, QuestionCommand):
                await registry.run_command(self, f"/{action.command}")
            elif isinstance(action, Pick):
                await answers.picked(self, action)
            elif isinstance(action, Toggle):
                await answers.toggled(self, action)
            else:
                await answers.finished(self, action)
        elif action is None or not await registry.press(self, action):
            await answers.stale(self)

    # ----- the person's language and where they are

    def translate(self, message: str, **params: object) -> str:
        translated = self.texts.gettext(self.language, message)
        return translated.format_map(_Keep(params)) if params else translated

    def in_context(self, message: str, **params: object) -> str:
        """``translate``, with the conversation's context ({kpi}, {period}) filled in."""
        return self.translate(message, **{**self.context, **params})

    def say(self, message: str, **params: object) -> None:
        self.replies.append(Outbound(self.translate(message, **params)))

    @property
    def context(self) -> dict[str, Any]:
        return dict(self.state.get("context") or {})

    @property
    def conversation(self) -> Conversation | None:
        conversation_id = self.state.get("conv")
        return self.conversations.get(conversation_id) if conversation_id else None

    @property
    def position(self) -> Position | None:
        pos = self.state.get("pos")
        return Position.from_json(pos) if pos else None

    async def set_language(self, code: str) -> None:
        self.language = code
        await self.ledger.people.update_profile(self.person.stakeholder_id, "language", code)

    # ----- walking a conversation

    async def start(self, conversation_id: str, context: dict[str, Any] | None = None) -> None:
        """Begin a conversation, if this person may take part in it.

        ``context`` fills placeholders such as {kpi} or {period} in the conversation's
        texts and travels with the answers; prompts from the scheduler use it.
        """
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            self.say(NO_SUCH_CONVERSATION)
            await steps_menu.show(self)
            return
        if not self._may_take(conversation):
            return
        self.state.update(
            conv=conversation.id, pos=None, trail=[], values={}, picked=[], context=context or {}
        )
        if conversation.intro:
            self.say(conversation.intro, **self.context)
        await self._go(conversation, walk.first(conversation, {}))

    def _may_take(self, conversation: Conversation) -> bool:
        if conversation.audience == "everyone":
            return True
        if self.partnership_id is None:
            self.say(steps_menu.JOIN_FIRST)
            return False
        if conversation.audience == "coordinators" and not coordinator_role(self.role):
            self.say(ONLY_COORDINATORS)
            return False
        return True

    async def accept(
        self, conversation: Conversation, position: Position, question: Question, parsed: Parsed
    ) -> None:
        """Store an understood answer (a profile field, or an answer row), then move on.

        No answer row is stored before consent (only the language, as a profile setting)."""
        if not position.more:
            await self._apply_profile(question, parsed)
            if question.type is not Kind.INVITE and consent.may_record(self.state, parsed.value):
                await self.ledger.answers.record(
                    _record(self, conversation, position, question, parsed)
                )
                self.answers_stored += 1
        self.state.setdefault("values", {})[position.key] = parsed.value
        if question.after and not position.more:
            await hooks.AFTER[question.after](self, question, parsed)
        await self.advance(conversation, position)

    async def _apply_profile(self, question: Question, parsed: Parsed) -> None:
        if question.sets is None:
            return
        if question.sets.value == "language":
            await self.set_language(str(parsed.value))
            return
        await self.ledger.people.update_profile(
            self.person.stakeholder_id, question.sets.value, parsed.value
        )

    async def advance(self, conversation: Conversation, position: Position) -> None:
        """Move past ``position``, which has its answer (or was skipped)."""
        self.state.setdefault("trail", []).append(position.to_json())
        self.state["picked"] = []
        await self._go(
            conversation, walk.after(conversation, position, self.state.get("values", {}))
        )

    async def _go(self, conversation: Conversation, position: Position | None) -> None:
        values_so_far = self.state.get("values", {})
        while position and self.already_satisfied(conversation, position):
            position = walk.after(conversation, position, values_so_far)
        if position is None:
            await self._complete(conversation)
            return
        self.state["pos"] = position.to_json()
        await self.ask()

    def already_satisfied(self, conversation: Conversation, position: Position) -> bool:
        """Nothing to ask: the question's or its group's ``ask_if`` fails, or an invite once
        joined. A group whose ``ask_if`` fails is passed over whole, "add another?" too."""
        asked = [walk.question_at(conversation, Position(position.question))]
        if position.sub is not None:
            asked.append(walk.question_at(conversation, position))
        if any(q.ask_if and not hooks.ASK_IF[q.ask_if](self) for q in asked):
            return True
        return self._joined(asked[-1]) or corrections.passes_over(self.state, position)

    def _joined(self, question: Question) -> bool:
        return question.type is Kind.INVITE and self.partnership_id is not None

    def progress(self, conversation: Conversation, position: Position) -> tuple[int, int]:
        """Which question of how many, counting only those this person is asked."""
        asked = {Position.from_json(p).question for p in self.state.get("trail") or []}
        values_so_far = self.state.get("values") or {}
        return walk.progress(
            conversation,
            position,
            asked,
            values_so_far,
            lambda question: self._joined(question) or consent.passed_over(self.state, question),
        )

    async def _complete(self, conversation: Conversation) -> None:
        corrected = await corrections.settle(self, conversation)
        if conversation.outro and not corrected:
            self.say(conversation.outro, **self.context)
        if conversation.on_complete:
            await hooks.ON_COMPLETE[conversation.on_complete](self, conversation)
        prompt_id = self.context.get("prompt_id")
        if isinstance(prompt_id, int):
            await self.ledger.prompts.prompt_answered(
                prompt_id, self.state.get("values", {}), self.now
            )
        if conversation.step is not None and self.partnership_id is not None:
            done = self.state.setdefault("done", {}).setdefault(str(self.partnership_id), [])
            done += [conversation.id] if conversation.id not in done else []
            await self._advance_partnership(conversation.step)
        self.state.update(conv=None, pos=None, trail=[], values={}, picked=[])
        if await corrections.resume(self):
            return
        if not (isinstance(prompt_id, int) and await prompt_offers.offer_waiting(self)):
            await steps_menu.show(self)

    async def _advance_partnership(self, step: Step) -> None:
        """A coordinator completing a step moves the partnership on to the next one."""
        if not coordinator_role(self.role):
            return
        assert self.partnership_id is not None
        moved = await self.ledger.answers.advance_step(self.partnership_id, step)
        if moved:
            self.say(MOVED_ON, step=self.translate(STEP_NAMES[Step(moved)]))

    # ----- asking

    async def options(self, question: Question) -> list[Option]:
        return await options_for(
            question, self.texts, self.language, self.ledger, self.partnership_id
        )

    async def ask(self, update: bool = False) -> None:
        """Put the current question; ``update`` replaces the last message (a multi's picks)."""
        asking = await self.asking(update)
        before = asking.question.before
        if before and not update and not asking.position.more:
            await hooks.BEFORE[before](self)  # the meeting's notes read back before "confirm"
        message = asking.message(self.state.get("picked") or [], update)
        self.replies.append(await correction_views.with_current(self, asking, message))

    async def asking(self, update: bool) -> Asking:
        conversation, position = self.conversation, self.position
        assert conversation is not None and position is not None
        if not update:
            self.state["seq"] = int(self.state.get("seq", 0)) + 1
        question = walk.question_at(conversation, position)
        options = [] if position.more else await self.options(question)
        seq = int(self.state["seq"])
        number, total = self.progress(conversation, position)
        return Asking(
            conversation,
            position,
            question,
            options,
            self.in_context,
            seq,
            number,
            total,
            self.language,
        )

    async def reask(self, menu: bool = True) -> None:
        """Ask the open question again after something else was said, else show the menu."""
        if self.conversation and self.position:
            await self.ask()
        elif menu:
            await steps_menu.show(self)


def _record(
    turn: Turn, conversation: Conversation, position: Position, question: Question, parsed: Parsed
) -> AnswerRecord:
    value = {"type": question.type.value, "value": parsed.value}
    return consent.personal(answer_record(turn, conversation, position, value, parsed.display))


class _Keep(dict[str, object]):
    """Format parameters that leave unknown {placeholders} as they are."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
