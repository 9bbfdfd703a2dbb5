"""Typed settings from C2C_* environment variables or a .env file.

``c2cbot run`` refuses to start on an invalid setting and names it, instead of
failing later on the first message that needs it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from c2cbot.channels.registry import ChannelSettings
from c2cbot.event_loop import EventLoop

# The conversations, templates and catalogues ship inside the package, so an installed
# wheel finds them as an editable checkout does; C2C_HOME points elsewhere to adapt them.
DEFAULT_HOME = Path(__file__).resolve().parent


class Settings(ChannelSettings, BaseSettings):
    """Every C2C_* setting: the core ones here, each channel's from its package."""

    model_config = SettingsConfigDict(
        env_prefix="C2C_", env_file=".env", env_ignore_empty=True, extra="ignore"
    )

    database_url: str = "sqlite+aiosqlite:///./var/c2cbot.sqlite3"
    # PostgreSQL: a commit waits until it is on disk. Off (the default), it returns once
    # the server has it, and a crash of the server or the machine may lose the last
    # fraction of a second of commits (SQLite here gives the same with synchronous=NORMAL).
    database_synchronous_commit: bool = False
    # uvloop where it is installed (event_loop.py); asyncio's own loop on request.
    event_loop: EventLoop = "auto"
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)  # 0: any free port
    public_url: AnyHttpUrl | None = None
    # A reverse proxy in front terminates TLS: trust its X-Forwarded-Proto (Secure cookie)
    # and the address it appends to X-Forwarded-For (the browser chat's limits per address).
    trust_proxy: bool = False
    # /metrics on a listener of its own, on loopback unless told otherwise; on the public
    # listener (C2C_HTTP_*) only when C2C_METRICS_PUBLIC says so.
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=9464, ge=0, le=65535)  # 0: any free port
    metrics_public: bool = False
    # Serving processes of `c2cbot run` on one port (above 1: PostgreSQL); --workers wins.
    workers: int = Field(default=1, ge=1, le=64)
    # The browser chat's limits (web/limits.py): long polls open at once per browser, the
    # messages a browser may send (a burst, then so many a minute), and the new browsers
    # one source address may bring in an hour.
    web_max_polls: int = Field(default=2, ge=1, le=20)
    web_message_burst: int = Field(default=20, ge=1, le=1000)
    web_messages_per_minute: int = Field(default=60, ge=1, le=6000)
    web_new_identities_per_hour: int = Field(default=60, ge=1, le=100_000)
    default_language: str = "en"
    home: Path = DEFAULT_HOME
    log_level: str = "INFO"
    # Working days before an unanswered prompt is reminded; a partnership may set its own.
    reminder_days: int = Field(default=3, ge=1, le=30)

    # Machine translation of people's text in digests (LibreTranslate); off when unset.
    translate_url: AnyHttpUrl | None = None
    translate_api_key: SecretStr | None = None
    translate_timeout: float = Field(default=3.0, gt=0, le=30)

    # Who answers for people's data, as /privacy names them (GDPR Art. 13, PIPL Art. 17).
    privacy_controller: str | None = Field(default=None, max_length=200)
    privacy_contact: str | None = Field(default=None, max_length=200)
    # How long technical records are kept before the retention job removes them.
    retention_inbound_days: int = Field(default=30, ge=1, le=3650)
    retention_outbox_days: int = Field(default=90, ge=1, le=3650)
    # People silent this long on every channel are erased as /forget would.
    retention_inactive_days: int = Field(default=730, ge=30, le=3650)

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:// or postgresql+asyncpg://")
        return url

    @field_validator("log_level")
    @classmethod
    def _level(cls, level: str) -> str:
        if level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("use DEBUG, INFO, WARNING or ERROR")
        return level.upper()

    @property
    def conversations_dir(self) -> Path:
        return self.home / "conversations"

    @property
    def locale_dir(self) -> Path:
        return self.home / "locale"

    @property
    def templates_dir(self) -> Path:
        return self.home / "templates"
