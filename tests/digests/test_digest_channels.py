"""Digests as each platform shows them: HTML on Telegram, markdown on WeCom, the chart as a picture.

The whole bot runs as ``c2cbot run`` builds it, against the loopback Telegram and WeCom
fakes, with the outbox dispatcher sending. Bonn–Chengdu has a busy week (the facts of
``test_facts``, with a KPI reported in it) and an action item whose title is typed
markup; it has a Telegram group, a WeCom group chat, a coordinator on Telegram (Alice)
and one in the browser chat (Wang). The weekly job runs on the Monday after the week.
"""

from __future__ import annotations

import base64
import html
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy import select, update

from c2cbot.channels.base import DeliveryError, image_of
from c2cbot.channels.telegram import channel as telegram
from c2cbot.channels.telegram import writing as telegram_writing
from c2cbot.channels.web.chat import WebChat
from c2cbot.channels.wechat_oa.channel import WeChatOfficialAccount
from c2cbot.channels.wecom import channel as wecom
from c2cbot.channels.wecom import writing as wecom_writing
from c2cbot.config import Settings
from c2cbot.digests import Markup, posting
from c2cbot.flows.messages import Outbound
from c2cbot.flows.ports import DigestChat
from c2cbot.i18n import Catalogues
from c2cbot.runtime import Bot
from c2cbot.scheduling import jobs
from c2cbot.store.database import Database
from c2cbot.store.ledger import SqlStore
from c2cbot.store.models import (
    Activity,
    ChannelIdentity,
    GroupChat,
    Membership,
    OutboxMessage,
    Stakeholder,
)
from tests.channels.conftest import FAST_RULES
from tests.digests import samples
from tests.digests.test_facts import WEEK_END, _bonn_chengdu, _city, _fill
from tests.digests.test_posting_fakes import QUICK
from tests.fakes import wecom_api
from tests.fakes.telegram_api import FakeTelegram, Sent
from tests.fakes.wecom_api import FakeWeCom, Group, markdown_elements
from tests.support.outbox import outbox_report
from tests.support.waiting import eventually
from tests.test_cli import run

TYPED = "Book <b>rooms</b> & **now** [link](http://evil.example) @all `x` __y__"
SHOWN_ON_TELEGRAM = TYPED.replace("@all", "@\u2060all")  # a mention that notifies nobody
TELEGRAM_GROUP = -1001234567890
ALICE = 4242
WANG = "lina"  # her WeCom userid
WECOM_CHATID = "wrc2cBonnChengdu"
LINKED = datetime(2026, 11, 1, tzinfo=UTC)
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # after 09:00 in Bonn and in Chengdu
PNG = b"\x89PNG\r\n\x1a\n"
JOINER = "\u2060"


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


async def week_of_bonn_chengdu(database: Database) -> int:
    """The busy week, a typed-markup action item, two coordinators and two groups."""
    pid = await _bonn_chengdu(database)
    await _fill(database, pid)
    async with database.transaction() as session:
        bonn, chengdu = await _city(session, "bonn"), await _city(session, "chengdu")
        alice = Stakeholder(name="Alice Andersson", language="en", city_id=bonn, created_at=LINKED)
        wang = Stakeholder(name="王芳", language="zh_Hans", city_id=chengdu, created_at=LINKED)
        jonas = Stakeholder(name="Jonas", language="de", city_id=bonn, created_at=LINKED)
        session.add_all([alice, wang, jonas])
        due = WEEK_END + timedelta(days=3)
        session.add(
            Activity(
                partnership_id=pid, title=TYPED, due_on=due, status="planned", created_at=LINKED
            )
        )
        await session.flush()
        for person, channel, chat in (
            (alice, "telegram", str(ALICE)),
            (wang, "wecom", WANG),
            (jonas, "web", "jonas"),
        ):
            session.add(
                Membership(
                    partnership_id=pid,
                    stakeholder_id=person.id,
                    role="coordinator",
                    joined_at=LINKED,
                )
            )
            session.add(
                ChannelIdentity(
                    channel=channel,
                    external_id=chat,
                    chat_id=chat,
                    stakeholder_id=person.id,
                    created_at=LINKED,
                    last_seen_at=LINKED,
                )
            )
    async with SqlStore(database).transaction() as ledger:
        await ledger.chats.link_group("telegram", str(TELEGRAM_GROUP), pid, ["en", "zh_Hans"], None)
        await ledger.chats.link_group(
            "wecom", f"group:{WECOM_CHATID}", pid, ["zh_Hans", "en"], None
        )
    async with database.transaction() as session:
        await session.execute(update(GroupChat).values(linked_at=LINKED))
    return pid


@pytest.fixture
async def running(
    settings: Settings, database: Database
) -> AsyncIterator[tuple[Bot, FakeTelegram, FakeWeCom]]:
    async with FakeTelegram(rules=FAST_RULES) as fake_telegram, FakeWeCom() as fake_wecom:
        members = ["zhangwei", "lina"]
        for member in members:
            fake_wecom.member(member)
        fake_wecom.groups[WECOM_CHATID] = Group(WECOM_CHATID, "波恩–成都", members[0], members)
        configured = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=settings.database_url,
            telegram_token=fake_telegram.token,
            telegram_api_url=fake_telegram.api_url,
            wecom_corp_id=wecom_api.CORP_ID,
            wecom_agent_id=wecom_api.AGENT_ID,
            wecom_secret=wecom_api.SECRET,
            wecom_token=wecom_api.CALLBACK_TOKEN,
            wecom_aes_key=wecom_api.AES_KEY,
            wecom_api_url=fake_wecom.api_url,
        )
        bot = Bot(configured, clock=lambda: MONDAY, options={"telegram": QUICK})
        await bot.start("127.0.0.1", 0)
        try:
            yield bot, fake_telegram, fake_wecom
        finally:
            await bot.stop()


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.tags.add(tag)


def tags_in(text: str) -> set[str]:
    parser = _Tags()
    parser.feed(text)
    return parser.tags


def pictures(sent: list[Sent]) -> list[Sent]:
    return [s for s in sent if s.photo is not None]


async def payloads_to(database: Database, chat_id: str) -> list[dict[str, Any]]:
    async with database.sessions() as session:
        query = select(OutboxMessage.payload).where(OutboxMessage.chat_id == chat_id)
        return list((await session.execute(query.order_by(OutboxMessage.id))).scalars())


async def test_the_weekly_digest_arrives_as_html_and_markdown_with_its_chart(
    running: tuple[Bot, FakeTelegram, FakeWeCom], cjk_font: str
) -> None:
    bot, fake_telegram, fake_wecom = running
    await week_of_bonn_chengdu(bot.database)

    assert await jobs.weekly_digests(bot.database, bot.texts, MONDAY) == 5  # 2 groups, 3 people

    group = fake_wecom.groups[WECOM_CHATID]
    await eventually(
        lambda: len(pictures(fake_telegram.chat(TELEGRAM_GROUP))) == 1,
        explain=lambda: outbox_report(bot.database),
    )
    await eventually(
        lambda: len(pictures(fake_telegram.chat(ALICE))) == 1,
        explain=lambda: outbox_report(bot.database),
    )
    await eventually(
        lambda: any(r.msgtype == "image" for r in group.received),
        explain=lambda: outbox_report(bot.database),
    )
    await eventually(
        lambda: any(r.msgtype == "image" for r in fake_wecom.received.get(WANG, [])),
        explain=lambda: outbox_report(bot.database),
    )

    # Telegram: HTML, only our tags; the typed text shown exactly as typed; chart last.
    in_group = fake_telegram.chat(TELEGRAM_GROUP)
    assert all(s.parse_mode == "HTML" for s in in_group)
    assert all(tags_in(s.text) <= {"b", "i"} for s in in_group)
    shown = "\n".join(s.plain for s in in_group)
    assert "Weekly digest: Bonn–Chengdu" in shown and "每周简报：波恩–成都" in shown
    assert SHOWN_ON_TELEGRAM in shown
    chart = in_group[-1]
    assert chart.photo is not None and chart.photo.startswith(PNG)
    assert chart.plain == "KPIs against targets / " + bot.texts.gettext(
        "zh_Hans", posting.CHART_TITLE
    )
    [to_alice] = pictures(fake_telegram.chat(ALICE))
    assert to_alice is fake_telegram.chat(ALICE)[-1]  # the chart follows her digest
    assert "Weekly digest: Bonn–Chengdu" in fake_telegram.chat(ALICE)[0].plain

    # WeCom: markdown, only our markup acts; the typed text reads as typed; chart last.
    kinds = [r.msgtype for r in group.received]
    assert kinds[-1] == "image" and set(kinds[:-1]) == {"markdown"}
    image = group.received[-1].image
    assert image is not None and image.startswith(PNG)
    assert fake_wecom.calls("media/upload") and all(
        c.query.get("type") == "image" for c in fake_wecom.calls("media/upload")
    )
    markdown = "\n".join(r.content for r in group.received[:-1])
    elements = markdown_elements(markdown)
    assert elements["link"] == [] and elements["mention"] == [] and elements["code"] == []
    assert all("now" not in bold and "rooms" not in bold for bold in elements["bold"])
    assert "每周简报：波恩–成都" in elements["bold"][0]
    read = "\n".join(group.shown)
    assert TYPED.replace("`", "\u02cb") in read  # a typed backtick is its look-alike
    assert all(len(m.encode()) <= wecom_api.MAX_BYTES for m in group.messages)

    # Wang reads hers in the WeCom app (message/send): markdown in Chinese, then the chart.
    to_wang = fake_wecom.received[WANG]
    assert [r.msgtype for r in to_wang][-1] == "image" and to_wang[-1].image == image
    assert "每周简报：波恩–成都" in to_wang[0].shown and "Weekly digest" not in to_wang[0].shown

    # The browser chat shows plain text and no picture.
    to_jonas = await payloads_to(bot.database, "jonas")
    assert to_jonas
    assert all("image" not in p["extra"] and "markup" not in p["extra"] for p in to_jonas)
    assert TYPED in "\n".join(p["text"] for p in to_jonas)


async def test_an_ordinary_reply_is_still_escaped(
    running: tuple[Bot, FakeTelegram, FakeWeCom],
) -> None:
    bot, fake_telegram, fake_wecom = running
    await week_of_bonn_chengdu(bot.database)
    reply = Outbound(TYPED)  # what the engine says, e.g. a person's answer read back
    async with SqlStore(bot.database).transaction() as ledger:
        await ledger.outbox.enqueue_all("telegram", str(TELEGRAM_GROUP), None, [reply])
        await ledger.outbox.enqueue_all("wecom", f"group:{WECOM_CHATID}", None, [reply])
    group = fake_wecom.groups[WECOM_CHATID]
    await eventually(
        lambda: bool(fake_telegram.chat(TELEGRAM_GROUP)) and bool(group.received),
        explain=lambda: outbox_report(bot.database),
    )

    [sent] = fake_telegram.chat(TELEGRAM_GROUP)
    assert sent.parse_mode == "HTML" and sent.text == html.escape(TYPED, quote=False)
    assert sent.plain == TYPED
    [received] = group.received
    assert (received.msgtype, received.content) == ("text", TYPED)


# ----- the pieces, without a network


def test_digest_formats_follow_what_each_channel_declares() -> None:
    markups = {"html": Markup.TELEGRAM_HTML, "markdown": Markup.WECOM_MARKDOWN}
    channels = (telegram.TelegramChannel, wecom.WeComApp, WeChatOfficialAccount, WebChat)
    for channel in channels:
        shown = posting.format_for(channel.name)
        assert shown.images is channel.capabilities.images, channel.name
        assert shown.markup is markups.get(channel.capabilities.markup, Markup.PLAIN)
    assert Markup.TELEGRAM_HTML.value == telegram_writing.HTML_MARKUP
    assert Markup.WECOM_MARKDOWN.value == wecom_writing.MARKDOWN_MARKUP


def test_telegram_sends_marked_up_text_unchanged_and_escapes_the_rest() -> None:
    marked = Outbound("<b>Weekly</b> &lt;b&gt;", extra={"markup": "telegram_html"})
    assert [p.text for p in telegram_writing.render(marked)] == ["<b>Weekly</b> &lt;b&gt;"]
    plain = Outbound("<b>Weekly</b>", extra={"markup": "wecom_markdown"})
    assert [p.text for p in telegram_writing.render(plain)] == ["&lt;b&gt;Weekly&lt;/b&gt;"]


def test_wecom_sends_marked_up_text_as_markdown_and_the_rest_as_text(texts: Catalogues) -> None:
    marked = Outbound("**周报**", extra={"markup": "wecom_markdown"})
    assert wecom_writing.contents(marked, texts) == [
        {"msgtype": "markdown", "markdown": {"content": "**周报**"}}
    ]
    plain = Outbound('<a href="x">**周报**</a>', extra={"markup": "telegram_html"})
    assert wecom_writing.contents(plain, texts) == [
        {"msgtype": "text", "text": {"content": '＜a href="x">**周报**＜/a>'}}
    ]


@pytest.mark.parametrize("image", ["not base64!", "", base64.b64encode(b"x" * 3_000_000).decode()])
def test_an_image_no_channel_can_send_is_a_permanent_failure(image: str) -> None:
    with pytest.raises(DeliveryError) as failure:
        image_of(Outbound("", extra={"image": image}))
    assert failure.value.permanent


async def test_charts_only_where_pictures_are_shown_and_the_week_was_busy(
    texts: Catalogues,
) -> None:
    charts = posting.Charts(texts)
    busy, quiet = samples.weekly(), samples.quiet_week()
    for channel in ("web", "wechat"):
        assert await charts.message(busy, DigestChat(channel, "c", ("en",))) is None
    assert await charts.message(quiet, DigestChat("telegram", "c", ("en",))) is None
    shown = await charts.message(busy, DigestChat("wecom", "group:c", ("zh_Hans", "en")))
    assert shown is not None and shown.extra["markup"] == "wecom_markdown"
    png = base64.b64decode(shown.extra["image"])
    assert png.startswith(PNG) and len(png) <= posting.MAX_CHART_BYTES
    assert (
        shown.text == f"**{texts.gettext('zh_Hans', posting.CHART_TITLE)} / KPIs against targets**"
    )


# ----- `c2cbot digest` without --dry-run: a real process, on SQLite and PostgreSQL


async def test_the_cli_posts_the_digest_into_every_linked_group_once_per_run(
    database: Database, database_url: str
) -> None:
    pid = await week_of_bonn_chengdu(database)
    env = {"C2C_DATABASE_URL": database_url}

    result = run("digest", "--partnership", "Bonn–Chengdu", "--kind", "weekly", env=env)

    assert result.returncode == 0, result.stderr
    assert "weekly digest of Bonn–Chengdu written to the outbox for:" in result.stdout
    assert f"telegram {TELEGRAM_GROUP} (en + zh_Hans)" in result.stdout
    assert f"wecom group:{WECOM_CHATID} (zh_Hans + en)" in result.stdout
    to_telegram = await payloads_to(database, str(TELEGRAM_GROUP))
    to_wecom = await payloads_to(database, f"group:{WECOM_CHATID}")
    assert to_telegram and all(p["extra"]["markup"] == "telegram_html" for p in to_telegram)
    assert to_wecom and all(p["extra"]["markup"] == "wecom_markdown" for p in to_wecom)
    assert "Weekly digest: Bonn–Chengdu" in to_telegram[0]["text"]
    assert await payloads_to(database, str(ALICE)) == []  # people get theirs on Monday

    again = run("digest", "--partnership", str(pid), "--kind", "weekly", env=env)
    assert again.returncode == 0, again.stderr
    assert len(await payloads_to(database, str(TELEGRAM_GROUP))) == 2 * len(to_telegram)

    meeting = run("digest", "--partnership", "Bonn–Chengdu", "--kind", "meeting", env=env)
    assert meeting.returncode == 1 and "no such meeting notes" in meeting.stderr
