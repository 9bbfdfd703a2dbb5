"""Partnerships, cities, people and invites managed from the command line, on a real
database (SQLite, and PostgreSQL when configured), called as `c2cbot` is: ``main([...])``
with the settings in the environment, reading what it prints and the exit code."""

from __future__ import annotations

import asyncio
import json
import os
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from c2cbot.cli import main
from c2cbot.config import Settings
from c2cbot.runtime import Bot, link_wecom_group
from c2cbot.store.database import Database
from c2cbot.store.models import City, InviteCode, KpiPlan, Partnership, PartnershipCity
from tests.conftest import make_invite
from tests.driver import Driver

Cli = Callable[..., Awaitable[tuple[int, str, str]]]
VAXJO = ("cities", "add", "vaxjo", "--en", "Växjö", "--zh", "韦克舍", "--country", "SE",
         "--timezone", "Europe/Stockholm")  # fmt: skip


@pytest.fixture
def cli(
    settings: Settings,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Cli:
    """``c2cbot ARGS…`` on the test's database: its exit code, standard output and error."""
    for name in list(os.environ):
        if name.startswith("C2C_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("C2C_DATABASE_URL", settings.database_url)

    async def call(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = await asyncio.to_thread(main, list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return call


async def count(database: Database, model: Any) -> int:
    async with database.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def onboard(bot: Bot, user: str, name: str, invite: str, city: str) -> Driver:
    """A person joins with ``invite`` in the engine's chat, as the browser chat would."""
    person = Driver(bot, user)
    await person.send("hi")
    await person.click("English")
    await person.click("Yes")  # to the privacy notice
    for answer in (invite, name):
        await person.send(answer)
    await person.click(city)
    if [c.label for c in person.last.choices] == ["Yes", "No"]:  # in China: the transfer abroad
        await person.click("Yes")
    await person.send("City Hall")
    await person.click("Government")
    return person


# --- cities ----------------------------------------------------------------------------


async def test_a_city_is_added_with_its_currency_and_listed(cli: Cli) -> None:
    code, out, err = await cli(*VAXJO, "--de", "Växjö")
    assert code == 0, err
    assert "vaxjo" in out and "SEK" in out and "Europe/Stockholm" in out

    code, out, _ = await cli("cities", "list", "--json")
    cities = {c["key"]: c for c in json.loads(out)}
    assert cities["vaxjo"] == {
        "key": "vaxjo",
        "name_en": "Växjö",
        "name_zh": "韦克舍",
        "name_de": "Växjö",
        "country": "SE",
        "side": "eu",
        "timezone": "Europe/Stockholm",
        "currency": "SEK",
        "partnerships": 0,
    }
    assert cities["hong_kong"]["currency"] == "HKD" and cities["hong_kong"]["side"] == "cn"
    assert cities["gothenburg"]["partnerships"] == 1

    code, out, _ = await cli("cities", "list")
    header, *lines = out.splitlines()
    assert header.split() == ["key", "name_en", "name_zh", "name_de", "country", "side",
                              "timezone", "currency", "partnerships"]  # fmt: skip
    vaxjo = next(line for line in lines if line.startswith("vaxjo "))
    shown = vaxjo[: vaxjo.index("SE ")]  # Chinese characters take two columns each
    assert len(shown) + sum(unicodedata.east_asian_width(c) == "W" for c in shown) == (
        header.index("country")
    )


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"--country": "XX"}, "unknown country 'XX'"),
        ({"--country": "EU"}, "unknown country 'EU'"),
        ({"--timezone": "Europe/Vaxjo"}, "unknown time zone 'Europe/Vaxjo'"),
        ({"--zh": "Vaxjo"}, "Chinese characters"),
        ({"vaxjo": "gothenburg"}, "'gothenburg' is already the city Gothenburg"),
        ({"Växjö": "Göteborg"}, "'Göteborg' is already the city Gothenburg"),
        ({"vaxjo": "Växjö!"}, "lowercase ascii slug"),
    ],
)
async def test_a_bad_city_is_refused_with_exit_code_2_and_nothing_added(
    cli: Cli, database: Database, change: dict[str, str], complaint: str
) -> None:
    args = list(VAXJO)
    for old, new in change.items():
        where = args.index(old)
        args[where + (1 if old.startswith("--") else 0)] = new
    before = await count(database, City)

    code, out, err = await cli(*args)
    assert code == 2 and out == ""
    assert complaint in err and len(err.strip().splitlines()) == 1
    assert await count(database, City) == before


# --- partnerships ----------------------------------------------------------------------


async def test_a_partnership_is_added_listed_shown_and_moved_to_another_loop(
    cli: Cli, database: Database
) -> None:
    assert (await cli(*VAXJO))[0] == 0
    code, out, err = await cli("partnerships", "add", "--city", "växjö", "--city", "成都")
    assert code == 0, err
    assert "Växjö–Chengdu (vaxjo_chengdu)" in out

    code, out, _ = await cli("partnerships", "list", "--json")
    listed = {p["name"]: p for p in json.loads(out)}
    assert len(listed) == 45
    added = listed["Växjö–Chengdu"]
    assert added["key"] == "vaxjo_chengdu" and added["cities"] == ["Växjö", "Chengdu"]
    assert added["loop"] == "new_partnership" and added["step"] == "replicate (1 of 6)"
    assert added["members"] == 0
    code, out, _ = await cli("partnerships", "list")
    assert any(line.split()[:2] == [str(added["id"]), "vaxjo_chengdu"] for line in out.splitlines())

    code, out, _ = await cli("partnerships", "show", "VAXJO - chengdu")
    assert code == 0
    assert "Växjö 韦克舍 (SE, Europe/Stockholm), Chengdu 成都 (CN, Asia/Shanghai)" in out
    assert "follow-up days: 14" in out and "nobody has joined yet" in out

    code, out, err = await cli("partnerships", "set-loop", "Växjö", "continual_improvement")
    assert code == 0, err
    assert "Växjö–Chengdu: loop continual_improvement, step plan (1 of 4)" in out
    code, out, _ = await cli("partnerships", "set-loop", "Växjö", "city_development")
    assert "step plan (4 of 8)" in out  # a step the new loop has is kept
    code, out, _ = await cli("partnerships", "set-loop", "Växjö", "local_helix", "--step", "do")
    async with database.sessions() as session:
        found = (
            await session.execute(select(Partnership).filter_by(key="vaxjo_chengdu"))
        ).scalar_one()
    assert (found.loop, found.step) == ("local_helix", "do")


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (("--city", "Atlantis", "--city", "Chengdu"), "no city is called 'Atlantis'"),
        (("--city", "Gothenburg", "--city", "Shanghai"), "the key 'gothenburg_shanghai' is"),
        (
            ("--city", "Bonn", "--city", "Wuhan", "--name", "gothenburg-SHANGHAI"),
            "already a partnership called Gothenburg–Shanghai",
        ),
        (("--city", "Bonn", "--city", "Wuhan", "--loop", "spiral"), "unknown loop 'spiral'"),
        (
            (
                "--city",
                "Bonn",
                "--city",
                "Wuhan",
                "--loop",
                "continual_improvement",
                "--step",
                "aim",
            ),
            "step 'aim' is not on the loop continual_improvement",
        ),
        (("--city", "Bonn", "--city", "Milan"), "one European and one Chinese city"),
        (("--city", "Bonn"), "two cities or more"),
        (("--city", "Bonn", "--city", "Wuhan", "--key", "Bonn Wuhan"), "lowercase ascii slug"),
    ],
)
async def test_a_bad_partnership_is_refused_with_exit_code_2_and_nothing_added(
    cli: Cli, database: Database, args: tuple[str, ...], complaint: str
) -> None:
    before = await count(database, Partnership), await count(database, PartnershipCity)
    code, out, err = await cli("partnerships", "add", *args)
    assert code == 2 and out == ""
    assert complaint in err and len(err.strip().splitlines()) == 1
    assert (await count(database, Partnership), await count(database, PartnershipCity)) == before


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (("show", "Milan"), "did you mean: Milan–Beijing, Milan–Chengdu"),
        (("show", "Atlantis"), "no single partnership matches 'Atlantis'"),
        (("set-loop", "Bonn", "spiral"), "unknown loop 'spiral'"),
        (("set-loop", "Bonn", "local_helix", "--step", "act!"), "step 'act!' is not on the loop"),
    ],
)
async def test_an_unknown_partnership_loop_or_step_is_refused(
    cli: Cli, database: Database, args: tuple[str, ...], complaint: str
) -> None:
    code, out, err = await cli("partnerships", *args)
    assert code == 2 and out == "" and complaint in err
    async with database.sessions() as session:
        bonn = (
            await session.execute(select(Partnership).filter_by(key="bonn_chengdu"))
        ).scalar_one()
    assert (bonn.loop, bonn.step) == ("continual_improvement", "do")


async def test_show_names_members_by_city_and_role_groups_and_kpi_plans(
    cli: Cli, bot: Bot, database: Database
) -> None:
    coordinator = await make_invite(database, role="coordinator")
    await onboard(bot, "alice", "Alice Andersson", coordinator, "Gothenburg")
    await onboard(bot, "li", "李华", await make_invite(database), "Shanghai")
    async with database.transaction() as session:
        partnership = (
            await session.execute(select(Partnership).filter_by(key="gothenburg_shanghai"))
        ).scalar_one()
        session.add(
            KpiPlan(
                partnership_id=partnership.id,
                kpi_key="jobs",
                name="Jobs created",
                kind="number",
                frequency="quarterly",
                responsible_helix="government",
                target=120,
                created_at=database.clock(),
            )
        )
    await link_wecom_group(bot, partnership.id, "group:wr1", "G–S", ["en", "zh_Hans"])

    code, out, err = await cli("partnerships", "show", "gothenburg")
    assert code == 0, err
    members = out.split("members:")[1].split("group chats:")[0]
    assert members.index("Gothenburg") < members.index("coordinator: Alice Andersson (government)")
    assert members.index("Shanghai") < members.index("member: 李华 (government)")
    assert "wecom group:wr1 (en + zh_Hans), weekly digest Monday 09:00" in out
    kpis = out.split("KPI plans:")[1]
    assert "jobs" in kpis and "quarterly" in kpis and "120" in kpis

    code, out, _ = await cli("partnerships", "show", str(partnership.id), "--json")
    shown = json.loads(out)
    assert shown["name"] == "Gothenburg–Shanghai" and shown["follow_up_days"] == 14
    assert {"mou_signed", "mou_expires", "plan_review_on"} <= set(shown)
    assert {(m["name"], m["city"], m["role"]) for m in shown["members"]} == {
        ("Alice Andersson", "Gothenburg", "coordinator"),
        ("李华", "Shanghai", "member"),
    }
    assert shown["kpi_plans"][0]["target"] == "120"
    code, out, _ = await cli("partnerships", "list", "--json")
    assert {p["name"]: p["members"] for p in json.loads(out)}["Gothenburg–Shanghai"] == 2


# --- people ----------------------------------------------------------------------------


async def test_people_are_listed_with_their_roles_and_channels_but_no_answers(
    cli: Cli, bot: Bot, database: Database
) -> None:
    await onboard(bot, "alice", "Alice Andersson", await make_invite(database), "Gothenburg")
    bonn = await make_invite(database, partnership="Bonn–Chengdu", role="coordinator")
    await onboard(bot, "bernd", "Bernd Bauer", bonn, "Bonn")

    code, out, err = await cli("people", "list")
    assert code == 0, err
    assert "Alice Andersson" in out and "Bernd Bauer" in out
    assert "Bonn–Chengdu: coordinator" in out and "City Hall" in out and "web" in out
    assert "alice" not in out.replace("Alice", "")  # no channel ids
    assert bonn not in out

    code, out, _ = await cli("people", "list", "--partnership", "bonn", "--json")
    (bernd,) = json.loads(out)
    assert bernd["name"] == "Bernd Bauer" and bernd["city"] == "Bonn"
    assert bernd["organisation"] == "City Hall" and bernd["helix_role"] == "government"
    assert bernd["roles"] == {"Bonn–Chengdu": "coordinator"} and bernd["channels"] == ["web"]
    assert bernd["last_seen"] is not None
    assert set(bernd) == {"id", "name", "city", "organisation", "helix_role", "roles",
                          "channels", "last_seen"}  # fmt: skip

    code, out, err = await cli("people", "list", "--partnership", "Milan")
    assert code == 2 and "did you mean" in err and out == ""


# --- invites ---------------------------------------------------------------------------


async def test_a_revoked_invite_is_listed_as_expired_and_chat_says_so(
    cli: Cli, bot: Bot, database: Database
) -> None:
    code, out, _ = await cli("invite", "--partnership", "Bonn-Chengdu", "--uses", "3")
    invite = out.strip()
    other = await make_invite(database)

    code, out, _ = await cli("invites", "list", "--partnership", "bonn", "--json")
    (listed,) = json.loads(out)
    assert listed["code"] == invite and listed["partnership"] == "Bonn–Chengdu"
    assert listed["role"] == "member" and listed["uses_left"] == 3 and listed["state"] == "open"
    assert listed["expires"] > listed["created"]

    code, out, err = await cli("invites", "revoke", invite.lower())
    assert code == 0, err
    assert f"revoked {invite}" in out
    code, out, _ = await cli("invites", "list")
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert lines[invite].endswith("expired") and lines[other].endswith("open")

    newcomer = Driver(bot, "late")
    await newcomer.send("hi")
    await newcomer.click("English")
    await newcomer.click("Yes")
    await newcomer.send(invite)
    assert "That invite code has expired" in newcomer.text
    async with database.sessions() as session:
        kept = await session.get(InviteCode, invite)
    assert kept is not None and kept.uses_left == 3


async def test_revoking_an_unknown_code_is_refused(cli: Cli, database: Database) -> None:
    code, out, err = await cli("invites", "revoke", "NOPE2345")
    assert code == 2 and out == "" and "no invite code 'NOPE2345'" in err
    code, out, err = await cli("invites", "list", "--partnership", "Atlantis")
    assert code == 2 and "Atlantis" in err
