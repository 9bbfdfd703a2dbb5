"""A signed WeCom callback cannot come again with another body, on any instance.

WeCom's ``msg_signature`` covers the encrypted body, so only someone holding the token
could sign a second body for a (timestamp, nonce) already seen: this checks the defence
in depth that the shared replay record adds, as ``test_wechat_safe_mode`` does for WeChat.
"""

from __future__ import annotations

import base64
import secrets
import time
from datetime import timedelta

from wechatpy.enterprise.crypto import PrpCrypto

from c2cbot.channels._tencent.crypto import signature
from c2cbot.runtime import Bot
from c2cbot.store.guards import SqlReplays
from c2cbot.store.tokens import SqlTokenVault
from tests.channels.test_wechat_safe_mode import stored
from tests.channels.test_wecom import MakeApp, fake, make_app, plain
from tests.fakes.wecom_api import FakeMember, FakeWeCom, Posted, message_xml

__all__ = ["fake", "make_app"]


def sealed(fake: FakeWeCom, text: str, timestamp: str, nonce: str) -> Posted:
    """A callback encrypted and signed as WeCom would, with the given timestamp and nonce."""
    key = base64.b64decode(fake.aes_key + "=")
    encrypted = PrpCrypto(key).encrypt(text, fake.corp_id).decode()
    query = {
        "msg_signature": signature(fake.token, timestamp, nonce, encrypted),
        "timestamp": timestamp,
        "nonce": nonce,
    }
    fields = {"ToUserName": fake.corp_id, "AgentID": str(fake.agent_id), "Encrypt": encrypted}
    return Posted(query, message_xml(fields).encode())


def says(member: FakeMember, text: str) -> str:
    return plain(member, "text", Content=text, MsgId=secrets.randbelow(10**12))


async def test_a_replayed_timestamp_and_nonce_is_refused_by_every_instance(
    bot: Bot, fake: FakeWeCom, make_app: MakeApp
) -> None:
    vault = SqlTokenVault(bot.database)
    await make_app(fake, bot.engine.handle, vault, replays=bot.replays)
    member = fake.member("replayed")
    stamp, nonce = str(int(time.time())), secrets.token_hex(5)
    first = sealed(fake, says(member, "hello"), stamp, nonce)
    assert await member.post(first) == 200
    assert await member.post(first) == 200  # WeCom's own retry: the same body
    forged = sealed(fake, says(member, "/start FORGED"), stamp, nonce)
    assert await member.post(forged) == 403
    assert await stored(bot) == 1

    # Another process on the same database: its memory is empty, the shared record is not.
    other = SqlReplays(bot.database, timedelta(minutes=5))
    await make_app(fake, bot.engine.handle, vault, replays=other)  # fake now calls this one
    assert await member.post(forged) == 403
    assert await stored(bot) == 1
    fresh = sealed(fake, says(member, "hello again"), str(int(time.time())), secrets.token_hex(5))
    assert await member.post(fresh) == 200
    assert await stored(bot) == 2
