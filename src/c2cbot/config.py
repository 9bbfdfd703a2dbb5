"""Typed settings from C2C_* environment variables or a .env file.

``c2cbot run`` refuses to start on an invalid setting and names it, instead of
failing later on the first message that needs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The conversations, templates and catalogues ship inside the package, so an installed
# wheel finds them as an editable checkout does; C2C_HOME points elsewhere to adapt them.
DEFAULT_HOME = Path(__file__).resolve().parent


class TelegramMode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


WECOM_SETTINGS = ("wecom_corp_id", "wecom_secret", "wecom_agent_id", "wecom_token", "wecom_aes_key")


@dataclass(frozen=True)
class WeComSettings:
    corp_id: str
    agent_id: int
    secret: str
    token: str
    aes_key: str

    def __repr__(self) -> str:  # never print the secrets
        return f"WeComSettings(corp_id={self.corp_id!r}, agent_id={self.agent_id})"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="C2C_", env_file=".env", env_ignore_empty=True, extra="ignore"
    )

    database_url: str = "sqlite+aiosqlite:///./var/c2cbot.sqlite3"
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)  # 0: any free port
    public_url: AnyHttpUrl | None = None
    default_language: str = "en"
    home: Path = DEFAULT_HOME
    log_level: str = "INFO"
    # Working days before an unanswered prompt is reminded; a partnership may set its own.
    reminder_days: int = Field(default=3, ge=1, le=30)

    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_mode: TelegramMode = TelegramMode.POLLING
    telegram_webhook_secret: SecretStr | None = None

    wechat_app_id: str | None = None
    wechat_app_secret: SecretStr | None = None
    wechat_token: SecretStr | None = None
    wechat_aes_key: SecretStr | None = None
    wechat_api_url: str = "https://api.weixin.qq.com/cgi-bin/"
    wechat_template_id: str | None = None
    # Seconds a callback waits for the engine before answering "success" (WeChat waits 5).
    wechat_reply_deadline: float = Field(default=4.0, gt=0, le=4.5)

    wecom_corp_id: str | None = None
    wecom_secret: SecretStr | None = None
    wecom_agent_id: int | None = None
    wecom_token: SecretStr | None = None
    wecom_aes_key: SecretStr | None = None
    wecom_api_url: str = "https://qyapi.weixin.qq.com/cgi-bin/"

    # Machine translation of people's text in digests (LibreTranslate); off when unset.
    translate_url: AnyHttpUrl | None = None
    translate_api_key: SecretStr | None = None
    translate_timeout: float = Field(default=3.0, gt=0, le=30)

    @model_validator(mode="after")
    def _webhook_needs_address_and_secret(self) -> Settings:
        if self.telegram_token is None or self.telegram_mode is TelegramMode.POLLING:
            return self
        if self.public_url is None:
            raise ValueError("C2C_TELEGRAM_MODE=webhook needs C2C_PUBLIC_URL")
        secret = (
            self.telegram_webhook_secret.get_secret_value() if self.telegram_webhook_secret else ""
        )
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ValueError(
                "C2C_TELEGRAM_MODE=webhook needs C2C_TELEGRAM_WEBHOOK_SECRET "
                "(1 to 256 of A-Z, a-z, 0-9, _ and -)"
            )
        return self

    @model_validator(mode="after")
    def _wechat_complete(self) -> Settings:
        given = [self.wechat_app_id, self.wechat_app_secret, self.wechat_token]
        if any(given) and not all(given):
            raise ValueError(
                "WeChat needs C2C_WECHAT_APP_ID, C2C_WECHAT_APP_SECRET and C2C_WECHAT_TOKEN"
            )
        _check_aes_key("C2C_WECHAT_AES_KEY", self.wechat_aes_key)
        return self

    @model_validator(mode="after")
    def _wecom_complete(self) -> Settings:
        given = [n for n in WECOM_SETTINGS if getattr(self, n) is not None]
        if given and len(given) != len(WECOM_SETTINGS):
            missing = ", ".join(f"C2C_{n.upper()}" for n in WECOM_SETTINGS if n not in given)
            raise ValueError(f"WeCom needs {missing} as well")
        _check_aes_key("C2C_WECOM_AES_KEY", self.wecom_aes_key)
        return self

    @property
    def wecom(self) -> WeComSettings | None:
        """The WeCom app's settings, when all of them are given."""
        if self.wecom_corp_id is None or self.wecom_agent_id is None:
            return None
        secrets = (self.wecom_secret, self.wecom_token, self.wecom_aes_key)
        if any(s is None for s in secrets):
            return None
        secret, token, aes_key = (s.get_secret_value() for s in secrets if s is not None)
        return WeComSettings(self.wecom_corp_id, self.wecom_agent_id, secret, token, aes_key)

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


def _check_aes_key(name: str, key: SecretStr | None) -> None:
    if key is not None and not re.fullmatch(r"[A-Za-z0-9+/]{43}", key.get_secret_value()):
        raise ValueError(f"{name} must be the 43-character EncodingAESKey")
