"""What the partnership has coming: the next questions the bot will send, and when the
weekly digests go out, on the overview in the reader's time.

The questions are the ones the chat's /schedule lists (the same read), the digest times
the ones the digest job keeps (``domain/digest_moments``). Who is asked is named to
coordinators only, as with the people who have not answered yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from c2cbot.domain.digest_moments import COORDINATORS_DIGEST, next_digest_at
from c2cbot.domain.display import join_list
from c2cbot.domain.text import N_
from c2cbot.flows.commands.schedule import PROMPT_KINDS
from c2cbot.flows.ports import PromptLine
from c2cbot.workspace.facts import DigestChat
from c2cbot.workspace.wording import Wording

CHANNELS = {
    "telegram": N_("Telegram group"),
    "wechat": N_("WeChat group"),
    "wecom": N_("WeCom group"),
    "web": N_("Browser chat"),
}
COORDINATORS = N_("You, as coordinator")


@dataclass(frozen=True)
class NextQuestion:
    when: str  # the reader's day and time
    kind: str
    subject: str
    person: str | None  # coordinators only


@dataclass(frozen=True)
class NextDigest:
    where: str
    languages: str
    when: str


@dataclass(frozen=True)
class ComingUp:
    questions: tuple[NextQuestion, ...]
    digests: tuple[NextDigest, ...]


def coming_up(
    prompts: Sequence[PromptLine],
    chats: Sequence[DigestChat],
    now: datetime,
    say: Wording,
    coordinator: bool,
) -> ComingUp:
    questions = tuple(_question(prompt, say, coordinator) for prompt in prompts)
    digests = [_digest(chat, now, say) for chat in chats]
    if coordinator:  # coordinators get their own digest in their chat, Monday 09:00
        weekday, at = COORDINATORS_DIGEST
        moment = next_digest_at(weekday, at, say.zone.key, now)
        digests.append(
            (
                moment,
                NextDigest(say(COORDINATORS), say.language_name(say.language), say.moment(moment)),
            )
        )
    return ComingUp(questions, tuple(d for _moment, d in sorted(digests, key=lambda d: d[0])))


def _question(prompt: PromptLine, say: Wording, coordinator: bool) -> NextQuestion:
    kind = say(PROMPT_KINDS.get(prompt.kind, PROMPT_KINDS["progress"]))
    subject = say(prompt.subject) if prompt.subject else ""
    person = say.person(prompt.name) if coordinator else None
    return NextQuestion(say.moment(prompt.due_at), kind, subject, person)


def _digest(chat: DigestChat, now: datetime, say: Wording) -> tuple[datetime, NextDigest]:
    moment = next_digest_at(chat.weekday, chat.local_time, chat.timezone, now)
    where = say(CHANNELS.get(chat.channel, CHANNELS["web"]))
    languages = join_list((say.language_name(code) for code in chat.languages), say.language)
    return moment, NextDigest(where, languages, say.moment(moment))
