"""Telegram's part of the C2C_* settings (``C2C_TELEGRAM_*``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from pydantic import AnyHttpUrl, BaseModel, SecretStr, model_validator

# Telegram takes 1 to 256 of these characters; fewer than 32 could be guessed.
MIN_SECRET = 32
_WEBHOOK_SECRET = re.compile(rf"[A-Za-z0-9_-]{{{MIN_SECRET},256}}")


class TelegramMode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


@dataclass(frozen=True)
class TelegramConfig:
    """The bot's settings once a token is given; ``webhook_secret`` only in webhook mode."""

    token: str
    api_url: str
    public_url: str | None
    webhook_secret: str | None

    def __repr__(self) -> str:  # never print the token
        return (
            f"TelegramConfig(api_url={self.api_url!r}, webhook={self.webhook_secret is not None})"
        )


class TelegramSettings(BaseModel):
    """Mixed into ``config.Settings``; the names are the user's contract."""

    public_url: AnyHttpUrl | None = None  # the server's public base URL, for the webhook
    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_mode: TelegramMode = TelegramMode.POLLING
    telegram_webhook_secret: SecretStr | None = None

    @model_validator(mode="after")
    def _webhook_needs_address_and_secret(self) -> TelegramSettings:
        if self.telegram_token is None or self.telegram_mode is TelegramMode.POLLING:
            return self
        if self.public_url is None:
            raise ValueError("C2C_TELEGRAM_MODE=webhook needs C2C_PUBLIC_URL")
        secret = (
            self.telegram_webhook_secret.get_secret_value() if self.telegram_webhook_secret else ""
        )
        if not _WEBHOOK_SECRET.fullmatch(secret):
            raise ValueError(
                "C2C_TELEGRAM_MODE=webhook needs C2C_TELEGRAM_WEBHOOK_SECRET: "
                f"{MIN_SECRET} to 256 of A-Z, a-z, 0-9, _ and - (for example the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
        return self


def configured(settings: TelegramSettings) -> TelegramConfig | None:
    """The bot's settings, or ``None`` (the channel stays off) without a token."""
    if settings.telegram_token is None:
        return None
    secret = settings.telegram_webhook_secret
    webhook = settings.telegram_mode is TelegramMode.WEBHOOK and secret is not None
    return TelegramConfig(
        token=settings.telegram_token.get_secret_value(),
        api_url=settings.telegram_api_url,
        public_url=str(settings.public_url) if settings.public_url else None,
        webhook_secret=secret.get_secret_value() if webhook and secret else None,
    )
