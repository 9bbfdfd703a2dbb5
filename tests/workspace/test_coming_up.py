"""The overview's "coming up": the next questions the bot will send (who is asked named to
coordinators only) and when each group chat gets its weekly digest, in the reader's time
and language, as the digest job and the chat's /schedule reckon them.
"""

from __future__ import annotations

from datetime import date

import pytest

from c2cbot.i18n import Catalogues
from c2cbot.store.database import Database
from c2cbot.store.models import Activity, GroupChat, Prompt
from tests.scheduling.conftest import World, utc
from tests.workspace.conftest import Browsers, Served
from tests.workspace.test_pages import _section

TITLE = "Joint <b>mobility</b> study"


@pytest.fixture
async def scheduled(world: World, database: Database) -> World:
    """A progress question for Li planned on Wednesday, one already sent (not coming), and
    a Telegram group in English and Chinese whose digest comes on Wednesdays, 10:00 in
    Gothenburg. The clock stands on Monday 4 May 2026, 09:00 UTC."""
    p = world.partnership_id
    async with database.transaction() as session:
        task = Activity(
            partnership_id=p,
            title=TITLE,
            owner_id=world.li,
            due_on=date(2026, 6, 1),
            status="planned",
            source="plan",
            created_at=utc(2026, 4, 1),
        )
        session.add(task)
        await session.flush()
        for status, due, who in (
            ("planned", utc(2026, 5, 6, 2), world.li),
            ("sent", utc(2026, 5, 1), world.sven),
        ):
            session.add(
                Prompt(
                    kind="progress",
                    stakeholder_id=who,
                    partnership_id=p,
                    subject_id=task.id,
                    period_key=f"{status}-{who}",
                    due_at=due,
                    status=status,
                    created_at=utc(2026, 4, 1),
                )
            )
        session.add(
            GroupChat(
                channel="telegram",
                chat_id="-1001",
                partnership_id=p,
                languages=["en", "zh_Hans"],
                linked_by=world.anna,
                linked_at=utc(2026, 4, 1),
                digest_weekday=3,
                digest_time="10:00",
                timezone="Europe/Stockholm",
            )
        )
    return world


async def test_a_coordinator_sees_who_is_asked_next_and_when_digests_go_out(
    served: Served, scheduled: World, browsers: Browsers
) -> None:
    anna = browsers()
    await anna.sign_in("anna")
    page = await anna.get(f"/p/{scheduled.partnership_id}/")
    assert page.text.count('id="coming"') == 1  # once, in the page, not in its title
    assert "<title>Gothenburg–Shanghai · c2cbot</title>" in page.text
    coming = _section(page.text, "coming")
    assert '<span class="what">Joint &lt;b&gt;mobility&lt;/b&gt; study</span>' in coming
    # 02:00 UTC is 04:00 in Gothenburg; the chat's /schedule words the kind the same way
    assert "May 6, 2026 04:00 · progress update · Li" in coming
    assert coming.count("progress update") == 1  # the one already sent is not coming
    assert "Telegram group" in coming and "May 6, 2026 10:00 · English, 简体中文" in coming
    assert "You, as coordinator" in coming and "May 11, 2026 09:00 · English" in coming
    assert "<b>" not in coming


async def test_a_member_reads_it_in_chinese_without_names(
    served: Served, scheduled: World, browsers: Browsers, texts: Catalogues
) -> None:
    li = browsers()
    await li.sign_in("li")
    page = await li.get(f"/p/{scheduled.partnership_id}/")
    coming = _section(page.text, "coming")
    assert texts.gettext("zh_Hans", "Coming up") in page.text
    kind = texts.gettext("zh_Hans", "progress update")
    assert f"2026年5月6日 10:00 · {kind}</span>" in coming  # 02:00 UTC in Shanghai; no name
    assert "2026年5月6日 16:00" in coming  # the group's digest, 10:00 in Gothenburg
    assert texts.gettext("zh_Hans", "You, as coordinator") not in coming


async def test_nothing_planned_and_no_group_say_so(
    served: Served, world: World, browsers: Browsers
) -> None:
    sven = browsers()
    await sven.sign_in("sven")
    coming = _section((await sven.get(f"/p/{world.partnership_id}/")).text, "coming")
    assert "No questions are waiting to go out." in coming
    assert "No group chat gets this partnership's weekly digest yet." in coming
