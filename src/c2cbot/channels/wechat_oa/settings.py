"""The Official Account's part of the C2C_* settings (``C2C_WECHAT_*``)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field, SecretStr, model_validator

from c2cbot.channels._tencent.settings import check_aes_key


@dataclass(frozen=True)
class WeChatConfig:
    """The account's settings once they are complete."""

    app_id: str
    app_secret: str
    token: str
    aes_key: str | None
    api_url: str
    template_id: str | None
    reply_deadline: float

    def __repr__(self) -> str:  # never print the secrets
        return f"WeChatConfig(app_id={self.app_id!r})"


class WeChatSettings(BaseModel):
    """Mixed into ``config.Settings``; the names are the user's contract."""

    wechat_app_id: str | None = None
    wechat_app_secret: SecretStr | None = None
    wechat_token: SecretStr | None = None
    wechat_aes_key: SecretStr | None = None
    wechat_api_url: str = "https://api.weixin.qq.com/cgi-bin/"
    wechat_template_id: str | None = None
    # Seconds a callback waits for the engine before answering "success" (WeChat waits 5).
    wechat_reply_deadline: float = Field(default=4.0, gt=0, le=4.5)

    @model_validator(mode="after")
    def _wechat_complete(self) -> WeChatSettings:
        given = [self.wechat_app_id, self.wechat_app_secret, self.wechat_token]
        if any(given) and not all(given):
            raise ValueError(
                "WeChat needs C2C_WECHAT_APP_ID, C2C_WECHAT_APP_SECRET and C2C_WECHAT_TOKEN"
            )
        check_aes_key("C2C_WECHAT_AES_KEY", self.wechat_aes_key)
        return self


def configured(settings: WeChatSettings) -> WeChatConfig | None:
    """The account's settings, or ``None`` (the channel stays off) while any is missing."""
    app_id, secret, token = (
        settings.wechat_app_id,
        settings.wechat_app_secret,
        settings.wechat_token,
    )
    if not (app_id and secret and token):
        return None
    key = settings.wechat_aes_key
    return WeChatConfig(
        app_id=app_id,
        app_secret=secret.get_secret_value(),
        token=token.get_secret_value(),
        aes_key=key.get_secret_value() if key else None,
        api_url=settings.wechat_api_url,
        template_id=settings.wechat_template_id,
        reply_deadline=settings.wechat_reply_deadline,
    )
