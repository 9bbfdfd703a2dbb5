"""Machine translation through a LibreTranslate server, and what happens when it fails.

The client talks real HTTP to ``tests.fakes.libretranslate``; a slow provider, an error
page or a wrong answer leave the digest untranslated, never broken or late.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from c2cbot.config import DEFAULT_HOME
from c2cbot.digests import Markup, render_meeting
from c2cbot.digests.translate import LibreTranslate
from c2cbot.i18n import Catalogues
from tests.digests.samples import NOW, meeting, weekly
from tests.fakes.libretranslate import API_KEY, FakeLibreTranslate, translated


@pytest.fixture
async def provider() -> AsyncIterator[FakeLibreTranslate]:
    fake = FakeLibreTranslate()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def client(provider: FakeLibreTranslate) -> AsyncIterator[LibreTranslate]:
    client = LibreTranslate(provider.url, API_KEY, timeout=0.5)
    yield client
    await client.close()


def typed_texts(facts: object) -> list[object]:
    place = [facts.place] if facts.place else []  # type: ignore[attr-defined]
    return [
        *place,
        *facts.agenda,  # type: ignore[attr-defined]
        *facts.decisions,  # type: ignore[attr-defined]
        *(a.what for a in facts.action_items),  # type: ignore[attr-defined]
    ]


async def test_a_sample_to_translate_has_untranslated_text() -> None:
    assert any(not w.translations for w in typed_texts(meeting()))  # type: ignore[attr-defined]


async def test_every_typed_text_gets_the_other_language_in_one_request_per_pair(
    client: LibreTranslate, provider: FakeLibreTranslate
) -> None:
    facts = meeting()
    done = await client.meeting(facts, ("de", "zh_Hans"))
    for before, after in zip(typed_texts(facts), typed_texts(done), strict=True):
        others = {"de", "zh_Hans"} - {before.language}  # type: ignore[attr-defined]
        assert after.text == before.text and after.language == before.language  # type: ignore[attr-defined]
        assert others <= set(after.translations)  # type: ignore[attr-defined]
        for target in others - set(before.translations):  # type: ignore[attr-defined]
            assert after.translations[target] == translated(  # type: ignore[attr-defined]
                before.text,  # type: ignore[attr-defined]
                {"de": "de", "zh_Hans": "zh"}[target],
            )
    pairs = {(r["source"], r["target"]) for r in provider.requests}
    assert len(provider.requests) == len(pairs)
    assert all(r["format"] == "text" and r["api_key"] == API_KEY for r in provider.requests)


async def test_a_translated_digest_marks_the_machine_translation(client: LibreTranslate) -> None:
    texts = Catalogues(DEFAULT_HOME / "locale")
    done = await client.meeting(meeting(), ("de", "zh_Hans"))
    plain = "\n".join(render_meeting(done, ("de", "zh_Hans"), Markup.PLAIN, texts, NOW))
    assert "[zh] " in plain


async def test_the_weekly_action_items_are_translated(client: LibreTranslate) -> None:
    facts = weekly()
    done = await client.weekly(facts, ("en", "zh_Hans"))
    items = [*done.upcoming, *done.overdue]
    assert items and all(a.what.translations or a.what.language in ("en",) for a in items)
    assert any(a.what.translations for a in items)


async def test_a_slow_provider_leaves_the_text_untranslated(
    client: LibreTranslate, provider: FakeLibreTranslate
) -> None:
    provider.delay = 2.0  # longer than the client's 0.5 s
    done = await client.meeting(meeting(), ("de", "zh_Hans"))
    assert typed_texts(done) == typed_texts(meeting())  # nothing added
    assert provider.requests  # it was asked, and not waited for


@pytest.mark.parametrize("garbage", ["html", "short", "empty", "number"])
async def test_garbage_from_the_provider_leaves_the_text_untranslated(
    client: LibreTranslate, provider: FakeLibreTranslate, garbage: str
) -> None:
    provider.garbage = garbage
    done = await client.meeting(meeting(), ("de", "zh_Hans"))
    assert typed_texts(done) == typed_texts(meeting())  # nothing added


async def test_a_provider_that_is_down_leaves_the_text_untranslated(
    provider: FakeLibreTranslate,
) -> None:
    url = provider.url
    await provider.close()
    client = LibreTranslate(url, API_KEY, timeout=0.5)
    try:
        done = await client.meeting(meeting(), ("de", "zh_Hans"))
    finally:
        await client.close()
    assert typed_texts(done) == typed_texts(meeting())  # nothing added


async def test_the_api_key_is_never_logged(
    provider: FakeLibreTranslate, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = LibreTranslate(provider.url, "wrong-" + API_KEY, timeout=0.5)  # answered with 403
    try:
        done = await wrong.meeting(meeting(), ("de", "zh_Hans"))
    finally:
        await wrong.close()
    assert typed_texts(done) == typed_texts(meeting())  # nothing added
    assert caplog.records  # the failure is logged ...
    assert API_KEY not in caplog.text and API_KEY not in repr(wrong)  # ... without the key


async def test_languages_the_provider_does_not_know_are_not_sent(
    client: LibreTranslate, provider: FakeLibreTranslate
) -> None:
    assert await client.translate(["Hallo"], "de", "fr") is None
    assert await client.translate(["Hallo"], "de", "de") is None
    assert provider.requests == []
