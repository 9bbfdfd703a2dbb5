"""`c2cbot digest --dry-run` as people run it: a real process and a real database file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli import run


@pytest.fixture
def seeded(tmp_path: Path) -> dict[str, str]:
    env = {"C2C_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"}
    assert run("seed", env=env).returncode == 0
    return env


def test_weekly_digest_is_printed_in_every_language_pair(seeded: dict[str, str]) -> None:
    result = run(
        "digest", "--partnership", "Bonn–Chengdu", "--kind", "weekly", "--dry-run", env=seeded
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "===== en + zh_Hans =====" in out and "===== zh_Hans =====" in out
    assert "Weekly digest: Bonn–Chengdu" in out and "每周简报：波恩–成都" in out
    assert "Nothing new this week" in out  # a freshly seeded partnership had a quiet week
    if "===== de + zh_Hans =====" in out:
        assert "Bonn–Chengdu" in out.split("===== de + zh_Hans =====")[1]


def test_a_partnership_without_meetings_says_so(seeded: dict[str, str]) -> None:
    result = run(
        "digest", "--partnership", "Bonn–Chengdu", "--kind", "meeting", "--dry-run", env=seeded
    )
    assert result.returncode == 1
    assert "no such meeting" in result.stderr


def test_without_dry_run_a_partnership_without_groups_gets_nothing(
    seeded: dict[str, str],
) -> None:
    result = run("digest", "--partnership", "Bonn–Chengdu", env=seeded)
    assert result.returncode == 1
    assert "no linked group chat: nothing was posted" in result.stderr
