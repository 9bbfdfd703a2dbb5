"""How long a way into the partnership workspace lasts: the sign-in link and the session.

The link that ``/web`` sends is short-lived because it travels through chat apps, where
it may be forwarded or read over a shoulder; it works once. The session it opens lives in
a browser cookie: it ends after ``SESSION_IDLE`` without a page opened (a phone left on a
desk overnight) and at the latest ``SESSION_LONGEST`` after sign-in, whatever happens, so a
lost phone does not stay signed in for ever. Signing out, ``/forget`` and erasure end it
sooner.
"""

from __future__ import annotations

from datetime import datetime, timedelta

SIGN_IN_LINK_LIFETIME = timedelta(minutes=15)
SESSION_IDLE = timedelta(hours=12)
SESSION_LONGEST = timedelta(days=30)
#: A session used again within this time keeps its expiry: no write on every page view.
SESSION_REFRESH = timedelta(minutes=10)


def link_minutes() -> int:
    """The link's lifetime as people are told it ("within 15 minutes")."""
    return int(SIGN_IN_LINK_LIFETIME.total_seconds() // 60)


def session_expiry(signed_in_at: datetime, seen_at: datetime) -> datetime:
    """When a session seen at ``seen_at`` ends: idle time, capped by the longest life."""
    return min(seen_at + SESSION_IDLE, signed_in_at + SESSION_LONGEST)


def worth_refreshing(seen_at: datetime, now: datetime) -> bool:
    """Whether a page opened ``now`` moves the session's expiry (at most every few minutes)."""
    return now - seen_at >= SESSION_REFRESH
