"""Assembling a running bot from settings: database, engine, channels, outbox, web server.

``cli`` and the tests both build bots here, so what is tested is what runs.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, TypeVar, cast

import jinja2
from aiohttp import web

from c2cbot.channels import wecom
from c2cbot.channels.base import Channel
from c2cbot.channels.ratelimit import SendShare
from c2cbot.channels.registry import SPECS
from c2cbot.channels.spec import BotParts, ChannelSpec, Installed
from c2cbot.channels.web import SPEC as WEB
from c2cbot.clock import Clock, system_clock
from c2cbot.config import Settings
from c2cbot.delivery.dispatcher import Dispatcher
from c2cbot.delivery.in_place import InPlaceReplies
from c2cbot.deployment import privacy_facts, retention_from, translator_from
from c2cbot.digests.previews import ChatDigests
from c2cbot.domain.text import N_
from c2cbot.flows.engine import Engine
from c2cbot.flows.journal import Journal
from c2cbot.flows.loader import load_all
from c2cbot.flows.messages import Outbound
from c2cbot.i18n import Catalogues, browser_language
from c2cbot.metrics import Metrics
from c2cbot.scheduling.scheduler import Scheduling
from c2cbot.store.data_downloads import SqlDataDownloads
from c2cbot.store.database import Database
from c2cbot.store.guards import SqlNewcomers, SqlReplays
from c2cbot.store.journal import SqlJournal
from c2cbot.store.ledger import SqlStore
from c2cbot.store.outbox import SqlOutbox
from c2cbot.store.tokens import SqlTokenVault
from c2cbot.store.web_sessions import SqlWorkspaceSessions
from c2cbot.store.workspace_downloads import SqlDownloads
from c2cbot.store.workspace_people import SqlPeople
from c2cbot.store.workspace_reads import SqlWorkspacePages
from c2cbot.web.app import build_app, build_metrics_app
from c2cbot.web.guards import PUBLIC_ORIGIN, TRUST_PROXY
from c2cbot.web.keys import (
    DATABASE,
    DOWNLOADS,
    ENGINE,
    LIMITS,
    METRICS,
    OUTBOX,
    PAGE,
    PEOPLE,
    READER_TEXT,
    SESSIONS,
    TEMPLATES,
    WEBCHAT,
    WORKSPACE,
)
from c2cbot.web.limits import Allowance, ChatLimits, PollSlots, reads_allowed
from c2cbot.web.mydata import DATA_DOWNLOADS
from c2cbot.web.server_log import ServerLog
from c2cbot.work_alone import work_alone
from c2cbot.workspace.downloads import Downloads
from c2cbot.workspace.people import PeopleDesk
from c2cbot.workspace.service import Workspace
from c2cbot.workspace.translations import MachineTranslations

log = logging.getLogger(__name__)

Built = TypeVar("Built", bound=Channel)


def tune_gc_for_serving() -> None:
    """Keep the cyclic garbage collector from stalling the event loop while serving.

    Modules, conversations, catalogues and SQLAlchemy's mappers live as long as the
    process, yet every full collection walked them all: about 140 ms with the loop
    stopped, the whole tail of the WeChat callback latency at 500 requests/s
    (bench/wechat_latency.py). They are frozen out of it. Young collections wait for
    50,000 new objects instead of 700: most of what a message allocates is gone by then,
    so less is promoted and the old generations are walked less often (p99 at 500/s:
    about 100 ms → 71–83 ms). Only for a process that serves until it exits (``c2cbot
    run``): in tests that start many bots, frozen garbage in cycles would never be freed.
    """
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, middle, old)


YOUNG_OBJECTS = 50_000
#: How long a signed callback's (timestamp, nonce) is remembered: the time skew WeChat
#: and WeCom callbacks are accepted within (5 minutes).
REPLAY_WINDOW = timedelta(minutes=5)
#: The window C2C_WEB_NEW_IDENTITIES_PER_HOUR counts new browser identities in.
NEWCOMER_WINDOW = timedelta(hours=1)


class Bot:
    """Everything one bot process runs, wired once."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock = system_clock,
        options: Mapping[str, object] | None = None,
        senders: int = 1,
    ) -> None:
        """``clock`` is the one source of "now" for everything the bot stamps or compares;
        ``options`` are channels' knobs by channel name (``{"telegram": TelegramOptions(…)}``);
        ``senders``: how many processes send for this bot until the outbox has counted
        them (``--workers``), for the channels' part of the overall send rates.
        """
        self.settings, self.clock = settings, clock
        self.database = Database(
            settings.database_url,
            clock=clock,
            synchronous_commit=settings.database_synchronous_commit,
        )
        self.texts = Catalogues(settings.locale_dir, settings.default_language)
        self.conversations = load_all(settings.conversations_dir)
        self.metrics = Metrics()
        self.share = SendShare(senders)
        # With a translator, confirmed notes leave their digest to the meeting-digest job.
        self.outbox = SqlOutbox(self.database)
        self.in_place = InPlaceReplies(self.outbox, self.database.notify_committed, clock)
        self.store = SqlStore(
            self.database,
            hold_meeting_digests=bool(settings.translate_url),
            on_enqueued=self._enqueued,
            held=self.in_place.is_held,
        )
        self.engine = Engine(
            self.store,
            self.conversations,
            self.texts,
            ChatDigests(self.texts),
            clock,
            observer=self.metrics,
            privacy=privacy_facts(settings),
        )
        self.vault = SqlTokenVault(self.database)
        self.journal = Journal(SqlJournal(self.database))
        self.replays = SqlReplays(self.database, REPLAY_WINDOW)
        self.chat_limits = ChatLimits(
            PollSlots(settings.web_max_polls),
            Allowance(settings.web_message_burst, settings.web_messages_per_minute, clock),
            SqlNewcomers(self.database, settings.web_new_identities_per_hour, NEWCOMER_WINDOW),
            reads_allowed(settings.web_message_burst, settings.web_messages_per_minute, clock),
        )
        parts = BotParts(
            self.texts,
            self.engine.handle,
            self.in_place,
            self.vault,
            self.journal,
            clock,
            self.replays,
            self.share,
        )
        self._installed = _installed(settings, parts, options or {})
        self.channels: dict[str, Channel] = {i.spec.name: i.channel for i in self._installed}
        self.webchat = self.running(WEB)
        self.translator = translator_from(settings)
        self.scheduling = Scheduling(
            self.database,
            self.texts,
            clock,
            reminder_days=settings.reminder_days,
            translator=self.translator,
            retention=retention_from(settings),
        )
        self.dispatcher = Dispatcher(
            self.outbox,
            self.channels,
            on_sent=self._sent,
            clock=clock,
            held_back=self.in_place.held_back,
            share=self.share,
            senders=self.outbox.senders,
        )
        self.database.after_commit.append(self.dispatcher.wake)
        self.app = self._web_app()
        self._tasks: list[asyncio.Task[None]] = []
        self._runner: web.AppRunner | None = None
        self._metrics_runner: web.AppRunner | None = None
        self.metrics_url: str | None = None
        self._page_environments: dict[str, jinja2.Environment] = {}

    def running(self, spec: ChannelSpec[Any, Built, Any]) -> Built:
        """The channel built from ``spec``; ``LookupError`` if its settings are not given."""
        for installed in self._installed:
            if installed.spec is spec:
                return cast(Built, installed.channel)
        raise LookupError(f"the {spec.name} channel is not configured")

    def runs(self, spec: ChannelSpec[Any, Any, Any]) -> bool:
        return any(installed.spec is spec for installed in self._installed)

    def _enqueued(
        self, counts: Mapping[tuple[str, str], int], delayed: set[tuple[str, str]]
    ) -> None:
        """After a commit that wrote replies: callbacks waiting for theirs take them, this
        process's dispatcher is woken, and the others for chats of theirs."""
        self.in_place.enqueued(counts, delayed)
        self.outbox.senders.wake_others([chat for chat in counts if chat not in delayed])

    def _sent(self, channel: str, chat_id: str) -> None:
        self.metrics.sent(channel)
        if channel == self.webchat.name:
            self.webchat.delivered(chat_id)
            self.outbox.senders.delivered_elsewhere(chat_id)

    async def _release_long_polls(self, _app: web.Application) -> None:
        self.webchat.wake_all()

    def _web_app(self) -> web.Application:
        pages = self.settings.templates_dir / "web"
        app = build_app(
            pages / "static", pages / "p" / "static", with_metrics=self.settings.metrics_public
        )
        app[ENGINE], app[DATABASE], app[OUTBOX] = self.engine, self.database, self.outbox
        app[WEBCHAT], app[METRICS], app[PAGE] = self.webchat, self.metrics, self._chat_page
        app[LIMITS] = self.chat_limits
        app[TRUST_PROXY] = self.settings.trust_proxy
        app[DATA_DOWNLOADS] = SqlDataDownloads(self.database, self.clock).open
        app[READER_TEXT] = self._in_reader_language
        app[SESSIONS] = SqlWorkspaceSessions(self.database, self.clock)
        reads = SqlWorkspacePages(self.database)
        translations = MachineTranslations(self.translator) if self.translator else None
        app[WORKSPACE] = Workspace(reads, self.texts, self.conversations, self.clock, translations)
        app[DOWNLOADS] = Downloads(
            SqlDownloads(self.database), self.texts, self.conversations, self.clock
        )
        app[PEOPLE] = PeopleDesk(SqlPeople(self.database, self.clock), self.clock)
        app[TEMPLATES] = self._rendered
        if self.settings.public_url is not None:
            public = self.settings.public_url
            port = f":{public.port}" if public.port not in (None, 80, 443) else ""
            app[PUBLIC_ORIGIN] = f"{public.scheme}://{public.host}{port}"
        app.on_shutdown.append(self._release_long_polls)
        for installed in self._installed:
            app.add_routes(installed.routes())
        return app

    def _reader_language(self, accept_language: str | None) -> str:
        return self.texts.choose_language(browser_language(accept_language))

    def _in_reader_language(self, accept_language: str | None, message: str) -> str:
        return self.texts.gettext(self._reader_language(accept_language), message)

    def _chat_page(self, accept_language: str | None) -> str:
        language = self._reader_language(accept_language)
        return (
            self._pages(language)
            .get_template("chat.html")
            .render(
                language=language,
                html_language=language.replace("_", "-"),
                languages=self.texts.languages,
            )
        )

    def _rendered(self, language: str, template: str, context: Mapping[str, Any]) -> str:
        return self._pages(language).get_template(template).render(**context)

    def _pages(self, language: str) -> jinja2.Environment:
        """One template environment per language, with that language's gettext installed."""
        if language not in self._page_environments:
            environment = jinja2.Environment(
                loader=jinja2.FileSystemLoader(self.settings.templates_dir / "web"),
                autoescape=True,
                extensions=["jinja2.ext.i18n"],
            )
            translations = self.texts.translations(language)
            environment.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
            self._page_environments[language] = environment
        return self._page_environments[language]

    async def start(
        self,
        host: str,
        port: int,
        *,
        schedule: bool = False,
        metrics: tuple[str, int] | None = None,
        shared_port: bool = False,
        background: bool = True,
    ) -> str:
        """Serve HTTP, connect the channels and start delivering; returns the base URL.

        ``schedule`` also runs the prompt scheduler (or stands by, if another process
        leads): ``c2cbot run`` does; tests drive the jobs with their own clock instead.
        ``metrics`` is where the operator's listener (``/metrics``, ``/healthz``) binds;
        its base URL is then ``metrics_url``. Messages a crash left confirmed but
        unhandled are handled first (or, with the database down, as soon as it is back).
        ``shared_port``: other worker processes listen on the same port (SO_REUSEPORT, the
        kernel spreads connections among them). ``background``: run the channels' work of
        their own (Telegram long polling), which exactly one process of a bot may do.
        """
        handle = self.engine.handle
        replayed = await self.journal.replayed(handle)  # before any new message: they came first
        looking = self.journal.keep_looking(handle, self.clock, replayed)
        self._tasks.append(asyncio.create_task(looking, name="journal"))
        self._runner = web.AppRunner(
            self.app, access_log=None, shutdown_timeout=5.0, logger=ServerLog()
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port, reuse_port=shared_port or None).start()
        if metrics is not None:
            await self._serve_metrics(*metrics)
        await self._start_channels(background)  # after listening: a webhook may come at once
        self._tasks.append(asyncio.create_task(self.dispatcher.run(), name="outbox"))
        await self._hear_deliveries()
        if schedule:
            await self.scheduling.start()
        bound = self._runner.addresses[0]
        return f"http://{bound[0]}:{bound[1]}"

    async def _hear_deliveries(self) -> None:
        """PostgreSQL: browser chat replies other processes send wake this one's long polls."""
        try:
            await self.outbox.senders.listen_for_deliveries(self.webchat.delivered)
        except Exception:  # the database may be down at start: long polls look by themselves
            log.exception("cannot hear other processes' browser chat replies")

    async def _serve_metrics(self, host: str, port: int) -> None:
        """The operator's listener; a port already taken costs the metrics, not the bot."""
        app = build_metrics_app()
        app[DATABASE], app[METRICS] = self.database, self.metrics
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as error:
            log.error("cannot serve /metrics on %s:%d (%s); going on without", host, port, error)
            await runner.cleanup()
            return
        self._metrics_runner = runner
        bound = runner.addresses[0]
        self.metrics_url = f"http://{_host_in_url(bound[0])}:{bound[1]}"

    async def _start_channels(self, background: bool) -> None:
        """Channels' work of their own runs where this process holds its lock, so one
        process on all machines does it (``work_alone``)."""
        for installed in self._installed:
            work = await installed.start()
            if work is not None and not background:
                work.close()  # another worker process does it
            elif work is not None:
                name = installed.spec.name
                alone = work_alone(self.database, f"{name}-background", work, installed.start)
                self._tasks.append(asyncio.create_task(alone, name=name))

    async def stop(self) -> None:
        await self.scheduling.stop()
        for task in self._tasks:
            await _stopped(task)
        if self._runner is not None:
            await self._runner.cleanup()
        if self._metrics_runner is not None:
            await self._metrics_runner.cleanup()
        for installed in self._installed:
            await installed.stop()  # callbacks in progress finish first
        await self.in_place.idle()
        await self.outbox.close()
        await self.journal.idle()
        await self.replays.idle()
        if self.translator is not None:
            await self.translator.close()
        await self.database.close()


def _installed(
    settings: Settings, parts: BotParts, options: Mapping[str, object]
) -> list[Installed[Any, Any]]:
    """Every registered channel whose settings are given, built from the bot's parts."""
    unknown = set(options) - {spec.name for spec in SPECS}
    if unknown:
        raise ValueError(f"options for unknown channels: {', '.join(sorted(unknown))}")
    built = (spec.install(settings, parts, options) for spec in SPECS)
    return [installed for installed in built if installed is not None]


def _host_in_url(host: str) -> str:
    return f"[{host}]" if ":" in host else host


STOP_WITHIN = 15.0  # seconds a component may take to stop before it is left behind


async def _stopped(task: asyncio.Task[None]) -> None:
    """Cancel a component and wait for it, but never forever: shutdown must finish."""
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=STOP_WITHIN)
    if not done:
        log.error("%s did not stop within %.0f s; leaving it behind", task.get_name(), STOP_WITHIN)
    elif not task.cancelled() and task.exception() is not None:
        log.error("%s failed while stopping", task.get_name(), exc_info=task.exception())


WECOM_GROUP_WELCOME = N_(
    "This group chat belongs to the partnership {name}. Meeting and weekly digests will "
    "be posted here."
)


async def link_wecom_group(
    bot: Bot,
    partnership_id: int,
    address: str,
    name: str,
    languages: Sequence[str] = ("zh_Hans",),
) -> None:
    """Link a WeCom app chat to a partnership in ``languages`` (its digests' pair) and post
    a welcome in each of them, one under the other, through the outbox."""
    welcome = "\n\n".join(
        bot.texts.gettext(language, WECOM_GROUP_WELCOME).format(name=name) for language in languages
    )
    async with SqlStore(bot.database).transaction() as ledger:
        await ledger.chats.link_group(wecom.NAME, address, partnership_id, list(languages), None)
        welcomed = [Outbound(welcome, language=languages[0])]
        await ledger.outbox.enqueue_all(wecom.NAME, address, None, welcomed)
