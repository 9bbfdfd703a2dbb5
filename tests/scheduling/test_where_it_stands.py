"""The digest, /steps and /status say the same about where the partnership stands.

Gothenburg–Shanghai works on the continual improvement loop (Plan, Do, Measure, Act) and
is at Do. When a coordinator finishes Do, all three move on to Measure together.
"""

from __future__ import annotations

import re

from c2cbot.flows.standing import ON_THE_LOOP, WORK_PATH
from c2cbot.i18n import Catalogues
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from tests.driver import Driver
from tests.scheduling.conftest import build_world, says
from tests.scheduling.test_step_outputs_scheduled import DO


def _places(texts: Catalogues, language: str, text: str) -> list[str]:
    """Every "step N of M: X" line in ``text``, without markup."""
    plain = re.sub(r"<[^>]+>|[*_]", "", text)
    head = says(texts, language, ON_THE_LOOP)
    return [line.strip() for line in plain.splitlines() if head in line]


async def _three_views(driver: Driver, texts: Catalogues, language: str) -> list[list[str]]:
    await driver.send("/digest")
    digest = _places(texts, language, driver.text)
    await driver.send("/steps")
    menu = _places(texts, language, driver.text)
    await driver.press("s:measure")
    await driver.send("/status")
    status = _places(texts, language, driver.text)
    await driver.send("/cancel")
    return [digest, menu, status]


async def test_digest_steps_and_status_agree_and_move_on_together(
    database: Database, texts: Catalogues, bot: Bot
) -> None:
    await build_world(database, plan_created=None)
    anna, wang = Driver(bot, "anna"), Driver(bot, "wang")
    assert await _three_views(anna, texts, "en") == [["Step 2 of 4: Do"]] * 3
    [digest, menu, status] = await _three_views(wang, texts, "zh_Hans")
    assert digest == menu == status and len(digest) == 1 and "实施" in digest[0]
    await wang.send("/steps")
    assert says(texts, "zh_Hans", WORK_PATH) in wang.text

    await wang.press("s:do")
    for answer in DO:
        await wang.send(answer)
    assert await _three_views(anna, texts, "en") == [["Step 3 of 4: Measure"]] * 3
