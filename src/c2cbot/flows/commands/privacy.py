"""/privacy, /mydata and /forget: the notice, a person's own data, and erasing it.

/forget asks once more before it erases (a button, or ``/forget confirm`` where there
are no buttons). Erasure removes the person's identity everywhere (``store/erasure.py``):
every channel identity, memberships, open prompts and messages to them; the answers stay
in the partnership's record without a name. Each erasure and each /mydata is logged with
the person's number and what was done, never the data. /mydata hands the data over as a
file (Telegram), as a one-time download link (``web/mydata.py``), or as text where the
bot knows no public address for a link.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from c2cbot.domain.text import N_
from c2cbot.flows.actions import ForgetMe
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.commands.declaration import Audience, Button, ChatCommand
from c2cbot.flows.messages import Choice, Outbound
from c2cbot.flows.notice import notice

log = logging.getLogger(__name__)

ASK_FORGET = N_(
    "This erases your name, organisation and role, your links to every chat channel and "
    "partnership, and the questions waiting for you. Your answers stay in the "
    "partnership's record without your name. It cannot be undone. Erase your data now?"
)
ASK_FORGET_TYPED = N_("To erase your data, send /forget confirm.")
ERASE_BUTTON = N_("Yes, erase my data")
ERASED = N_(
    "Your data is erased. I will send you nothing more. If you write again, we start "
    "afresh as strangers."
)
MYDATA = N_("Everything kept about you, as stored:")
MYDATA_FILE = N_("Everything kept about you, as stored, is in this file.")
MYDATA_BELOW = N_(
    "Everything kept about you, as stored, is ready to download. The link below works "
    "once, within 24 hours."
)
MYDATA_LINK = N_(
    "Everything kept about you, as stored, is ready to download. This link works once, "
    "within 24 hours: {link}"
)
DOWNLOAD = N_("Download my data")
CONFIRM_WORDS = ("confirm", "确认", "bestätigen", "yes")


async def privacy(turn: ChatTurn, _argument: str) -> None:
    turn.replies.append(Outbound(notice(turn.translate, turn.privacy, turn.inbound.channel)))
    await turn.reask(menu=False)


async def mydata(turn: ChatTurn, _argument: str) -> None:
    """The person's data as a file where the channel takes one, else a one-time link to
    it, else (no public address known) as JSON text, split by the channel where long."""
    facts, channel = turn.privacy, turn.inbound.channel
    if channel in facts.file_channels:
        handed = await _as_file(turn)
    elif channel in facts.link_channels or facts.site:
        handed = await _as_link(turn, channel in facts.link_channels)
    else:
        handed = await _as_text(turn)
    log.info("personal data %s to person #%d on %s", handed, turn.person.stakeholder_id, channel)
    await turn.reask(menu=False)


async def _as_file(turn: ChatTurn) -> str:
    data = await turn.ledger.people.personal_data(turn.person.stakeholder_id)
    document = {"name": f"c2cbot-my-data-{turn.now.date().isoformat()}.json", "text": _json(data)}
    turn.replies.append(Outbound(turn.translate(MYDATA_FILE), extra={"file": document}))
    return "sent as a file"


async def _as_link(turn: ChatTurn, shown_by_chat: bool) -> str:
    path = f"/mydata/{await turn.ledger.people.offer_download(turn.person.stakeholder_id)}"
    if shown_by_chat:
        link = {"path": path, "label": turn.translate(DOWNLOAD), "download": True}
        turn.replies.append(Outbound(turn.translate(MYDATA_BELOW), extra={"link": link}))
    else:
        turn.say(MYDATA_LINK, link=f"{turn.privacy.site}{path}")
    return "offered as a one-time link"


async def _as_text(turn: ChatTurn) -> str:
    data = await turn.ledger.people.personal_data(turn.person.stakeholder_id)
    turn.say(MYDATA)
    turn.replies.append(Outbound(_json(data)))
    return "shown"


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)


async def forget(turn: ChatTurn, argument: str) -> None:
    if argument.strip().lower() in CONFIRM_WORDS:
        await erase(turn, ForgetMe())
        return
    button = Choice(ForgetMe().encode(), turn.translate(ERASE_BUTTON))
    turn.replies.append(Outbound(turn.translate(ASK_FORGET), (button,)))
    turn.say(ASK_FORGET_TYPED)


async def erase(turn: ChatTurn, _action: ForgetMe) -> None:
    """Erase now; the conversation state goes too, so nothing resumes afterwards."""
    summary = await turn.ledger.people.erase(turn.person.stakeholder_id)
    log.info(
        "person #%d erased on request from %s: %s",
        turn.person.stakeholder_id,
        turn.inbound.channel,
        summary,
    )
    turn.state.clear()
    turn.partnership_id = turn.role = None
    turn.say(ERASED)


COMMANDS = (
    ChatCommand("privacy", N_("How your data is handled"), Audience.EVERYONE, privacy),
    ChatCommand("mydata", N_("Everything kept about you"), Audience.EVERYONE, mydata),
    ChatCommand(
        "forget",
        N_("Erase your data"),
        Audience.EVERYONE,
        forget,
        buttons=(Button(ForgetMe, erase),),
    ),
)
