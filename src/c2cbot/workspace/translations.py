"""Machine translations of typed answers for the workspace's pages, remembered.

A page is read again and again (a coordinator preparing a meeting reloads it, both
cities read the same step), while its answers rarely change: each text is sent to the
translation server once per target language and then served from memory, so a page
load costs the provider nothing after the first. The memory is bounded (the oldest
translations go first). A provider that fails is left alone for a minute, so a server
that is down does not cost every page its timeout.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

REMEMBERED = 4096  # texts and their translations, about a megabyte at most
RESTING = timedelta(minutes=1)

Typed = tuple[str, str]  # (text, the language it was typed in)


class Translator(Protocol):
    """What a translation server offers (``digests.translate.LibreTranslate``)."""

    async def translate(
        self, texts: Sequence[str], source: str, target: str
    ) -> list[str] | None: ...


class MachineTranslations:
    """Typed text in the reader's language, as far as the translator gives it."""

    def __init__(self, translator: Translator, remembered: int = REMEMBERED) -> None:
        self.translator, self.remembered = translator, remembered
        self._known: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self._resting: dict[tuple[str, str], datetime] = {}

    async def into(self, typed: Iterable[Typed], target: str, now: datetime) -> Mapping[Typed, str]:
        """Each text not already in ``target``, translated; a text the translator did not
        give is left out (the page shows it as typed)."""
        wanted = {(text, source) for text, source in typed if source != target and text.strip()}
        for source in sorted({source for _text, source in wanted}):
            missing = sorted(t for t, s in wanted if s == source and not self._knows(t, s, target))
            if missing and self._resting.get((source, target), now) <= now:
                await self._ask(missing, source, target, now)
        return {(t, s): found for t, s in wanted if (found := self._recall(t, s, target))}

    async def _ask(self, texts: list[str], source: str, target: str, now: datetime) -> None:
        translated = await self.translator.translate(texts, source, target)
        if translated is None:
            self._resting[(source, target)] = now + RESTING
            return
        self._resting.pop((source, target), None)
        for text, translation in zip(texts, translated, strict=False):
            self._known[(text, source, target)] = translation
        while len(self._known) > self.remembered:
            self._known.popitem(last=False)

    def _knows(self, text: str, source: str, target: str) -> bool:
        return (text, source, target) in self._known

    def _recall(self, text: str, source: str, target: str) -> str | None:
        key = (text, source, target)
        if key in self._known:
            self._known.move_to_end(key)
        return self._known.get(key)
