"""Marking domain text for translation without importing any i18n machinery.

The domain stays pure: it only marks English source strings with ``N_`` so that
``pybabel extract`` finds them; the i18n layer translates them when a message is
rendered for a reader.
"""


def N_(message: str) -> str:
    """Mark ``message`` for extraction; translation happens at render time."""
    return message
