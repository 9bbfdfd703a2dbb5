"""Every chat command, registered once: one line per command module below.

From this table come the handling of commands and of their buttons, /help (for each
role, and for groups), Telegram's command menus and the words WeChat and WeCom menus may
send (``chat_menu``, ``typed_commands``). /help is declared here because it reads the
table itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from c2cbot.domain.text import N_
from c2cbot.flows.actions import Action
from c2cbot.flows.commanding import ChatTurn, GroupChat, coordinates
from c2cbot.flows.commands import (
    connect,
    correcting,
    digest,
    invite,
    language,
    leave,
    link,
    meeting,
    members,
    moving,
    partnership,
    privacy,
    prompt_channel,
    workspace,
)
from c2cbot.flows.commands import schedule as schedules
from c2cbot.flows.commands import start as starting
from c2cbot.flows.commands.declaration import (
    Audience,
    ChatCommand,
    Command,
    CommandInfo,
    GroupCommand,
    TurnT,
)
from c2cbot.flows.messages import Outbound

HELP_INTRO = N_(
    "I walk you through the eight steps of your city partnership and keep every answer "
    "for both cities."
)
GROUP_HELP_INTRO = N_(
    "In this group I post the partnership's meeting and weekly digests. "
    "Conversations happen in a private chat with me."
)
HELP_DESCRIPTION = N_("What I can do")
UNKNOWN = N_("I don't know the command /{command}. Send /help to see what I understand.")
ONLY_COORDINATORS = N_("Only coordinators of the partnership can do this.")
PRIVATE_CHAT = N_("Let's talk in a private chat, so the group stays quiet.")
PRIVATE_CHAT_LINK = N_("Let's talk in a private chat, so the group stays quiet: {link}")

Translate = Callable[..., str]


async def _help(turn: ChatTurn, _argument: str) -> None:
    """The commands this person may use, then the question they were at."""
    audiences = {Audience.EVERYONE}
    audiences |= {Audience.COORDINATORS} if coordinates(turn) else set()
    turn.replies.append(Outbound(help_text(audiences, turn.translate)))
    await turn.reask(menu=False)


async def _group_help(group: GroupChat, _argument: str) -> None:
    group.replies.append(Outbound(help_text({Audience.GROUPS}, group.translate)))


CHAT: tuple[ChatCommand, ...] = (
    *starting.COMMANDS,
    ChatCommand("help", HELP_DESCRIPTION, Audience.EVERYONE, _help),
    *language.COMMANDS,
    *moving.COMMANDS,
    *partnership.COMMANDS,
    *workspace.COMMANDS,
    *privacy.COMMANDS,
    *correcting.COMMANDS,
    *invite.COMMANDS,
    *members.COMMANDS,
    *leave.COMMANDS,
    *connect.COMMANDS,
    *prompt_channel.COMMANDS,
    *schedules.COMMANDS,
    *meeting.COMMANDS,
    *digest.COMMANDS,
)
"""Commands in a private chat, in the order menus and /help show them."""

GROUP: tuple[GroupCommand, ...] = (
    *link.GROUP_COMMANDS,
    *digest.GROUP_COMMANDS,
    GroupCommand("help", HELP_DESCRIPTION, Audience.GROUPS, _group_help),
)
"""Commands in a partnership's group chat; anything else there points to a private chat."""

_ALL: tuple[ChatCommand | GroupCommand, ...] = (*CHAT, *GROUP)


# ----- handling


async def run_command(turn: ChatTurn, text: str) -> None:
    """``/name argument`` typed in a private chat (``/name@bot`` as Telegram groups write it)."""
    name, argument = _parse(text)
    command = _find(CHAT, name)
    if command is None:
        turn.say(UNKNOWN, command=name[:32])
        await turn.reask()
    elif not _may_use(turn, command):
        turn.say(ONLY_COORDINATORS)
        await turn.reask(menu=False)
    else:
        await command.handle(turn, argument.strip()[:64])


async def press(turn: ChatTurn, action: Action) -> bool:
    """Run the command button ``action`` belongs to; ``False`` if no command made it."""
    for command in CHAT:
        if any(isinstance(action, button.action) for button in command.buttons):
            if not _may_use(turn, command):
                turn.say(ONLY_COORDINATORS)
                await turn.reask(menu=False)
                return True
            return await _pressed(command, turn, action)
    return False


async def run_group_command(group: GroupChat, text: str) -> None:
    """A command in a group chat; any other one points the sender to a private chat."""
    name, argument = _parse(text)
    command = _find(GROUP, name)
    link = group.inbound.private_link
    if command is not None:
        await command.handle(group, argument)
    elif link:
        group.say(PRIVATE_CHAT_LINK, link=link)
    else:
        group.say(PRIVATE_CHAT)


async def press_in_group(group: GroupChat, action: Action) -> bool:
    """Run the group command button ``action`` belongs to; ``False`` if none made it."""
    for command in GROUP:
        if await _pressed(command, group, action):
            return True
    return False


def _parse(text: str) -> tuple[str, str]:
    word, _, argument = text.strip()[1:].partition(" ")
    return word.split("@", 1)[0].lower(), argument


def _find(commands: Sequence[Command[TurnT]], name: str) -> Command[TurnT] | None:
    return next((c for c in commands if c.name == name), None)


def _may_use(turn: ChatTurn, command: ChatCommand) -> bool:
    if command.audience is not Audience.COORDINATORS:
        return True
    return turn.partnership_id is not None and coordinates(turn)


async def _pressed(command: Command[TurnT], turn: TurnT, action: Action) -> bool:
    for button in command.buttons:
        if await button.pressed(turn, action):
            return True
    return False


# ----- what people and channels see of the commands


def listed() -> tuple[CommandInfo, ...]:
    """Every command, private ones first, as channels may know them (no handlers)."""
    return tuple(CommandInfo(c.name, c.description, c.audience) for c in _ALL)


def help_text(audiences: Iterable[Audience], translate: Translate) -> str:
    """/help: what the bot does, then one line per command (and its examples)."""
    wanted = set(audiences)
    intro = GROUP_HELP_INTRO if wanted == {Audience.GROUPS} else HELP_INTRO
    lines = []
    for command in _ALL:
        if command.audience in wanted:
            lines.append(f"/{command.name} – {translate(command.description)}")
            lines += [translate(example) for example in command.examples]
    return translate(intro) + "\n\n" + "\n".join(lines)


def chat_menu() -> tuple[tuple[str, str], ...]:
    """Each command once with its description (still to translate): Telegram's menus."""
    menu: dict[str, str] = {}
    for info in listed():
        menu.setdefault(info.name, info.description)
    return tuple(menu.items())


def typed_commands() -> frozenset[str]:
    """The commands of private chats: what a WeChat or WeCom menu button may send."""
    return frozenset(info.name for info in listed() if info.audience is not Audience.GROUPS)
