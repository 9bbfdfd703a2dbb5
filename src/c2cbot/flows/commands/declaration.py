"""What a chat command declares: its name, its one-line description, who may use it, its
handler, and the buttons its messages carry.

The description is marked with ``N_`` where it is declared, so ``make messages`` extracts
it; /help, Telegram's command menus and WeChat's menu keys are all made from these
declarations (``registry``), so none of them can forget a command.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from c2cbot.flows.actions import Action
from c2cbot.flows.commanding import ChatTurn, GroupChat

TurnT = TypeVar("TurnT", ChatTurn, GroupChat)  # a private chat's turn, or a group's
ActionT = TypeVar("ActionT")


class Audience(StrEnum):
    """Who may use a command, and where."""

    EVERYONE = "everyone"  # anyone, in a private chat
    COORDINATORS = "coordinators"  # coordinators of the partnership, in a private chat
    GROUPS = "groups"  # in a partnership's group chat (the command checks who may)


@dataclass(frozen=True)
class Button(Generic[TurnT, ActionT]):
    """A button a command's messages carry, and what pressing it does."""

    action: type[ActionT]
    press: Callable[[TurnT, ActionT], Awaitable[None]]

    async def pressed(self, turn: TurnT, action: Action) -> bool:
        """Run ``press`` if ``action`` is this button's; whether it was."""
        if not isinstance(action, self.action):
            return False
        await self.press(turn, action)
        return True


@dataclass(frozen=True)
class Command(Generic[TurnT]):
    """One chat command, as people see it in menus and /help, and what it does.

    ``examples`` are further /help lines showing the command with arguments, each a
    whole line (``N_("/digest meeting – the last meeting's digest")``) so translators can
    write the arguments as people of their language type them.
    """

    name: str
    description: str
    audience: Audience
    handle: Callable[[TurnT, str], Awaitable[None]]
    buttons: tuple[Button[TurnT, Any], ...] = ()
    examples: tuple[str, ...] = ()


ChatCommand = Command[ChatTurn]
GroupCommand = Command[GroupChat]


@dataclass(frozen=True)
class CommandInfo:
    """A command as channels may know it: a name, a description to translate, an audience."""

    name: str
    description: str
    audience: Audience
