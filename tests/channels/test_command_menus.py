"""Every chat command is offered everywhere people look for it: in /help, in Telegram's
command menu in each language, and among the menu keys WeChat and WeCom accept.

All three come from one registry (``flows/commands``); these tests fail when a command
is left out of any of them, or a description is missing in a language.
"""

from __future__ import annotations

import re

import pytest

from c2cbot.channels.wechat_oa.reading import menu_command
from c2cbot.channels.wecom.reading import read_callback
from c2cbot.flows.commands import Audience, CommandInfo, listed, typed_commands
from c2cbot.flows.commands.registry import CHAT, GROUP, help_text
from c2cbot.flows.texts import Texts
from tests.channels.conftest import MakeChannel, Recorder
from tests.fakes.telegram_api import FakeTelegram

# Telegram's language_code of a command menu ("" for everyone else) → our language.
MENUS = {"": "en", "zh": "zh_Hans", "de": "de"}
PRIVATE = [c for c in listed() if c.audience is not Audience.GROUPS]
AGENT_ID = 1000002
TELEGRAM_NAME = re.compile(r"[a-z0-9_]{1,32}")


def _id(info: CommandInfo) -> str:
    return f"{info.audience.value}:{info.name}"


def _readers(audience: Audience) -> set[Audience]:
    """Whose /help lists a command: coordinators also see what everyone may use."""
    if audience is Audience.COORDINATORS:
        return {Audience.EVERYONE, Audience.COORDINATORS}
    return {audience}


def test_names_are_unique_where_they_are_typed_and_telegram_accepts_them() -> None:
    for table in (CHAT, GROUP):
        names = [c.name for c in table]
        assert len(names) == len(set(names)), names
    assert all(TELEGRAM_NAME.fullmatch(c.name) for c in listed())


@pytest.mark.parametrize("language", sorted(set(MENUS.values())))
@pytest.mark.parametrize("info", listed(), ids=_id)
def test_help_lists_the_command(texts: Texts, info: CommandInfo, language: str) -> None:
    shown = help_text(_readers(info.audience), lambda text: texts.gettext(language, text))
    line = f"/{info.name} – {texts.gettext(language, info.description)}"
    assert f"\n{line}\n" in f"{shown}\n", shown


def test_members_are_not_shown_what_only_coordinators_may_do(texts: Texts) -> None:
    shown = help_text({Audience.EVERYONE}, lambda text: texts.gettext("en", text))
    coordinators = [c.name for c in listed() if c.audience is Audience.COORDINATORS]
    assert coordinators and not [n for n in coordinators if f"\n/{n} – " in shown]


async def test_telegram_menus_list_every_command_in_each_language(
    fake: FakeTelegram, make_channel: MakeChannel, recorder: Recorder, texts: Texts
) -> None:
    await make_channel(fake, recorder)
    assert set(fake.commands) == set(MENUS)
    for code, language in MENUS.items():
        menu = {c["command"]: c["description"] for c in fake.commands[code]}
        for info in listed():
            assert info.name in menu, (code, info.name)
        first = {i.name: i.description for i in reversed(listed())}  # private ones win
        for name, description in first.items():
            assert menu[name] == texts.gettext(language, description), (code, name)
            assert 3 <= len(menu[name]) <= 256  # Telegram's bounds for a description
            if language != "en":
                assert menu[name] != description, f"{name}: no {language} description"


@pytest.mark.parametrize("info", PRIVATE, ids=_id)
def test_wechat_and_wecom_menu_keys_know_the_command(info: CommandInfo) -> None:
    assert info.name in typed_commands()
    assert menu_command(info.name) == f"/{info.name}"
    fields = {
        "ToUserName": "corp",
        "FromUserName": "zhangwei",
        "CreateTime": "1700000000",
        "MsgType": "event",
        "Event": "click",
        "EventKey": info.name,
        "AgentID": str(AGENT_ID),
    }
    clicked = read_callback(fields, AGENT_ID)
    assert clicked is not None and clicked.text == f"/{info.name}"


def test_group_commands_are_not_menu_keys_of_private_chats() -> None:
    group_only = {c.name for c in listed()} - {c.name for c in PRIVATE}
    assert group_only and not group_only & typed_commands()
