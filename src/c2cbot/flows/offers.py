"""A typed reply to the numbered choices of the last message: which of them it picks.

Channels without buttons (WeChat, WeCom) number a message's choices, and people answer
with the number or the choice's words. When the last message offered prompts ("Answer
now"), the steps menu or /channel's apps, the reply means one of those, not the answer to a question
asked before it: a "2" typed under the menu that /steps showed in the middle of a step
opens the second step instead of becoming that step's answer.
"""

from __future__ import annotations

from c2cbot.domain.values import InvalidValue
from c2cbot.flows import answering, answers, corrections, steps_menu
from c2cbot.flows.actions import (
    ChoosePartnership,
    EditAnswer,
    OpenPrompt,
    OpenStep,
    PreferChannel,
    decode,
)
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.commands import partnership, prompt_channel
from c2cbot.flows.messages import Inbound
from c2cbot.flows.ports import KpiPlans

Offered = OpenPrompt | OpenStep | EditAnswer | ChoosePartnership | PreferChannel
_SHORT = 24  # longer text is an answer, never a pick from a menu


async def open_offered(turn: ChatTurn, offered: Offered) -> None:
    """Open what the typed reply picked: the prompt's conversation, or the step."""
    if isinstance(offered, OpenPrompt):
        await answers.open_prompt(turn, offered.prompt_id)
    elif isinstance(offered, EditAnswer):
        await corrections.edit(turn, offered)  # a step's answer to change
    elif isinstance(offered, ChoosePartnership):
        await partnership.choose(turn, offered)  # one of the person's partnerships
    elif isinstance(offered, PreferChannel):
        await prompt_channel.chosen(turn, offered)  # an app from /channel's list
    else:
        await steps_menu.open_step(turn, offered)


def may_pick(inbound: Inbound) -> bool:
    """Whether ``picked`` may look at the chat's last message for this message: typed and
    short (the engine has its store read that message with the claim only then)."""
    text = (inbound.text or "").strip()
    return bool(text) and len(text) <= _SHORT and not inbound.action


async def picked(ledger: KpiPlans, inbound: Inbound, text: str) -> Offered | None:
    """The prompt or step ``text`` picks from the chat's last message, if it offered those."""
    if not may_pick(inbound):
        return None
    offered = await ledger.last_offer(inbound.channel, inbound.chat_id)
    if not any(isinstance(decode(choice.action), Offered) for choice in offered):
        return None
    # A step is typed by its name, without the progress the menu shows after it.
    options = [answering.Option(c.action, c.label.partition(steps_menu.MARK)[0]) for c in offered]
    try:
        chosen = decode(answering.parse_choice(options, text).id)
    except InvalidValue:
        return None
    return chosen if isinstance(chosen, Offered) else None
