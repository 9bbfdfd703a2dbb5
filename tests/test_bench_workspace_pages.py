"""``bench/workspace_pages.py`` still runs, with tiny numbers, so the benchmark cannot rot
while the workspace grows: every page it lists is measured or (not built yet) skipped,
and each page costs the same SQL statements for the small and the larger data set.

It runs as the README says to run it, a process of its own from the repository root;
nothing here is timed. With ``C2C_TEST_DATABASE_URL`` it runs on PostgreSQL too (in a
database of its own on that server, dropped afterwards).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parents[1]
TINY = [
    *("--partnerships", "3", "--memberships", "2"),
    *("--requests", "2", "--small-requests", "2", "--warm-up", "1"),
]
BACKENDS = [
    None,
    pytest.param(POSTGRES_URL, marks=pytest.mark.skipif(not POSTGRES_URL, reason="SQLite only")),
]


def _bench(database_url: str | None) -> tuple[int, dict[str, Any], str]:
    command = [sys.executable, "bench/workspace_pages.py", *TINY, "--json", "--no-file"]
    if database_url:
        command += ["--database-url", database_url]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240)
    return done.returncode, json.loads(done.stdout or "{}"), done.stderr


@pytest.mark.parametrize("database_url", BACKENDS, ids=["sqlite", "postgresql"])
def test_every_page_costs_the_same_statements_for_a_small_and_a_larger_partnership(
    database_url: str | None,
) -> None:
    status, report, errors = _bench(database_url)
    assert status == 0, errors
    pages = report["pages"]
    assert set(pages) | set(report["not_built"]) == set(report["listed"])
    assert {"/p/", "/p/{p}/", "/p/{p}/steps/aim", "/p/{p}/steps/aim/completion"} <= set(pages)
    for path, page in pages.items():
        assert page["queries_small"] == page["queries_year"], path
        assert len(page["queries_year"]) == 1, path  # the same count on every request
        assert 0 < page["queries_year"][0] <= 20, path
        assert page["year"]["p50_ms"] > 0, path
    assert report["queries_differ"] == [] and report["problems"] == []
    assert report["sizes"]["year"]["partnerships"] == 3
    assert report["sizes"]["year"]["reader_memberships"] == 2
    for skipped in report["not_built"]:
        assert f"note: {skipped} is not built yet" in errors
