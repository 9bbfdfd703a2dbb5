"""The privacy notice: who answers for people's data, what is kept, who sees it, where it
goes and for how long, and people's rights. /privacy shows it on every channel, and
onboarding shows it before asking for consent (``flows/consent.py``).

The facts come from the operator's settings (``C2C_PRIVACY_*``, ``C2C_RETENTION_*``,
whether a translation server is configured); the sentences are in the catalogues.
``NOTICE_VERSION`` names the notice people consent to (``TRANSLATED_NOTICE_VERSION`` where
a translation server is configured, whose notice says more): change it whenever what the
notice says changes, and everyone is asked again before anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from c2cbot.domain.text import N_


@dataclass(frozen=True)
class PrivacyFacts:
    """What the notice says that differs from one deployment to another."""

    controller: str | None = None  # None: "the operator of this service", translated
    contact: str | None = None
    translation_server: str | None = None  # its host, when meeting notes are translated
    inbound_days: int = 30
    outbox_days: int = 90
    inactive_days: int = 730
    # How /mydata hands over the data: as a file on these channels, as a link shown by the
    # chat itself on those, else as a link on ``site`` (the public URL) when there is one.
    file_channels: frozenset[str] = frozenset()
    link_channels: frozenset[str] = frozenset()
    site: str | None = None


DEFAULT_PRIVACY = PrivacyFacts()
NOTICE_VERSION = "2026-12"
"""The notice's version, kept with each consent; a new one asks everyone again."""
TRANSLATED_NOTICE_VERSION = "2026-12-06"
"""The version of the notice where a translation server is configured: since 2026-12-06
it also says that answers shown in the workspace are translated there. Only deployments
whose notice says so ask their people again."""


def version_of(facts: PrivacyFacts) -> str:
    """The version of the notice this deployment shows (``notice`` says it at the end)."""
    return TRANSLATED_NOTICE_VERSION if facts.translation_server else NOTICE_VERSION


TITLE = N_("How your data is handled")
OPERATOR = N_("the operator of this service")
WHO = N_("Responsible for your data: {controller}.")
CONTACT = N_("Questions and requests: {contact}.")
WHAT = N_(
    "What is kept: your name, city, organisation and role; the answers you give and the "
    "figures you report, with the time; the messages I send you."
)
WHO_SEES = N_(
    "Who sees it: the members of your partnership in both cities; coordinators also see "
    "who has not answered yet. Digests in the partnership's group chats name who did what."
)
WHERE = N_(
    "Where it goes: this chat runs through {operator}, which carries your messages; "
    "the service keeps your data in its own database."
)
CONSENT = N_(
    "Your consent is kept with this notice's version and the time you gave it. Nothing you "
    "answer is kept before you consent; only the language you choose is kept at once, as a "
    "setting, so that I can write to you in it."
)
ABROAD = N_(
    "If your city is in China: working together means your name, city, organisation, role "
    "and answers are shared with the members of the European partner city and stored and "
    "processed outside China. I ask for your separate consent to this."
)
TRANSLATION = N_(
    "Meeting notes, and answers shown in the partnership workspace to someone who reads "
    "another language, are sent to the translation server {server} to be translated."
)
HOW_LONG = N_(
    "How long: technical records of messages {inbound} days, sent messages {outbox} days; "
    "your profile until you erase it, or until {inactive} days after your last message."
)
RIGHTS = N_(
    "Your rights: /mydata shows everything kept about you, and /forget erases it. Your "
    "answers stay in the partnership's record without your name."
)
VERSION = N_("Version of this notice: {version}.")
OPERATORS = {
    "telegram": N_("Telegram"),
    "wechat": N_("Tencent (WeChat)"),
    "wecom": N_("Tencent (WeCom)"),
    "web": N_("this service's own website"),
}


def notice(_: Callable[..., str], facts: PrivacyFacts, channel: str) -> str:
    """The whole notice in the reader's language (``_`` translates), one paragraph each."""
    operator = _(OPERATORS.get(channel, OPERATORS["web"]))
    lines = [_(TITLE), _(WHO, controller=facts.controller or _(OPERATOR))]
    lines += [_(CONTACT, contact=facts.contact)] if facts.contact else []
    lines += [_(WHAT), _(CONSENT), _(WHO_SEES), _(WHERE, operator=operator), _(ABROAD)]
    if facts.translation_server:
        lines.append(_(TRANSLATION, server=facts.translation_server))
    days = {"inbound": facts.inbound_days, "outbox": facts.outbox_days}
    lines += [_(HOW_LONG, **days, inactive=facts.inactive_days), _(RIGHTS)]
    lines.append(_(VERSION, version=version_of(facts)))
    return "\n\n".join(lines)
