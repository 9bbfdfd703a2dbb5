"""What WeChat's and WeCom's settings check alike."""

from __future__ import annotations

import re

from pydantic import SecretStr

_AES_KEY = re.compile(r"[A-Za-z0-9+/]{43}")


def check_aes_key(name: str, key: SecretStr | None) -> None:
    """An EncodingAESKey is 43 characters of base64; ``name`` is the setting's."""
    if key is not None and not _AES_KEY.fullmatch(key.get_secret_value()):
        raise ValueError(f"{name} must be the 43-character EncodingAESKey")
