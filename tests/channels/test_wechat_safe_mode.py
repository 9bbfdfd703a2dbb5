"""Safe mode cannot be downgraded, and a signed callback cannot be replayed with another
body: on WeChat (plaintext refused when a key is set; (timestamp, nonce) remembered in the
database, so another instance refuses the replay too) and on WeCom."""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

from sqlalchemy import func, select

from c2cbot.runtime import Bot
from c2cbot.store.guards import SqlReplays
from c2cbot.store.models import InboundMessage
from tests.channels.test_wechat_oa import MakeOA, fake, make_oa
from tests.fakes.wechat_api import CALLBACK_TOKEN, signature

__all__ = ["fake", "make_oa"]


async def stored(bot: Bot) -> int:
    async with bot.database.sessions() as session:
        query = select(func.count()).select_from(InboundMessage)
        return int((await session.execute(query)).scalar_one())


def signed_query(timestamp: str, nonce: str) -> dict[str, str]:
    return {
        "signature": signature(CALLBACK_TOKEN, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
    }


async def test_a_plaintext_callback_is_refused_when_a_key_is_set(bot: Bot, make_oa: MakeOA) -> None:
    served = await make_oa(replays=bot.replays)  # safe mode: the channel has an AES key
    plain = served.user("o_plain", sealed=False)
    reply = await plain.say("hello")
    assert reply.status == 403
    assert await stored(bot) == 0
    sealed = served.user("o_sealed")
    assert (await sealed.say("hello")).status == 200
    assert await stored(bot) == 1


async def test_a_sealed_callback_needs_its_msg_signature(bot: Bot, make_oa: MakeOA) -> None:
    served = await make_oa(replays=bot.replays)
    user = served.user("o_nosig")
    reply = await user.deliver(user.text_xml("hello").encode(), msg_signature="")
    assert reply.status == 403
    assert await stored(bot) == 0


async def test_a_replayed_timestamp_and_nonce_is_refused_by_every_instance(
    bot: Bot, make_oa: MakeOA
) -> None:
    served = await make_oa(aes_key=None, replays=bot.replays)  # plaintext mode
    user = served.user("o_replay")
    timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**9))
    query = signed_query(timestamp, nonce)
    first = user.text_xml("hello").encode()
    assert (await user.request(first, query)).status == 200
    assert (await user.request(first, query)).status == 200  # WeChat's own retry: same body
    forged = user.text_xml("/start FORGED").encode()
    assert (await user.request(forged, query)).status == 403
    assert await stored(bot) == 1

    # Another process on the same database: its own memory is empty, the table is not.
    other = await make_oa(aes_key=None, replays=SqlReplays(bot.database, timedelta(minutes=5)))
    elsewhere = other.user("o_replay")
    assert (await elsewhere.request(forged, query)).status == 403
    assert await stored(bot) == 1


async def test_bodies_in_other_encodings_are_refused_before_parsing(
    bot: Bot, make_oa: MakeOA
) -> None:
    served = await make_oa(aes_key=None, replays=bot.replays)
    user = served.user("o_utf16", sealed=False)
    text = user.text_xml("hello")
    for body in (
        text.encode("utf-16"),
        text.encode("utf-16-le"),
        b"\xef\xbb\xbf" + text.encode(),
        f'<?xml version="1.0" encoding="UTF-16"?>{text}'.encode("utf-16"),
        f'<?xml version="1.0" encoding="latin-1"?>{text}'.encode(),
    ):
        assert (await user.deliver(body)).status == 400
    assert await stored(bot) == 0
    assert (await user.deliver(text.encode())).status == 200
