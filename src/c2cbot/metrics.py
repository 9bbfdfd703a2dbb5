"""Prometheus metrics, one registry per running bot (no module-global state)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, generate_latest


class Metrics:
    """What operators watch: traffic per channel, answers stored, errors by place."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._in = Counter(
            "c2cbot_messages_in", "Inbound messages handled", ["channel"], registry=self.registry
        )
        self._duplicates = Counter(
            "c2cbot_duplicates",
            "Inbound messages ignored as duplicates",
            ["channel"],
            registry=self.registry,
        )
        self._out = Counter(
            "c2cbot_messages_out", "Outbound messages sent", ["channel"], registry=self.registry
        )
        self._answers = Counter("c2cbot_answers_stored", "Answers stored", registry=self.registry)
        self._errors = Counter(
            "c2cbot_errors", "Errors by where they happened", ["where"], registry=self.registry
        )

    def inbound(self, channel: str, duplicate: bool) -> None:
        (self._duplicates if duplicate else self._in).labels(channel).inc()

    def answers_stored(self, count: int) -> None:
        self._answers.inc(count)

    def sent(self, channel: str) -> None:
        self._out.labels(channel).inc()

    def error(self, where: str) -> None:
        self._errors.labels(where).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
