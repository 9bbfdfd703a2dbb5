"""Tencent's callback signatures and AES envelopes, as WeChat and WeCom both make them.

wechatpy is used for the AES only, never to parse: its ``decrypt_message`` would read
the attacker's outer XML with xmltodict (``xml.read_message`` reads every layer).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from wechatpy.crypto import PrpCrypto, WeChatCrypto

from c2cbot.channels._tencent.callbacks import Refused

AES_KEY_LENGTH = 43  # characters of an EncodingAESKey: 32 bytes in base64 without "="


def signature(*parts: str) -> str:
    """The (msg_)signature: SHA-1 over the sorted, concatenated parts."""
    joined = "".join(sorted(parts)).encode()
    return hashlib.sha1(joined).hexdigest()  # noqa: S324 - the platforms' protocol mandates SHA-1


def same(expected: str, given: str) -> bool:
    """Constant-time comparison (wechatpy's ``check_signature`` uses ``!=``)."""
    return hmac.compare_digest(expected.encode(), given.encode())


def aes_key_bytes(encoding_aes_key: str, platform: str) -> bytes:
    """The 32-byte key behind the 43-character EncodingAESKey; ValueError if it is not one."""
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error:
        raise ValueError(f"the {platform} EncodingAESKey is not valid base64") from None
    if len(encoding_aes_key) != AES_KEY_LENGTH or len(key) != 32:
        raise ValueError(f"the {platform} EncodingAESKey must be 43 characters (32 bytes)")
    return key


class Envelope:
    """AES-CBC envelopes with the receiver's id inside (AppId, or WeCom's CorpId)."""

    def __init__(self, token: str, encoding_aes_key: str, receiver: str, platform: str) -> None:
        self._key, self._receiver = aes_key_bytes(encoding_aes_key, platform), receiver
        self._crypto = WeChatCrypto(token, encoding_aes_key, receiver)

    def open(self, encrypted: str) -> str:
        """The plaintext; ``Refused(403)`` when it was not sealed with our key for us."""
        try:
            return str(PrpCrypto(self._key).decrypt(encrypted, self._receiver))
        except Exception:  # any failure means the wrong key or receiver: not the platform
            raise Refused(403, "the message does not decrypt with our key and id") from None

    def seal(self, xml: str, nonce: str, timestamp: str) -> str:
        """A passive reply in its signed envelope, as the platform expects it back."""
        return str(self._crypto.encrypt_message(xml, nonce, timestamp))
