"""The fake WeChat API and user behave like the real ones wherever the bot relies on it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from wechatpy.crypto import PrpCrypto
from wechatpy.utils import check_signature

from tests.fakes.wechat_api import (
    AES_KEY,
    APP_ID,
    APP_SECRET,
    CALLBACK_TOKEN,
    FakeWeChat,
    WeChatUser,
    aes_key,
    message_xml,
    signature,
)

# WeChat's published sample for safe mode (the WXBizMsgCrypt demo of the Official Account docs).
SAMPLE_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQ"
    "HFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYs"
    "VticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0"
    "VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ix"
    "rcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeChat]:
    async with FakeWeChat() as fake:
        yield fake


async def call(fake: FakeWeChat, method: str, body: Any = None, **query: str) -> dict[str, Any]:
    url = fake.api_url + method
    async with aiohttp.ClientSession() as session:
        if body is None:
            async with session.get(url, params=query) as response:
                return dict(await response.json())
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        async with session.post(url, params=query, data=data) as response:
            if response.status != 200:
                return {"http": response.status}
            return dict(await response.json())


async def token(fake: FakeWeChat) -> str:
    answer = await call(
        fake, "token", grant_type="client_credential", appid=APP_ID, secret=APP_SECRET
    )
    return str(answer["access_token"])


def text(openid: str, content: str) -> dict[str, Any]:
    return {"touser": openid, "msgtype": "text", "text": {"content": content}}


def test_the_signature_matches_wechats_sample_and_wechatpy() -> None:
    assert (
        signature("spamtest", "1409735669", "1320562132", SAMPLE_ENCRYPT)
        == "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
    )
    check_signature(CALLBACK_TOKEN, signature(CALLBACK_TOKEN, "1", "2"), "1", "2")


async def test_tokens_are_issued_for_the_right_secret_only(fake: FakeWeChat) -> None:
    wrong = await call(fake, "token", grant_type="client_credential", appid=APP_ID, secret="x")
    assert wrong["errcode"] == 40125
    issued = await token(fake)
    assert issued == fake.tokens[0]
    assert (await call(fake, "message/custom/send", text("o1", "你好"), access_token="nope"))[
        "errcode"
    ] == 40001
    assert (await call(fake, "message/custom/send", text("o1", "你好"), access_token=issued)) == {
        "errcode": 0,
        "errmsg": "ok",
    }
    fake.expire_tokens()
    expired = await call(fake, "message/custom/send", text("o1", "再见"), access_token=issued)
    assert expired["errcode"] == 42001
    assert fake.texts("o1") == ["你好"]


async def test_custom_messages_are_checked_like_wechat(fake: FakeWeChat) -> None:
    issued = await token(fake)
    escaped = json.dumps(text("o1", "你好")).encode()  # \u escapes: WeChat would show them raw
    assert (await call(fake, "message/custom/send", escaped, access_token=issued))[
        "errcode"
    ] == 47001
    too_long = text("o1", "好" * 683)  # 2,049 bytes
    assert (await call(fake, "message/custom/send", too_long, access_token=issued))[
        "errcode"
    ] == 45002
    fake.close_window("o1")
    assert (await call(fake, "message/custom/send", text("o1", "x"), access_token=issued))[
        "errcode"
    ] == 45015
    template = {"touser": "o1", "template_id": "T1", "data": {"content": {"value": "提醒"}}}
    sent = await call(fake, "message/template/send", template, access_token=issued)
    assert sent["errcode"] == 0 and sent["msgid"]
    assert [(r.kind, r.text) for r in fake.received["o1"]] == [("template", "提醒")]


async def test_faults_hit_the_method_and_person_asked_for(fake: FakeWeChat) -> None:
    issued = await token(fake)
    fake.fail("message/custom/send", 45009, openid="o2")
    fake.fail_http("message/custom/send", 502)
    send = "message/custom/send"
    assert await call(fake, send, text("o1", "a"), access_token=issued) == {"http": 502}
    assert (await call(fake, send, text("o1", "b"), access_token=issued))["errcode"] == 0
    assert (await call(fake, send, text("o2", "c"), access_token=issued))["errcode"] == 45009
    assert (await call(fake, send, text("o2", "d"), access_token=issued))["errcode"] == 0
    assert [c.errcode for c in fake.calls(send)] == [-1, 0, 45009, 0]


async def echo_callback(request: web.Request) -> web.Response:
    """A stand-in bot: answers a text with its content, sealed the way the bot must seal."""
    body = await request.read()
    assert request.query["signature"] == signature(
        CALLBACK_TOKEN, request.query["timestamp"], request.query["nonce"]
    )
    return web.Response(text=body.decode())


async def test_the_user_seals_and_opens_like_wechat(fake: FakeWeChat) -> None:
    app = web.Application()
    app.router.add_post("/wechat", echo_callback)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        user = WeChatUser(
            fake, f"http://{host}:{port}/wechat", "o_sealed", encoding_aes_key=AES_KEY
        )
        body, query = user.seal(message_xml({"Content": "你好"}).encode(), "1700000000", "7")
        sealed = body.decode()
        assert "你好" not in sealed and query["encrypt_type"] == "aes"
        encrypted = sealed.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
        assert query["msg_signature"] == signature(CALLBACK_TOKEN, "1700000000", "7", encrypted)
        opened = PrpCrypto(aes_key(AES_KEY)).decrypt(encrypted, APP_ID)
        assert opened == message_xml({"Content": "你好"})
        plain = WeChatUser(fake, f"http://{host}:{port}/wechat", "o_plain")
        reply = await plain.say("回声")
        assert reply.status == 200 and reply.text == "回声"
        assert fake.texts("o_plain") == ["回声"] and plain.last == "回声"
    finally:
        await runner.cleanup()


def test_numbered_options_are_read_from_the_last_message(fake: FakeWeChat) -> None:
    user = WeChatUser(fake, "http://127.0.0.1:9/wechat", "o3")
    fake.record("o3", "passive", "选择语言\n\n1. English\n2. 简体中文\n\n回复编号")
    assert user.numbered() == {"English": "1", "简体中文": "2"}
