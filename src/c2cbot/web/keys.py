"""Typed keys for what the aiohttp application carries."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from c2cbot.channels.web.chat import WebChat
from c2cbot.flows.engine import Engine
from c2cbot.metrics import Metrics
from c2cbot.store.database import Database
from c2cbot.store.outbox import SqlOutbox

ENGINE = web.AppKey("engine", Engine)
DATABASE = web.AppKey("database", Database)
OUTBOX = web.AppKey("outbox", SqlOutbox)
WEBCHAT = web.AppKey("webchat", WebChat)
METRICS = web.AppKey("metrics", Metrics)
PageRenderer = Callable[[str | None], str]
PAGE: web.AppKey[PageRenderer] = web.AppKey("page")
