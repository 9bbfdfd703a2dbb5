"""Optional machine translation of people's text through a LibreTranslate server.

Off unless C2C_TRANSLATE_URL is set. Before a digest is rendered, the typed text in its
facts (place, agenda, decisions, action items) gets a translation into each of the
group's other languages, which the renderer shows marked as machine-made beside the
original. A provider that is slow, down or answers nonsense costs at most ``timeout``
seconds per language pair and leaves the text untranslated: the digest still goes out,
on time. The API key travels only in the request body and is never logged.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

import aiohttp

from c2cbot.domain.digests import ActionItem, MeetingFacts, WeeklyFacts, Written

log = logging.getLogger(__name__)

#: Our language codes as LibreTranslate names them.
PROVIDER_CODES = {"en": "en", "de": "de", "zh_Hans": "zh"}
DEFAULT_TIMEOUT = 3.0
MAX_CHARACTERS = 5000


class LibreTranslate:
    """A client of LibreTranslate's ``POST /translate`` that never raises."""

    def __init__(
        self, url: str, api_key: str | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self._endpoint = url.rstrip("/") + "/translate"
        self._api_key = api_key
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:  # the key stays out of logs and tracebacks
        return f"LibreTranslate({self._endpoint!r})"

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def translate(self, texts: Sequence[str], source: str, target: str) -> list[str] | None:
        """``texts`` in ``target``, in order; None when the provider fails in any way."""
        if not texts:
            return []
        pair = (PROVIDER_CODES.get(source), PROVIDER_CODES.get(target))
        if None in pair or pair[0] == pair[1]:
            return None
        body: dict[str, Any] = {
            "q": [text[:MAX_CHARACTERS] for text in texts],
            "source": pair[0],
            "target": pair[1],
            "format": "text",
        }
        if self._api_key:
            body["api_key"] = self._api_key
        try:
            async with asyncio.timeout(self._timeout):
                answer = await self._post(body)
        except (TimeoutError, aiohttp.ClientError, ValueError) as error:
            log.warning("translation %s→%s failed: %s", source, target, type(error).__name__)
            return None
        return _translations(answer, len(texts), source, target)

    async def _post(self, body: dict[str, Any]) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.post(self._endpoint, json=body) as response:
            if response.status != 200:
                raise ValueError(f"status {response.status}")
            return await response.json(content_type=None)

    async def meeting(self, facts: MeetingFacts, languages: Sequence[str]) -> MeetingFacts:
        """The meeting's typed text with translations into ``languages``."""
        place = [facts.place] if facts.place else []
        items = facts.action_items
        texts = [*place, *facts.agenda, *facts.decisions, *(a.what for a in items)]
        done = await self.written(texts, languages)
        place_done, rest = done[: len(place)], done[len(place) :]
        agenda, rest = rest[: len(facts.agenda)], rest[len(facts.agenda) :]
        decisions, whats = rest[: len(facts.decisions)], rest[len(facts.decisions) :]
        return dataclasses.replace(
            facts,
            place=place_done[0] if place_done else None,
            agenda=tuple(agenda),
            decisions=tuple(decisions),
            action_items=_actions(items, whats),
        )

    async def weekly(self, facts: WeeklyFacts, languages: Sequence[str]) -> WeeklyFacts:
        """The week's action items with translations into ``languages``."""
        items = (*facts.upcoming, *facts.overdue)
        whats = await self.written([a.what for a in items], languages)
        cut = len(facts.upcoming)
        return dataclasses.replace(
            facts,
            upcoming=_actions(facts.upcoming, whats[:cut]),
            overdue=_actions(facts.overdue, whats[cut:]),
        )

    async def written(self, texts: Sequence[Written], languages: Sequence[str]) -> list[Written]:
        """Each text with what the provider gave for it; one request per language pair."""
        found = [dict(w.translations) for w in texts]
        pairs = {(w.language, t) for w in texts for t in languages if t != w.language}
        wanted = {
            (source, target): [
                i for i, w in enumerate(texts) if w.language == source and target not in found[i]
            ]
            for source, target in sorted(pairs)
        }
        answers = await asyncio.gather(  # side by side: all pairs within one timeout
            *(self.translate([texts[i].text for i in ids], *pair) for pair, ids in wanted.items())
        )
        for ((_source, target), ids), translated in zip(wanted.items(), answers, strict=True):
            for index, text in zip(ids, translated or [], strict=False):
                found[index][target] = text
        return [dataclasses.replace(w, translations=t) for w, t in zip(texts, found, strict=True)]


def _translations(answer: Any, count: int, source: str, target: str) -> list[str] | None:
    """The translated texts if the answer has one string per text, else None."""
    shown = answer.get("translatedText") if isinstance(answer, dict) else None
    if isinstance(shown, str) and count == 1:
        shown = [shown]
    if (
        not isinstance(shown, list)
        or len(shown) != count
        or not all(isinstance(t, str) and t.strip() for t in shown)
    ):
        log.warning("translation %s→%s: the provider's answer is not usable", source, target)
        return None
    return [t.strip() for t in shown]


def _actions(items: Sequence[ActionItem], whats: Sequence[Written]) -> tuple[ActionItem, ...]:
    return tuple(dataclasses.replace(a, what=w) for a, w in zip(items, whats, strict=True))
