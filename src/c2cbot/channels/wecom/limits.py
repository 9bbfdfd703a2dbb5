"""WeCom's sending limits as token buckets: WeCom drops what is over them, silently."""

from __future__ import annotations

from dataclasses import dataclass

from c2cbot.channels.ratelimit import Clock, Rate, SendShare, TokenBucket, acquire_all

GROUP_PREFIX = "group:"  # an app chat's outbox address: ``group:<chatid>``
MAX_IDLE_BUCKETS = 10_000
MEMBER_RATES = (Rate.per_minute(24, 4), Rate(900 / 3600, 50))
GROUP_RATES = (Rate.per_minute(17, 3), Rate(4800 / 86400, 100))
OVERALL_RATE = Rate(20.0, 20.0)  # 1,200 a minute


@dataclass(frozen=True)
class WeComLimits:
    """Token buckets that stay inside WeCom's documented sending limits.

    Source: developer.work.weixin.qq.com/document/path/90454 (访问频率限制, 2023-08-28):
    an app may send one member at most 30 messages a minute and 1,000 an hour ("超过部分
    会被丢弃不下发"); a member may receive at most 200 app messages a minute and 10,000 a
    day in app chats, also dropped silently; the app's daily quota (account limit × 200
    person-times) is not known here and answers with an error code, which backs off.
    A bucket lets through at most ``burst + per_second × t`` in any ``t`` seconds:
    member 4 + 24/min ≤ 28 a minute and 50 + 900 ≤ 950 an hour; a group 3 + 17 ≤ 20 a
    minute and 100 + 4,800 ≤ 4,900 a day, so a member may sit in two of our groups.
    The overall rate is an assumption (no per-minute app limit is documented).
    """

    member: tuple[Rate, ...] = MEMBER_RATES
    group: tuple[Rate, ...] = GROUP_RATES
    overall: Rate = OVERALL_RATE


class SendLimiter:
    """Buckets per member, per group and overall; waits, never drops."""

    def __init__(self, limits: WeComLimits, clock: Clock, share: SendShare | None = None) -> None:
        """``share``: this process's part of the overall rate, when several send."""
        self._limits, self._clock = limits, clock
        self._overall = TokenBucket(limits.overall, clock, share)
        self._chats: dict[str, tuple[TokenBucket, ...]] = {}

    async def wait(self, chat_id: str) -> None:
        """Return when one message to ``chat_id`` may go out; call right before sending."""
        await acquire_all((*self._chat(chat_id), self._overall), self._clock)

    def _chat(self, chat_id: str) -> tuple[TokenBucket, ...]:
        buckets = self._chats.get(chat_id)
        if buckets is None:
            self._forget_idle()
            rates = self._limits.group if chat_id.startswith(GROUP_PREFIX) else self._limits.member
            buckets = self._chats[chat_id] = tuple(TokenBucket(r, self._clock) for r in rates)
        return buckets

    def _forget_idle(self) -> None:
        """Full buckets remember nothing, so they can go once there are many."""
        if len(self._chats) >= MAX_IDLE_BUCKETS:
            self._chats = {k: b for k, b in self._chats.items() if not all(x.full for x in b)}
