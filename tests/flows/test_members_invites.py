"""Coordinators see the partnership's members and its working invite codes in the chat,
and revoke a code; members cannot, and nobody revokes another partnership's code."""

from __future__ import annotations

from c2cbot.flows.commands import members as members_command
from c2cbot.flows.invites import INVITE_PROBLEMS
from c2cbot.flows.ports import InviteProblem
from c2cbot.flows.schema import Conversation
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from tests.conftest import make_invite
from tests.driver import Driver
from tests.flows.walker import choose_and_consent, onboard


async def test_members_lists_both_cities_with_coordinators_marked(
    bot: Bot, database: Database, member: Driver, conversations: dict[str, Conversation]
) -> None:
    colleague = Driver(bot, "bo")
    await onboard(colleague, conversations, "en", await make_invite(database), picks={"city": 1})
    await member.send("/members")
    [listed] = [r.text for r in member.replies if r.text.startswith("Members of")]
    assert "• Gothenburg: Alice Andersson (coordinator)" in listed
    assert "• Shanghai: Alice Andersson" in listed  # the walker's name, in the other city
    await colleague.send("/members")
    assert "Only coordinators of the partnership can do this." in colleague.text


async def test_a_coordinator_revokes_an_invite_and_it_stops_working(
    bot: Bot, database: Database, member: Driver
) -> None:
    await member.send("/invite")
    code = member.text.split("Invite code: ", 1)[1].split()[0]
    await member.send("/invites")
    [button] = [c for c in member.last.choices if c.label.startswith(code)]
    assert "member, 20 uses left" in button.label
    await member.press(button.action)
    assert f"The invite code {code} is revoked" in member.text
    await member.send("/invites")
    assert code not in member.text

    newcomer = Driver(bot, "carl")
    await newcomer.send(f"/start {code}")
    await choose_and_consent(newcomer)  # the code is tried once consent is given
    assert bot.texts.gettext("en", INVITE_PROBLEMS[InviteProblem.EXPIRED]) in newcomer.text

    elsewhere = await make_invite(database, "Milan–Shanghai")
    await member.send(f"/invites revoke {elsewhere}")
    assert bot.texts.gettext("en", members_command.NOT_OURS) in member.text
    stranger = Driver(bot, "dora")
    await stranger.send(f"/start {elsewhere}")
    await choose_and_consent(stranger)
    assert "Welcome to the partnership Milan–Shanghai!" in stranger.text
