"""The `c2cbot` command as users run it: a real process, a real database file."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from c2cbot.config import DEFAULT_HOME, Settings
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from tests.conftest import make_invite
from tests.driver import Driver

C2CBOT = str(Path(sys.executable).with_name("c2cbot"))


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("C2C_")}
    environment.update(env or {})
    return subprocess.run(
        [C2CBOT, *args], env=environment, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def sqlite_env(tmp_path: Path) -> dict[str, str]:
    return {"C2C_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"}


def test_invite_prints_a_code_for_a_seeded_partnership(sqlite_env: dict[str, str]) -> None:
    assert run("seed", env=sqlite_env).returncode == 0
    result = run(
        "invite",
        "--partnership",
        "Bonn–Chengdu",
        "--role",
        "coordinator",
        "--uses",
        "3",
        env=sqlite_env,
    )
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{14}\n", result.stdout)


def test_invite_names_an_unknown_partnership(sqlite_env: dict[str, str]) -> None:
    run("seed", env=sqlite_env)
    result = run("invite", "--partnership", "Atlantis–Shangri-La", env=sqlite_env)
    assert result.returncode == 1
    assert "Atlantis–Shangri-La" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("C2C_HTTP_PORT", "eighty"),
        ("C2C_DATABASE_URL", "mysql://root@localhost/c2c"),
        ("C2C_TELEGRAM_MODE", "carrier-pigeon"),
    ],
)
def test_an_invalid_setting_is_named_and_nothing_starts(variable: str, value: str) -> None:
    result = run("run", env={variable: value})
    assert result.returncode == 2
    assert f"invalid setting {variable}" in result.stderr


def test_conversations_check_passes_on_the_shipped_files() -> None:
    result = run("conversations", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "16 conversations, 0 problems" in result.stdout


def test_conversations_check_names_file_and_question(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for folder in ("conversations", "locale", "templates"):
        shutil.copytree(DEFAULT_HOME / folder, home / folder)
    aim = home / "conversations" / "aim.yaml"
    aim.write_text(
        aim.read_text(encoding="utf-8").replace("type: rating", "type: stars", 1), encoding="utf-8"
    )
    result = run("conversations", "check", env={"C2C_HOME": str(home)})
    assert result.returncode == 1
    assert re.search(r"aim\.yaml: questions\.\w+\.type", result.stderr), result.stderr


async def test_export_shows_the_answers_people_gave(
    settings: Settings, bot: Bot, invite: str, tmp_path: Path
) -> None:
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("the export command is exercised once, on SQLite")
    alice = Driver(bot, "alice")
    for step in ("hi", "English", "Yes", invite, "Alice Andersson"):
        await (alice.click(step) if step in ("English", "Yes") else alice.send(step))
    env = {"C2C_DATABASE_URL": settings.database_url}
    result = run("export", "answers", "--format", "jsonl", env=env)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    names = [r for r in rows if r["question"] == "name"]
    assert names and names[0]["value"] == "Alice Andersson"
    assert names[0]["partnership"] == "Gothenburg–Shanghai"
    assert names[0]["channel"] == "web" and names[0]["language"] == "en"
    assert {
        "partnership",
        "city",
        "stakeholder",
        "channel",
        "step",
        "question",
        "value",
        "language",
        "answered_at",
    } <= set(names[0])
    assert "alice" not in result.stdout.replace("Alice", "")  # no channel ids or tokens

    csv_file, xlsx_file = tmp_path / "a.csv", tmp_path / "a.xlsx"
    assert (
        run("export", "answers", "--format", "csv", "--output", str(csv_file), env=env).returncode
        == 0
    )
    assert "Alice Andersson" in csv_file.read_text(encoding="utf-8")
    assert (
        run("export", "answers", "--format", "xlsx", "--output", str(xlsx_file), env=env).returncode
        == 0
    )
    sheet = load_workbook(xlsx_file, read_only=True)["answers"]
    assert any("Alice Andersson" in (row or ()) for row in sheet.iter_rows(values_only=True))


async def test_an_export_can_hold_one_partnerships_answers_only(
    settings: Settings, bot: Bot, database: Database
) -> None:
    """A coordinator's data request: their partnership's people, nobody else's."""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("the export command is exercised once, on SQLite")
    for user, name, partnership in (
        ("alice", "Alice Andersson", "Gothenburg–Shanghai"),
        ("bernd", "Bernd Bauer", "Bonn–Chengdu"),
    ):
        person = Driver(bot, user)
        invite = await make_invite(database, partnership=partnership)
        for step in ("hi", "English", "Yes", invite, name):
            await (person.click(step) if step in ("English", "Yes") else person.send(step))
    env = {"C2C_DATABASE_URL": settings.database_url}

    result = run("export", "answers", "--partnership", "Bonn–Chengdu", env=env)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and {r["partnership"] for r in rows} == {"Bonn–Chengdu"}
    assert "Bernd Bauer" in result.stdout and "Alice" not in result.stdout
    everyone = run("export", "answers", env=env).stdout
    assert "Bernd Bauer" in everyone and "Alice Andersson" in everyone

    unknown = run("export", "answers", "--partnership", "Atlantis", env=env)
    assert unknown.returncode != 0 and "Atlantis" in unknown.stderr


def test_invite_finds_a_partnership_typed_loosely_and_suggests_for_a_city(
    sqlite_env: dict[str, str],
) -> None:
    run("seed", env=sqlite_env)
    loose = run("invite", "--partnership", "gothenburg-shanghai", env=sqlite_env)
    assert loose.returncode == 0, loose.stderr
    several = run("invite", "--partnership", "Milan", env=sqlite_env)
    assert several.returncode == 1
    assert "did you mean" in several.stderr and "Milan–Shanghai" in several.stderr
