"""One person's turn: interpret what they sent, store it, decide what to say next."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from c2cbot.domain import values
from c2cbot.domain.people import BotRole, may_invite
from c2cbot.domain.steps import STEP_NAMES, Step
from c2cbot.domain.text import N_
from c2cbot.domain.values import InvalidValue
from c2cbot.flows import answering, kpi_review, kpi_setup, leave, meeting, schedule_commands, walk
from c2cbot.flows import digest_previews as previews
from c2cbot.flows.answering import Option, Parsed
from c2cbot.flows.asking import Asking
from c2cbot.flows.criteria_summary import criteria_summary
from c2cbot.flows.messages import Choice, Inbound, Outbound
from c2cbot.flows.options import options_for
from c2cbot.flows.ports import AnswerRecord, InviteProblem, Joined, Ledger, Person
from c2cbot.flows.schema import Conversation, Kind, Question
from c2cbot.flows.texts import Texts
from c2cbot.flows.walk import Position

ONBOARDING = "onboarding"
INVITE_USES = 20
INVITE_MADE = N_(
    "Invite code: {code}\n"
    "It works for {uses} people until {date}. They send /start {code} to me, "
    "or open the link below."
)
INVITE_PROBLEMS = {
    InviteProblem.UNKNOWN: N_("I don't know that invite code. Please check it and send it again."),
    InviteProblem.EXPIRED: N_(
        "That invite code has expired. Please ask your coordinator for a new one."
    ),
    InviteProblem.USED_UP: N_(
        "That invite code has been used up. Please ask your coordinator for a new one."
    ),
}
HELP = N_(
    "I walk you through the eight steps of your city partnership and keep every answer "
    "for both cities.\n\n"
    "/steps – the eight steps and how far you are\n"
    "/status – where you are now\n"
    "/back – go back one question\n"
    "/skip – leave out an optional question\n"
    "/cancel – stop this conversation (your answers are kept)\n"
    "/language – choose your language\n"
    "/invite – invite people to your partnership (coordinators)\n"
    "/pause – tell me you are away, until a day; /resume – you are back\n"
    "/schedule – see and change follow-ups, reminders and KPI rounds (coordinators)\n"
    "/meeting – write down the notes of a meeting\n"
    "/digest – this week's digest (/digest meeting: the last meeting's)\n"
    "/help – this message"
)


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
        now: datetime,
    ) -> None:
        self.ledger, self.person, self.state, self.inbound = ledger, person, state, inbound
        self.inbound_id, self.conversations, self.texts, self.now = (
            inbound_id,
            conversations,
            texts,
            now,
        )
        self.language = person.language
        self.partnership_id = person.partnership_id
        self.role = person.role
        self.replies: list[Outbound] = []
        self.answers_stored = 0

    # ----- entry points

    async def run(self) -> None:
        text = (self.inbound.text or "").strip()
        command = values.normalise(text[:100])  # "／skip" from a Chinese keyboard is /skip
        if self.inbound.event == "unsupported":
            self.say(N_("I can only read text. Please type your answer or tap a button."))
            await self._reask()
        elif self.inbound.action:
            await self._on_action(self.inbound.action)
        elif command.startswith("/"):
            await self._on_command(values.normalise(text))
        elif offered := await kpi_review.offered_prompt(self.ledger, self.inbound, text):
            await self._open_prompt(offered)  # a typed "1" under a prompt's "Answer now"
        elif self._conversation:
            await self._on_answer(text)
        else:
            await self._idle(text)

    # ----- small vocabulary

    def _(self, message: str, **params: object) -> str:
        translated = self.texts.gettext(self.language, message)
        return translated.format_map(_Keep(params)) if params else translated

    def _in_context(self, message: str, **params: object) -> str:
        return self._(message, **{**self._context, **params})

    @property
    def _context(self) -> dict[str, Any]:
        return dict(self.state.get("context") or {})

    def say(self, message: str, **params: object) -> None:
        self.replies.append(Outbound(self._(message, **params)))

    @property
    def _conversation(self) -> Conversation | None:
        conversation_id = self.state.get("conv")
        return self.conversations.get(conversation_id) if conversation_id else None

    @property
    def _position(self) -> Position | None:
        pos = self.state.get("pos")
        return Position.from_json(pos) if pos else None

    # ----- commands and buttons

    async def _on_command(self, text: str) -> None:
        word, _, argument = text[1:].partition(" ")
        command = word.split("@", 1)[0].lower()
        handler = {
            "start": self._cmd_start,
            "help": self._cmd_help,
            "language": self._cmd_language,
            "steps": self._cmd_steps,
            "status": self._cmd_status,
            "back": self._cmd_back,
            "skip": self._cmd_skip,
            "cancel": self._cmd_cancel,
            "invite": self._cmd_invite,
            "pause": lambda a: self._then_reask(leave.pause(self, a)),
            "resume": lambda a: self._then_reask(leave.resume(self, a)),
            "schedule": lambda a: self._then_reask(schedule_commands.show_or_change(self, a)),
            "meeting": self._cmd_meeting,
            "digest": self._cmd_digest,
        }.get(command)
        if handler is None:
            self.say(
                N_("I don't know the command /{command}. Send /help to see what I understand."),
                command=command[:32],
            )
            await self._reask()
            return
        await handler(argument.strip()[:64])

    async def _on_action(self, action: str) -> None:
        kind, _, payload = action.partition(":")
        if kind == "l":
            await self._cmd_language(payload)
        elif kind == "s":
            await self.start(payload)
        elif kind == "p" and payload.isascii() and payload.isdigit():
            await self._open_prompt(int(payload))
        elif kind in ("pa", "sc"):
            module = leave if kind == "pa" else schedule_commands
            await self._then_reask(module.on_button(self, payload))
        elif (
            kind.isascii()
            and kind.isdigit()
            and self._conversation
            and int(kind) == self.state.get("seq")
        ):
            await self._on_button(payload)
        else:
            self.say(N_("That button belongs to an earlier question. Here is where we are now:"))
            await self._reask()

    async def _on_button(self, payload: str) -> None:
        if payload in ("/skip", "/back"):
            await self._on_command(payload)
        elif payload == "=":
            await self._finish_multi()
        elif payload.startswith("+"):
            await self._toggle(payload[1:])
        else:
            await self._pick(payload)

    async def _cmd_start(self, argument: str) -> None:
        if argument and await self._redeem(argument) is None:
            return
        if self._conversation:
            await self._reask()
        elif self.state.get("onboarded"):
            await self._menu()
        else:
            await self.start(ONBOARDING)

    async def _cmd_help(self, _argument: str) -> None:
        self.say(HELP)
        await self._reask(menu=False)

    async def _cmd_language(self, argument: str) -> None:
        code = next((c for c in self.texts.languages if c.lower() == argument.lower()), None)
        if code is None:
            choices = tuple(Choice(f"l:{c}", name) for c, name in self.texts.languages.items())
            self.replies.append(Outbound(self._(N_("Which language would you like?")), choices))
            return
        await self._set_language(code)
        self.say(N_("From now on I will write to you in English."))
        await self._reask(menu=False)

    async def _cmd_steps(self, _argument: str) -> None:
        await self._menu()

    async def _cmd_status(self, _argument: str) -> None:
        conversation, position = self._conversation, self._position
        if conversation is None or position is None:
            self.say(N_("You are not in a conversation right now."))
            await self._menu()
            return
        number = [q.id for q in conversation.questions].index(position.question) + 1
        self.say(
            N_("You are in “{title}”, question {number} of {total}."),
            title=self._(conversation.title),
            number=number,
            total=walk.count_questions(conversation),
        )
        await self._reask()

    async def _cmd_back(self, _argument: str) -> None:
        trail = self.state.get("trail") or []
        if not self._conversation or not trail:
            self.say(N_("There is no earlier question to go back to."))
            await self._reask()
            return
        conversation = self._conversation
        while len(trail) > 1 and self._already_satisfied(
            conversation, Position.from_json(trail[-1])
        ):
            trail.pop()  # nothing to answer there again (the invite of someone who joined)
        self.state["pos"] = trail.pop()
        self.state["picked"] = []
        await self._ask()

    async def _cmd_skip(self, _argument: str) -> None:
        conversation, position = self._conversation, self._position
        if conversation is None or position is None:
            self.say(N_("There is nothing to skip right now."))
            await self._menu()
            return
        if not walk.question_at(conversation, position).optional or position.more:
            self.say(N_("This question needs an answer, so it can't be skipped."))
            await self._reask()
            return
        self.state.setdefault("values", {}).pop(position.key, None)  # an answer undone by /back
        await self._advance(conversation, position)

    async def _cmd_invite(self, _argument: str) -> None:
        if self.partnership_id is None or not may_invite_role(self.role):
            self.say(N_("Only coordinators of the partnership can do this."))
            return
        invitation = await self.ledger.create_invite(
            self.partnership_id, "member", INVITE_USES, self.person.stakeholder_id, self.now
        )
        when = self.texts.format_date(self.language, invitation.expires_at.date())
        self.say(INVITE_MADE, code=invitation.code, uses=invitation.uses, date=when)
        if self.inbound.private_link:
            self.replies.append(Outbound(f"{self.inbound.private_link}?start={invitation.code}"))
        await self._reask(menu=False)

    async def _then_reask(self, command: Awaitable[None]) -> None:
        """Run a command of another module (leave, schedules), then ask where we were."""
        await command
        await self._reask(menu=False)

    async def _cmd_cancel(self, _argument: str) -> None:
        if self._conversation:
            self.state.update(conv=None, pos=None, trail=[], picked=[])
            self.say(N_("Stopped. Everything you answered so far is saved."))
        await self._menu()

    # ----- conversations

    async def start(self, conversation_id: str, context: dict[str, Any] | None = None) -> None:
        """Begin a conversation, if this person may take part in it.

        ``context`` fills placeholders such as {kpi} or {period} in the conversation's
        texts and travels with the answers; prompts from the scheduler use it.
        """
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            self.say(N_("That conversation does not exist."))
            await self._menu()
            return
        if not self._may_take(conversation):
            return
        self.state.update(
            conv=conversation.id, pos=None, trail=[], values={}, picked=[], context=context or {}
        )
        if conversation.intro:
            self.say(conversation.intro, **self._context)
        await self._go(conversation, walk.first(conversation, {}))

    def _may_take(self, conversation: Conversation) -> bool:
        if conversation.audience == "everyone":
            return True
        if self.partnership_id is None:
            self.say(
                N_("Please join a partnership first: send /start followed by your invite code.")
            )
            return False
        if conversation.audience == "coordinators" and not may_invite_role(self.role):
            self.say(N_("Only coordinators of the partnership can do this."))
            return False
        return True

    async def _on_answer(self, text: str) -> None:
        conversation, position = self._conversation, self._position
        assert conversation is not None and position is not None
        question = walk.question_at(conversation, position)
        try:
            parsed = await self._interpret(question, position, text)
            if parsed is not None and conversation.id == meeting.MEETING:
                parsed = meeting.check(position, parsed, await self._meeting_today())
        except InvalidValue as problem:
            self.say(problem.reason, **problem.params)
            await self._ask()
            return
        if parsed is None:
            await self._ask()  # the invite code was refused: ask for it again
        else:
            await self._accept(conversation, position, question, parsed)

    async def _interpret(self, question: Question, position: Position, text: str) -> Parsed | None:
        if position.more or question.type is Kind.YESNO:
            return answering.yes_no(_typed_yes_no(text), self.texts, self.language)
        if question.type is Kind.INVITE:
            joined = await self._redeem(text)
            return (
                None if joined is None else Parsed(joined.partnership_id, joined.partnership_name)
            )
        options = await self._options(question)
        if question.type is Kind.CHOICE:
            option = answering.parse_choice(options, text)
            return Parsed(option.id, option.label)
        if question.type is Kind.MULTI:
            picked = answering.parse_multi(options, values.normalise(text))
            answering.check_selection(question, [o.id for o in picked])
            return Parsed([o.id for o in picked], ", ".join(o.label for o in picked))
        return kpi_review.parse_typed(question, text, self._context, self.texts, self.language)

    async def _open_prompt(self, prompt_id: int) -> None:
        """Answer a scheduled prompt (a KPI value, an activity's progress) now."""
        opened = await self.ledger.open_prompt(prompt_id, self.person.stakeholder_id)
        if opened is None:
            self.say(N_("This request has already been answered or closed. Thank you!"))
            await self._reask()
            return
        conversation_id, context = opened
        translated = {k: self._(v) for k, v in context.items() if k in ("kpi", "unit") and v}
        await self.start(conversation_id, {**context, **translated, "prompt_id": prompt_id})

    async def _pick(self, option_id: str) -> None:
        conversation, position = self._conversation, self._position
        assert conversation is not None and position is not None
        question = walk.question_at(conversation, position)
        kind = Kind.YESNO if position.more else question.type
        options = (
            await self._options(question)
            if not position.more
            else [Option("yes", ""), Option("no", "")]
        )
        option = next((o for o in options if o.id == option_id), None)
        if option is None or kind is Kind.MULTI:
            self.say(N_("That button belongs to an earlier question. Here is where we are now:"))
            await self._ask()
            return
        if kind is Kind.YESNO:
            parsed = answering.yes_no(option_id == "yes", self.texts, self.language)
        elif kind is Kind.RATING:
            parsed = Parsed(int(option_id), "★" * int(option_id) + "☆" * (5 - int(option_id)))
        else:
            parsed = Parsed(option.id, option.label)
        await self._mark_answered(parsed)
        await self._accept(conversation, position, question, parsed)

    async def _mark_answered(self, parsed: Parsed) -> None:
        """Edit the question's message to show the choice, where the channel told us which."""
        source = self.inbound.source_message_id
        if source is None:
            return
        asked = await self._asking(update=True)
        text = f"{asked.message([], update=True).text}\n\n✓ {parsed.display}"
        self.replies.append(Outbound(text, extra={"edit": source}))

    async def _toggle(self, option_id: str) -> None:
        question = self._current_question()
        options = await self._options(question)
        if question.type is not Kind.MULTI or option_id not in {o.id for o in options}:
            self.say(N_("That button belongs to an earlier question. Here is where we are now:"))
            await self._ask()
            return
        picked: list[str] = list(self.state.get("picked") or [])
        picked.remove(option_id) if option_id in picked else picked.append(option_id)
        self.state["picked"] = picked
        await self._ask(update=True)

    async def _finish_multi(self) -> None:
        conversation, position = self._conversation, self._position
        assert conversation is not None and position is not None
        question = walk.question_at(conversation, position)
        options = {o.id: o.label for o in await self._options(question)}
        picked = [p for p in self.state.get("picked") or [] if p in options]
        try:
            answering.check_selection(question, picked)
        except InvalidValue as problem:
            self.say(problem.reason, **problem.params)
            await self._ask()
            return
        parsed = Parsed(picked, ", ".join(options[p] for p in picked))
        await self._mark_answered(parsed)
        await self._accept(conversation, position, question, parsed)

    async def _accept(
        self, conversation: Conversation, position: Position, question: Question, parsed: Parsed
    ) -> None:
        if not position.more:
            await self._apply_profile(question, parsed)
            if question.type is not Kind.INVITE:
                await self.ledger.record(self._record(conversation, position, question, parsed))
                self.answers_stored += 1
        self.state.setdefault("values", {})[position.key] = parsed.value
        await kpi_review.review(
            self.ledger, self.state, question, parsed, self.texts, self.language
        )
        await self._advance(conversation, position)

    def _record(
        self, conversation: Conversation, position: Position, question: Question, parsed: Parsed
    ) -> AnswerRecord:
        name = question.id if position.sub is None else f"{position.question}.{position.sub}"
        return AnswerRecord(
            stakeholder_id=self.person.stakeholder_id,
            partnership_id=self.partnership_id,
            conversation=conversation.id,
            step=conversation.step,
            question=name,
            item=position.item,
            value={"type": question.type.value, "value": parsed.value},
            display=parsed.display,
            language=self.language,
            channel=self.inbound.channel,
            inbound_id=self.inbound_id,
        )

    async def _apply_profile(self, question: Question, parsed: Parsed) -> None:
        if question.sets is None:
            return
        if question.sets.value == "language":
            await self._set_language(str(parsed.value))
            return
        await self.ledger.update_profile(
            self.person.stakeholder_id, question.sets.value, parsed.value
        )

    async def _set_language(self, code: str) -> None:
        self.language = code
        await self.ledger.update_profile(self.person.stakeholder_id, "language", code)

    async def _advance(self, conversation: Conversation, position: Position) -> None:
        self.state.setdefault("trail", []).append(position.to_json())
        self.state["picked"] = []
        await self._go(
            conversation, walk.after(conversation, position, self.state.get("values", {}))
        )

    async def _go(self, conversation: Conversation, position: Position | None) -> None:
        values_so_far = self.state.get("values", {})
        while position and self._already_satisfied(conversation, position):
            position = walk.after(conversation, position, values_so_far)
        if position is None:
            await self._complete(conversation)
            return
        self.state["pos"] = position.to_json()
        await self._ask()

    def _already_satisfied(self, conversation: Conversation, position: Position) -> bool:
        question = walk.question_at(conversation, position)
        if kpi_review.settled(conversation, position, self.state):
            return True  # no tenfold jump: nothing to confirm
        return question.type is Kind.INVITE and self.partnership_id is not None

    async def _complete(self, conversation: Conversation) -> None:
        if conversation.id == meeting.MEETING:
            await self._meeting_confirmed(conversation)
        elif conversation.outro:
            self.say(conversation.outro, **self._context)
        prompt_id = self._context.get("prompt_id")
        if isinstance(prompt_id, int):
            await self.ledger.prompt_answered(prompt_id, self.state.get("values", {}), self.now)
        values_given = self.state.get("values", {})
        await kpi_setup.after(
            self.ledger, conversation.id, self.partnership_id, self.role, values_given, self.now
        )
        if conversation.summary == "selection_criteria":
            self.replies.append(
                Outbound(criteria_summary(conversation, self.state["values"], self._))
            )
        if conversation.id == ONBOARDING:
            self.state["onboarded"] = True
        elif self.partnership_id is not None:
            done = self.state.setdefault("done", {}).setdefault(str(self.partnership_id), [])
            done += [conversation.id] if conversation.id not in done else []
        await self._maybe_advance_partnership(conversation)
        self.state.update(conv=None, pos=None, trail=[], values={}, picked=[])
        await self._menu()

    async def _maybe_advance_partnership(self, conversation: Conversation) -> None:
        if (
            conversation.step is None
            or self.partnership_id is None
            or not may_invite_role(self.role)
        ):
            return
        moved = await self.ledger.advance_step(self.partnership_id, conversation.step)
        if moved:
            self.say(
                N_("Your partnership now moves on to the step “{step}”."),
                step=self._(STEP_NAMES[Step(moved)]),
            )

    # ----- invites

    async def _redeem(self, text: str) -> Joined | None:
        code = re.sub(r"[^A-Z0-9]", "", values.normalise(text).upper())[:32]
        result = await self.ledger.redeem_invite(code, self.person.stakeholder_id, self.now)
        if isinstance(result, InviteProblem):
            self.say(INVITE_PROBLEMS[result])
            return None
        self.partnership_id, self.role = result.partnership_id, result.role
        self.say(N_("Welcome to the partnership {name}!"), name=result.title(self.language))
        return result

    # ----- asking

    async def _options(self, question: Question) -> list[Option]:
        return await options_for(
            question, self.texts, self.language, self.ledger, self.partnership_id
        )

    def _current_question(self) -> Question:
        conversation, position = self._conversation, self._position
        assert conversation is not None and position is not None
        return walk.question_at(conversation, position)

    async def _ask(self, update: bool = False) -> None:
        await self._meeting_summary(update)
        asking = await self._asking(update)
        self.replies.append(asking.message(self.state.get("picked") or [], update))

    async def _asking(self, update: bool) -> Asking:
        conversation, position = self._conversation, self._position
        assert conversation is not None and position is not None
        if not update:
            self.state["seq"] = int(self.state.get("seq", 0)) + 1
        question = walk.question_at(conversation, position)
        options = [] if position.more else await self._options(question)
        seq = int(self.state["seq"])
        return Asking(conversation, position, question, options, self._in_context, seq)

    async def _reask(self, menu: bool = True) -> None:
        if self._conversation and self._position:
            await self._ask()
        elif menu:
            await self._menu()

    async def _idle(self, text: str) -> None:
        if not (self.state.get("onboarded") and self.partnership_id is not None):
            await self.start(ONBOARDING)
            return
        step = self._step_named(text)
        if step is not None:
            await self.start(step)
        else:
            await self._menu()

    def _step_named(self, text: str) -> str | None:
        """The step a person typed, by its number in the menu or its name (no buttons)."""
        steps = [s for s in Step if s.value in self.conversations]
        options = [Option(s.value, self._(STEP_NAMES[s])) for s in steps]
        try:
            return answering.parse_choice(options, text).id if text else None
        except InvalidValue:
            return None

    async def _menu(self) -> None:
        if self.partnership_id is None:
            self.say(
                N_("Please join a partnership first: send /start followed by your invite code.")
            )
            return
        answered = await self.ledger.answered(self.person.stakeholder_id, self.partnership_id)
        done = set(self.state.get("done", {}).get(str(self.partnership_id), []))
        choices = tuple(
            self._step_choice(step, answered, done)
            for step in Step
            if step.value in self.conversations
        )
        self.replies.append(
            Outbound(
                self._(N_("The eight steps of your partnership. Which one shall we work on?")),
                choices,
            )
        )

    def _step_choice(self, step: Step, answered: Mapping[str, set[str]], done: set[str]) -> Choice:
        conversation = self.conversations[step.value]
        total = walk.count_questions(conversation)
        count = len(answered.get(step.value, set()) & {q.id for q in conversation.questions})
        mark = "✓" if step.value in done else f"{count}/{total}"
        return Choice(f"s:{step.value}", f"{self._(STEP_NAMES[step])} · {mark}")

    # ----- meeting notes and digests (flows/meeting.py, digests/posting.py)

    async def _cmd_meeting(self, _argument: str) -> None:
        await self.start(meeting.MEETING)

    async def _cmd_digest(self, argument: str) -> None:
        if self.partnership_id is None:
            await self._menu()
            return
        chat = previews.private_chat(self.inbound.channel, self.inbound.chat_id, self.language)
        if argument.strip().lower() == "meeting":
            found = await previews.meeting_digest(
                self.ledger, self.texts, self.partnership_id, chat, self.now
            )
            self.replies += found if found is not None else [Outbound(self._(previews.NO_MEETING))]
        else:
            today = self.now.astimezone(ZoneInfo(await self._meeting_zone())).date()
            self.replies += await previews.weekly_digest(
                self.ledger, self.texts, self.partnership_id, chat, today
            )
        await self._reask(menu=False)

    async def _meeting_zone(self) -> str:
        assert self.partnership_id is not None
        notes = meeting.Notes(self.state.get("values", {}))
        return await self.ledger.meeting_zone(
            self.person.stakeholder_id, self.partnership_id, notes.zone_city
        )

    async def _meeting_today(self) -> date:
        """The recorder's date now, in the zone the meeting's times are given in."""
        return self.now.astimezone(ZoneInfo(await self._meeting_zone())).date()

    async def _meeting_summary(self, update: bool) -> None:
        position, conversation = self._position, self._conversation
        if update or conversation is None or conversation.id != meeting.MEETING:
            return
        if position is None or position.key != meeting.CONFIRM or self.partnership_id is None:
            return
        cities = await self.ledger.partnership_cities(self.partnership_id)
        notes = meeting.Notes(self.state.get("values", {}))
        self.replies.append(
            Outbound(
                meeting.summary(
                    notes,
                    cities,
                    self.language,
                    self._,
                    lambda day: self.texts.format_date(self.language, day),
                )
            )
        )

    async def _meeting_confirmed(self, conversation: Conversation) -> None:
        answers = self.state.get("values", {})
        if answers.get(meeting.CONFIRM) is not True or self.partnership_id is None:
            self.say(N_("The notes were not saved. Send /meeting to write them again."))
            return
        draft = meeting.Notes(answers).draft(
            self.partnership_id,
            self.person.stakeholder_id,
            await self._meeting_zone(),
            self.language,
        )
        meeting_id = await self.ledger.record_meeting(draft, self.now)
        groups = await previews.post_meeting(
            self.ledger, self.texts, self.partnership_id, meeting_id, self.now
        )
        if conversation.outro:
            self.say(conversation.outro)
        if groups:
            self.say(N_("Group chats the digest was posted into: {count}."), count=groups)
        else:
            self.say(N_("No group chat is linked to the partnership yet, so no digest was posted."))


def may_invite_role(role: str | None) -> bool:
    return role is not None and may_invite(BotRole(role))


def _typed_yes_no(text: str) -> bool:
    """Yes/no as a word, or as the number of its numbered option (1 yes, 2 no)."""
    number = values.normalise(text).rstrip(".。")
    return number == "1" if number in ("1", "2") else values.parse_yes_no(text)


class _Keep(dict[str, object]):
    """Format parameters that leave unknown {placeholders} as they are."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
