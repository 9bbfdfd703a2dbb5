"""What every workspace page must pass in a real browser: axe-core finds no serious or
critical accessibility violation, a phone's screen (390×844) needs no sideways scroll,
and a screenshot is kept for review.

axe-core comes from the npm registry (``make test`` installs it into the virtual
environment); the screenshots go to ``var/screenshots/workspace/`` (git-ignored), or
wherever ``C2C_SCREENSHOTS`` points.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, ViewportSize

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(os.environ.get("C2C_AXE_JS", ROOT / ".venv/npm/node_modules/axe-core/axe.min.js"))
SCREENSHOTS = Path(os.environ.get("C2C_SCREENSHOTS", ROOT / "var/screenshots/workspace"))
PHONE: ViewportSize = {"width": 390, "height": 844}
BLOCKING = ("serious", "critical")


def require_axe() -> str:
    if AXE.exists():
        return AXE.read_text(encoding="utf-8")
    reason = f"{AXE} is missing: `make test` installs axe-core with npm"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


async def violations(page: Page, axe: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the page as it is now."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated by the browser's debugging protocol, which the pages' Content Security
        # Policy does not govern: the policy stays on, so a page it breaks shows it.
        await page.evaluate(f"() => {{ {axe}\n }}")
    found = await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in found
        if v["impact"] in BLOCKING
    ]


async def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than the screen (0: no sideways scroll)."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    return max(0, int(width) - PHONE["width"])


async def check_page(page: Page, axe: str, name: str) -> None:
    """Accessible, fits a phone, and photographed as ``name``."""
    await asyncio.to_thread(SCREENSHOTS.mkdir, parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    found = await violations(page, axe)
    assert not found, f"{name}: {json.dumps(found, ensure_ascii=False)}"
    assert await horizontal_overflow(page) == 0, f"{name} scrolls sideways on a phone"
