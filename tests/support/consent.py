"""A person's state after consenting to the current privacy notice, for people a test
puts in the database directly instead of walking them through onboarding."""

from __future__ import annotations

from typing import Any

from c2cbot.flows import consent, notice


def consented(side: str) -> dict[str, Any]:
    """The conversation state of someone in a city on ``side`` (``eu``, ``cn``) who has
    consented to this notice, and to the transfer abroad if their city is in China."""
    scopes = [consent.DATA] + ([consent.ABROAD] if side == consent.CHINESE_SIDE else [])
    return {
        consent.CONSENT: dict.fromkeys(scopes, notice.NOTICE_VERSION),
        consent.SIDE: side,
    }
