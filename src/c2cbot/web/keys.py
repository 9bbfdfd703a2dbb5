"""Typed keys for what the aiohttp application carries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from c2cbot.channels.web.chat import WebChat
from c2cbot.flows.engine import Engine
from c2cbot.metrics import Metrics
from c2cbot.store.database import Database
from c2cbot.store.outbox import SqlOutbox
from c2cbot.web.limits import ChatLimits
from c2cbot.workspace.downloads import Downloads
from c2cbot.workspace.ports import Sessions
from c2cbot.workspace.service import Workspace

ENGINE = web.AppKey("engine", Engine)
DATABASE = web.AppKey("database", Database)
OUTBOX = web.AppKey("outbox", SqlOutbox)
WEBCHAT = web.AppKey("webchat", WebChat)
METRICS = web.AppKey("metrics", Metrics)
PageRenderer = Callable[[str | None], str]
PAGE: web.AppKey[PageRenderer] = web.AppKey("page")
WORKSPACE = web.AppKey("workspace", Workspace)
DOWNLOADS = web.AppKey("downloads", Downloads)
SESSIONS: web.AppKey[Sessions] = web.AppKey("sessions")
TemplateRenderer = Callable[[str, str, Mapping[str, Any]], str]  # (language, template, context)
TEMPLATES: web.AppKey[TemplateRenderer] = web.AppKey("templates")
LIMITS = web.AppKey("limits", ChatLimits)
ReaderText = Callable[[str | None, str], str]  # (Accept-Language, message) -> translated
READER_TEXT: web.AppKey[ReaderText] = web.AppKey("reader_text")
