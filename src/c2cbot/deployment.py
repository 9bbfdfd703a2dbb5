"""What a deployment's settings make of the bot's parts: its translator, the facts its
privacy notice states, its retention periods.

Kept apart from ``runtime``, which wires the parts: the commands that need one of these
(``c2cbot digest`` needs the translator) build it without building a bot.
"""

from __future__ import annotations

from c2cbot.channels.registry import SPECS
from c2cbot.config import Settings
from c2cbot.digests.translate import LibreTranslate
from c2cbot.flows.notice import PrivacyFacts
from c2cbot.store.retention import Retention


def translator_from(settings: Settings) -> LibreTranslate | None:
    """The machine translation of people's text in digests, if C2C_TRANSLATE_URL is set."""
    if settings.translate_url is None:
        return None
    key = settings.translate_api_key
    return LibreTranslate(
        str(settings.translate_url),
        key.get_secret_value() if key else None,
        settings.translate_timeout,
    )


def privacy_facts(settings: Settings) -> PrivacyFacts:
    """What /privacy tells people about this deployment, from its settings."""
    translation = settings.translate_url.host if settings.translate_url else None
    return PrivacyFacts(
        settings.privacy_controller,
        settings.privacy_contact,
        translation,
        settings.retention_inbound_days,
        settings.retention_outbox_days,
        settings.retention_inactive_days,
        frozenset(spec.name for spec in SPECS if spec.capabilities.files),
        frozenset(spec.name for spec in SPECS if spec.capabilities.links),
        str(settings.public_url).rstrip("/") if settings.public_url else None,
    )


def retention_from(settings: Settings) -> Retention:
    return Retention(
        settings.retention_inbound_days,
        settings.retention_outbox_days,
        settings.retention_inactive_days,
    )
