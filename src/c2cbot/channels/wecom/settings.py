"""The WeCom app's part of the C2C_* settings (``C2C_WECOM_*``): all of them or none."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, SecretStr, model_validator

from c2cbot.channels._tencent.settings import check_aes_key

WECOM_SETTINGS = ("wecom_corp_id", "wecom_secret", "wecom_agent_id", "wecom_token", "wecom_aes_key")


@dataclass(frozen=True)
class WeComConfig:
    """The app's settings once they are complete."""

    corp_id: str
    agent_id: int
    secret: str
    token: str
    aes_key: str
    api_url: str

    def __repr__(self) -> str:  # never print the secrets
        return f"WeComConfig(corp_id={self.corp_id!r}, agent_id={self.agent_id})"


class WeComSettings(BaseModel):
    """Mixed into ``config.Settings``; the names are the user's contract."""

    wecom_corp_id: str | None = None
    wecom_secret: SecretStr | None = None
    wecom_agent_id: int | None = None
    wecom_token: SecretStr | None = None
    wecom_aes_key: SecretStr | None = None
    wecom_api_url: str = "https://qyapi.weixin.qq.com/cgi-bin/"

    @model_validator(mode="after")
    def _wecom_complete(self) -> WeComSettings:
        given = [n for n in WECOM_SETTINGS if getattr(self, n) is not None]
        if given and len(given) != len(WECOM_SETTINGS):
            missing = ", ".join(f"C2C_{n.upper()}" for n in WECOM_SETTINGS if n not in given)
            raise ValueError(f"WeCom needs {missing} as well")
        check_aes_key("C2C_WECOM_AES_KEY", self.wecom_aes_key)
        return self


def configured(settings: WeComSettings) -> WeComConfig | None:
    """The app's settings, or ``None`` (the channel stays off) while any is missing."""
    if settings.wecom_corp_id is None or settings.wecom_agent_id is None:
        return None
    secrets = (settings.wecom_secret, settings.wecom_token, settings.wecom_aes_key)
    if any(s is None for s in secrets):
        return None
    secret, token, aes_key = (s.get_secret_value() for s in secrets if s is not None)
    return WeComConfig(
        settings.wecom_corp_id,
        settings.wecom_agent_id,
        secret,
        token,
        aes_key,
        settings.wecom_api_url,
    )
