"""Correcting a step's answer on WeChat, where there are no buttons: numbers and /keep typed.

The follower finishes Partner by typing, reopens it from the numbered steps menu, picks
one answer by its number in the list and types the new one; then goes through the step
again and keeps an answer with /keep, which the question's text names.
"""

from __future__ import annotations

from sqlalchemy import select

from c2cbot.flows.correction_views import CURRENT, KEEP_HINT
from c2cbot.flows.corrections import SAVED
from c2cbot.store.models import Answer
from tests.channels.test_wechat_walks import (  # noqa: F401 (fixtures)
    Fakes,
    Follower,
    StartBot,
    exported,
    fakes,
    start_bot,
)
from tests.fakes.wechat_api import WeChatUser
from tests.flows.walker import ZH, NumberTyping, says, start_step, state_of, walk_conversation

SIGNED = 2


def _number_of(person: Follower, action: str) -> str:
    """The number the follower sees beside the choice that carries ``action``."""
    number = [c.action for c in person.last.options].index(action) + 1
    assert f"{number}. " in person.shown, person.shown
    return str(number)


async def test_a_follower_changes_one_answer_and_keeps_another_by_typing(
    start_bot: StartBot,  # noqa: F811 (the fixture)
    fakes: Fakes,  # noqa: F811
    invite: str,
) -> None:
    bot, url = await start_bot(plaintext=True)
    user = WeChatUser(fakes.wechat, f"{url}/wechat", "o_corrector", encoding_aes_key=None)
    person = Follower(bot, user.openid, "wechat", wechat=user)
    await user.follow(scene=invite)
    await person.settle()
    typing = NumberTyping(person)
    conversations = bot.conversations
    await walk_conversation(typing, conversations["onboarding"], ZH)  # type: ignore[arg-type]
    await start_step(typing, "partner")  # type: ignore[arg-type]
    await walk_conversation(
        typing,  # type: ignore[arg-type]
        conversations["partner"],
        ZH,
        picks={"mou_status": SIGNED},
    )

    await person.send(_number_of(person, "s:partner"))  # the menu's Partner, typed
    await person.send(_number_of(person, "e:partner:13"))  # "Which partner city…"
    assert (await state_of(typing))["pos"][0] == "partner_city"  # type: ignore[arg-type]
    assert says(bot, ZH, KEEP_HINT) in person.shown
    await person.send("浦东新区")
    title = says(bot, ZH, conversations["partner"].title)
    assert says(bot, ZH, SAVED, title=title) in person.text

    await person.send(_number_of(person, "s:partner"))
    await person.send(_number_of(person, "e:partner:0"))  # go through all answers
    shown = person.shown
    assert says(bot, ZH, KEEP_HINT) in shown and says(bot, ZH, "Yes") in shown
    assert says(bot, ZH, CURRENT, answer=says(bot, ZH, "Yes")) in shown
    assert "3. " not in shown  # "Keep" is no numbered option: yes and no only
    await person.send("/keep")
    assert (await state_of(typing))["pos"][0] == "works_with_helix"  # type: ignore[arg-type]
    await person.send("／cancel")

    rows = [r for r in await exported(bot.database) if r["question"] == "partner_city"]
    assert [r["current"] for r in rows] == ["no", "yes"] and rows[-1]["value"] == "浦东新区"
    async with bot.database.sessions() as session:
        kept = await session.execute(select(Answer).where(Answer.question == "represents_city"))
        assert len(kept.scalars().all()) == 1  # keeping stored nothing
    await person.check_every_reply_arrived_once()
