"""The coordinators' people page, /p/{id}/people: both cities' members with their roles,
channels and last answers, the partnership's invite codes, and forms that make and
revoke a code and change a member's role, under the chat's own rules.

Over loopback HTTP on the real database: what a form changes, the chat sees (``/start``
with a revoked code, ``/members`` after a role change); what a member, a stranger,
another site or a forged field sends changes nothing and never gets a 5xx.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import aiohttp
from markupsafe import escape
from sqlalchemy import select

from c2cbot.domain.roles import REFUSALS, Refusal
from c2cbot.flows.invites import INVITE_PROBLEMS
from c2cbot.flows.ports import InviteProblem
from c2cbot.i18n import Catalogues
from c2cbot.store.database import Database
from c2cbot.store.invites import valid_invite
from c2cbot.store.models import InviteCode, Membership, Partnership
from c2cbot.web import workspace_pages
from tests.conftest import make_invite
from tests.driver import Driver
from tests.flows.walker import choose_and_consent
from tests.scheduling.conftest import World, utc
from tests.support.clock import SetClock
from tests.workspace import test_queries
from tests.workspace.conftest import Browser, Browsers, Page, Served
from tests.workspace.records import answer, member, rename
from tests.workspace.test_queries import counting

unstarted = test_queries.unstarted  # served without the dispatcher, to count statements
SCRIPT = "<script>alert(1)</script>"
IMAGE = '"><img src=x onerror=alert(1)>'


async def submit(
    browser: Browser, path: str, fields: dict[str, str] | None, origin: str | None = None
) -> Page:
    """Send a form as the page's button does (this site's Origin unless told), no redirect."""
    headers = {"Accept-Language": browser.language, "Origin": origin or browser.served.base}
    if origin == "":
        del headers["Origin"]
    async with browser.session.post(
        path, data=fields, headers=headers, allow_redirects=False
    ) as response:
        return Page(response.status, await response.text(), response.headers, str(response.url))


async def _state(database: Database, partnership_id: int) -> tuple[Any, ...]:
    """Everything a form could change: the codes (with their uses, expiry, revocation) and
    every membership's role."""
    async with database.sessions() as session:
        codes = (
            await session.execute(
                select(
                    InviteCode.code,
                    InviteCode.uses_left,
                    InviteCode.expires_at,
                    InviteCode.revoked_at,
                ).order_by(InviteCode.code)
            )
        ).all()
        roles = (
            await session.execute(
                select(
                    Membership.stakeholder_id, Membership.partnership_id, Membership.role
                ).order_by(Membership.id)
            )
        ).all()
    return tuple(codes), tuple(roles)


async def _codes(database: Database, partnership_id: int) -> list[InviteCode]:
    async with database.sessions() as session:
        query = select(InviteCode).where(InviteCode.partnership_id == partnership_id)
        return list(await session.scalars(query.order_by(InviteCode.created_at.desc())))


async def _role(database: Database, partnership_id: int, who: int) -> str | None:
    async with database.sessions() as session:
        query = select(Membership.role).where(
            Membership.partnership_id == partnership_id, Membership.stakeholder_id == who
        )
        return await session.scalar(query)


async def _bonn_chengdu(database: Database) -> int:
    async with database.sessions() as session:
        query = select(Partnership.id).where(Partnership.key == "bonn_chengdu")
        return int(await session.scalar(query) or 0)


def _said(texts: Catalogues, language: str, message: str, **params: object) -> str:
    text = texts.gettext(language, message)
    return str(escape(text.format(**params) if params else text))


async def test_a_coordinator_sees_both_cities_and_makes_and_revokes_an_invite(
    served: Served, world: World, browsers: Browsers, database: Database, hands: SetClock
) -> None:
    p = world.partnership_id
    await answer(database, world.li, p, "vision", "text", "绿色港口", at=utc(2026, 4, 30, 20))
    anna = browsers("en")
    await anna.sign_in("anna")
    page = await anna.get(f"/p/{p}/people")
    assert page.status == 200
    for name in ("Sven", "Li", "Anna", "Wang", "Gothenburg", "Shanghai"):
        assert f">{name}<" in page.text, name
    assert "browser chat" in page.text and "Government or public body" in page.text
    # Li answered at 20:00 UTC on 30 April: 30 April in Anna's Gothenburg
    assert "April 30, 2026" in page.text and "never" in page.text
    assert 'aria-current="page">People and invites<' in page.text
    assert "chat_id" not in page.text and ">sven<" not in page.text  # no handles

    made = await submit(
        anna, f"/p/{p}/people/invites", {"role": "member", "uses": "3", "days": "7"}
    )
    assert made.status == 303 and made.headers["Location"] == f"/p/{p}/people"
    [invite] = await _codes(database, p)
    assert (invite.role, invite.uses_left) == ("member", 3)
    assert invite.expires_at == hands() + timedelta(days=7)
    shown = await anna.get(f"/p/{p}/people")
    assert shown.status == 200 and "New invite code" in shown.text
    assert f"<code>{invite.code}</code>" in shown.text and f"/start {invite.code}" in shown.text
    assert f"{served.base}/chat" in shown.text or "c2c.example.org/chat" in shown.text
    assert "Uses left: 3. Valid until May 11, 2026." in shown.text
    assert ">active<" in shown.text.replace("\n", "").replace(" ", "")
    again = await anna.get(f"/p/{p}/people")  # said once
    assert "New invite code</h2>" not in again.text and f"<code>{invite.code}</code>" in again.text

    for _ in range(2):  # a double submit revokes it once, and says so both times
        revoked = await submit(anna, f"/p/{p}/people/invites/revoke", {"code": invite.code})
        assert revoked.status == 303
        after = await anna.get(f"/p/{p}/people")
        assert f"The invite code {invite.code} is revoked: it no longer works." in after.text
    [gone] = await _codes(database, p)
    assert gone.revoked_at == hands() and gone.expires_at == hands()
    assert "revoked" in after.text and "Revoke</button>" not in after.text
    async with database.transaction() as session:
        assert await valid_invite(session, invite.code, hands()) is InviteProblem.EXPIRED
    newcomer = Driver(served.bot, "newcomer")
    await newcomer.send(f"/start {invite.code}")
    await choose_and_consent(newcomer)  # the code is tried once consent is given
    expired = served.bot.texts.gettext("en", INVITE_PROBLEMS[InviteProblem.EXPIRED])
    assert expired in newcomer.text and "Welcome to the partnership" not in newcomer.text


async def test_a_coordinator_changes_a_role_and_the_chat_agrees(
    served: Served, world: World, browsers: Browsers, database: Database
) -> None:
    p = world.partnership_id
    anna = browsers("en")
    await anna.sign_in("anna")
    page = await anna.get(f"/p/{p}/people")
    assert f'name="member" value="{world.sven}"' in page.text
    assert f'name="member" value="{world.anna}"' not in page.text  # not her own
    assert 'value="admin"' not in page.text  # nothing above her own rank

    changed = await submit(
        anna, f"/p/{p}/people/roles", {"member": str(world.sven), "role": "coordinator"}
    )
    assert changed.status == 303
    assert await _role(database, p, world.sven) == "coordinator"
    shown = await anna.get(f"/p/{p}/people")
    assert "Sven is now coordinator." in shown.text
    twice = await submit(
        anna, f"/p/{p}/people/roles", {"member": str(world.sven), "role": "coordinator"}
    )
    assert twice.status == 303 and await _role(database, p, world.sven) == "coordinator"

    chat = Driver(served.bot, "anna")
    await chat.send("/members")
    [listed] = [r.text for r in chat.replies if r.text.startswith("Members of")]
    assert "Sven (coordinator)" in listed and "Li (coordinator)" not in listed

    # Sven now coordinates too: his page opens, and Anna may step down Sven again
    sven = browsers("en")
    await sven.sign_in("sven")
    assert (await sven.get(f"/p/{p}/people")).status == 200
    back = await submit(anna, f"/p/{p}/people/roles", {"member": str(world.sven), "role": "member"})
    assert back.status == 303 and await _role(database, p, world.sven) == "member"
    assert (await sven.get(f"/p/{p}/people")).status == 403


async def test_what_the_chat_would_refuse_the_page_refuses_in_the_same_words(
    served: Served, world: World, browsers: Browsers, database: Database, texts: Catalogues
) -> None:
    p = world.partnership_id
    anna, wang = browsers("en"), browsers("en")
    await anna.sign_in("anna")
    await wang.sign_in("wang")  # reads Chinese
    before = await _state(database, p)
    refused = [
        (anna, {"member": str(world.anna), "role": "member"}, 403, Refusal.OWN_ROLE, "en"),
        (anna, {"member": str(world.sven), "role": "admin"}, 403, Refusal.ABOVE_OWN_RANK, "en"),
        (anna, {"member": str(world.wang), "role": "member"}, 409, Refusal.LAST_COORDINATOR, "en"),
        (
            wang,
            {"member": str(world.anna), "role": "member"},
            409,
            Refusal.LAST_COORDINATOR,
            "zh_Hans",
        ),
    ]
    for browser, fields, status, refusal, language in refused:
        page = await submit(browser, f"/p/{p}/people/roles", fields)
        assert page.status == status, fields
        assert _said(texts, language, REFUSALS[refusal]) in page.text, fields
        assert "<table" in page.text  # the page again, with the reason
    admin = await submit(
        anna, f"/p/{p}/people/invites", {"role": "admin", "uses": "1", "days": "1"}
    )
    assert admin.status == 403
    assert _said(texts, "en", REFUSALS[Refusal.ABOVE_OWN_RANK]) in admin.text
    assert await _state(database, p) == before
    elsewhere = await make_invite(database, "Milan–Shanghai")
    page = await submit(anna, f"/p/{p}/people/invites/revoke", {"code": elsewhere})
    assert page.status == 400
    # the chat's own words for another partnership's code
    assert "That is not an invite code of your partnership that still works." in page.text
    async with database.transaction() as session:
        assert isinstance(await valid_invite(session, elsewhere, utc(2026, 5, 4, 9)), InviteCode)


async def test_a_member_gets_the_coordinators_page_and_changes_nothing(
    served: Served, world: World, browsers: Browsers, database: Database, texts: Catalogues
) -> None:
    p = world.partnership_id
    code = await make_invite(database)
    sven = browsers("en")
    await sven.sign_in("sven")
    before = await _state(database, p)
    only = _said(texts, "en", workspace_pages.COORDINATORS_ONLY.text)
    page = await sven.get(f"/p/{p}/people")
    assert page.status == 403 and only in page.text and code not in page.text
    forms = [
        ("invites", {"role": "member", "uses": "5", "days": "5"}),
        ("invites/revoke", {"code": code}),
        ("roles", {"member": str(world.sven), "role": "coordinator"}),
        ("roles", {"member": str(world.li), "role": "coordinator"}),
    ]
    for action, fields in forms:
        answered = await submit(sven, f"/p/{p}/people/{action}", fields)
        assert answered.status == 403 and only in answered.text, action
    assert await _state(database, p) == before


async def test_a_member_of_another_partnership_finds_nothing(
    served: Served, world: World, browsers: Browsers, database: Database, texts: Catalogues
) -> None:
    p = world.partnership_id
    other = await _bonn_chengdu(database)
    await member(database, other, "bernd", world.gothenburg, role="coordinator")
    code = await make_invite(database)
    bernd = browsers("en")
    await bernd.sign_in("bernd")
    before = await _state(database, p)
    gone = _said(texts, "en", workspace_pages.NOT_FOUND.text)
    assert (await bernd.get(f"/p/{other}/people")).status == 200  # his own
    for path in (f"/p/{p}/people", "/p/999999/people", "/p/0/people", "/p/abc/people"):
        page = await bernd.get(path)
        assert page.status == 404 and gone in page.text, path
    forms = [
        ("invites", {"role": "member", "uses": "5", "days": "5"}),
        ("invites/revoke", {"code": code}),
        ("roles", {"member": str(world.sven), "role": "coordinator"}),
    ]
    for where in (str(p), "999999999", "1e3"):
        for action, fields in forms:
            page = await submit(bernd, f"/p/{where}/people/{action}", fields)
            assert page.status == 404 and gone in page.text, (where, action)
    # his own page cannot reach ours either: our member is not his partnership's
    page = await submit(
        bernd, f"/p/{other}/people/roles", {"member": str(world.sven), "role": "member"}
    )
    assert page.status == 400
    assert _said(texts, "en", REFUSALS[Refusal.NOT_A_MEMBER]) in page.text
    page = await submit(bernd, f"/p/{other}/people/invites/revoke", {"code": code})
    assert page.status == 400
    assert await _state(database, p) == before


async def test_forms_from_another_site_or_without_origin_change_nothing(
    served: Served, world: World, browsers: Browsers, database: Database, texts: Catalogues
) -> None:
    p = world.partnership_id
    code = await make_invite(database)
    anna = browsers("en")
    await anna.sign_in("anna")
    before = await _state(database, p)
    forms = [
        ("invites", {"role": "member", "uses": "5", "days": "5"}),
        ("invites/revoke", {"code": code}),
        ("roles", {"member": str(world.sven), "role": "coordinator"}),
    ]
    for origin in ("", "https://evil.example", "null", served.base + ".evil.example"):
        for action, fields in forms:
            page = await submit(anna, f"/p/{p}/people/{action}", fields, origin=origin)
            assert page.status == 403, (origin, action)
            assert _said(texts, "en", workspace_pages.CROSS_SITE.text) in page.text
    assert await _state(database, p) == before


async def test_forged_and_garbage_fields_are_refused_and_never_a_5xx(
    served: Served, world: World, browsers: Browsers, database: Database, texts: Catalogues
) -> None:
    p = world.partnership_id
    code = await make_invite(database)
    anna = browsers("en")
    await anna.sign_in("anna")
    before = await _state(database, p)
    uses = _said(texts, "en", REFUSALS[Refusal.BAD_USES], uses=20)
    days = _said(texts, "en", REFUSALS[Refusal.BAD_DAYS], days=14)
    role = _said(texts, "en", REFUSALS[Refusal.UNKNOWN_ROLE])
    nobody = _said(texts, "en", REFUSALS[Refusal.NOT_A_MEMBER])
    theirs = _said(texts, "en", REFUSALS[Refusal.NOT_OUR_INVITE])
    cases: list[tuple[str, dict[str, str] | None, str]] = [
        ("invites", None, role),
        ("invites", {}, role),
        ("invites", {"role": "king", "uses": "1", "days": "1"}, role),
        ("invites", {"role": SCRIPT, "uses": "1", "days": "1"}, role),
        ("invites", {"role": "member"}, uses),
        ("invites", {"role": "member", "uses": "0", "days": "1"}, uses),
        ("invites", {"role": "member", "uses": "-1", "days": "1"}, uses),
        ("invites", {"role": "member", "uses": "21", "days": "1"}, uses),
        ("invites", {"role": "member", "uses": "9" * 400, "days": "1"}, uses),
        ("invites", {"role": "member", "uses": "1e3", "days": "1"}, uses),
        ("invites", {"role": "member", "uses": "٣", "days": "1"}, uses),
        ("invites", {"role": "member", "uses": "2", "days": "15"}, days),
        ("invites", {"role": "member", "uses": "2", "days": "0"}, days),
        ("invites", {"role": "member", "uses": "2", "days": IMAGE}, days),
        ("invites/revoke", None, theirs),
        ("invites/revoke", {"code": ""}, theirs),
        ("invites/revoke", {"code": "NOPE23456789AB"}, theirs),
        ("invites/revoke", {"code": SCRIPT}, theirs),
        ("invites/revoke", {"code": "x" * 5000}, theirs),
        ("roles", None, nobody),
        ("roles", {"member": "999999", "role": "member"}, nobody),
        ("roles", {"member": "99999999999999999999", "role": "member"}, nobody),
        ("roles", {"member": "-1", "role": "member"}, nobody),
        ("roles", {"member": IMAGE, "role": "member"}, nobody),
        ("roles", {"member": str(world.sven)}, role),
        ("roles", {"member": str(world.sven), "role": "Coordinator "}, role),
        ("roles", {"member": str(world.sven), "role": SCRIPT}, role),
    ]
    for action, fields, reason in cases:
        page = await submit(anna, f"/p/{p}/people/{action}", fields)
        assert page.status == 400, (action, fields)
        assert reason in page.text, (action, fields)
        assert SCRIPT not in page.text and IMAGE not in page.text
    async with anna.session.post(
        f"/p/{p}/people/roles",
        data=b"\xff\xfe%%%&&&==",
        headers={"Origin": served.base, "Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False,
    ) as response:
        assert response.status == 400
    async with anna.session.post(
        f"/p/{p}/people/invites",
        data=_with_a_file(),
        headers={"Origin": served.base},
        allow_redirects=False,
    ) as response:
        assert response.status == 400
    for content_type, body in (
        ("multipart/form-data", b"--x\r\nbroken"),
        ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data\r\n\r\n"),
        ("application/json", b'{"member": 1, "role": "admin"}'),
        ("application/x-www-form-urlencoded; charset=utf-7", b"role=+ADw-script+AD4-"),
    ):
        async with anna.session.post(
            f"/p/{p}/people/roles",
            data=body,
            headers={"Origin": served.base, "Content-Type": content_type},
            allow_redirects=False,
        ) as response:
            assert response.status in (400, 413), content_type
    await _forged_notices(anna, p, code)
    assert await _state(database, p) == before


def _with_a_file() -> aiohttp.FormData:
    """A multipart form whose number of uses is a file: as if it were missing."""
    form = aiohttp.FormData({"role": "member", "days": "1"})
    form.add_field("uses", io.BytesIO(b"5"), filename="uses.txt")
    return form


async def _forged_notices(anna: Browser, p: int, code: str) -> None:
    """A notice cookie the page did not set says nothing, and breaks nothing."""
    for value in (f"made.{code}X", "role.999999", "revoked.NOPE", SCRIPT, "made." + "A" * 900):
        anna.session.cookie_jar.update_cookies(
            {"c2c_people_notice": value},
            response_url=aiohttp.client.URL(anna.served.base + f"/p/{p}/people"),
        )
        page = await anna.get(f"/p/{p}/people")
        assert page.status == 200 and "New invite code</h2>" not in page.text
        assert " is now " not in page.text and SCRIPT not in page.text


async def test_names_with_markup_are_shown_as_text(
    served: Served, world: World, browsers: Browsers, database: Database
) -> None:
    p = world.partnership_id
    await rename(database, world.sven, SCRIPT)
    await rename(database, world.li, IMAGE)
    anna = browsers("en")
    await anna.sign_in("anna")
    page = await anna.get(f"/p/{p}/people")
    assert page.status == 200
    assert SCRIPT not in page.text and IMAGE not in page.text
    assert str(escape(SCRIPT)) in page.text and str(escape(IMAGE)) in page.text
    await submit(anna, f"/p/{p}/people/roles", {"member": str(world.sven), "role": "coordinator"})
    told = await anna.get(f"/p/{p}/people")
    assert f"{escape(SCRIPT)} is now coordinator." in told.text and SCRIPT not in told.text


async def test_in_chinese(
    served: Served, world: World, browsers: Browsers, database: Database, texts: Catalogues
) -> None:
    p = world.partnership_id
    await answer(database, world.sven, p, "vision", "text", "A green port", at=utc(2026, 4, 30, 20))
    wang = browsers("en")
    await wang.sign_in("wang")  # reads Chinese, whatever the browser says
    page = await wang.get(f"/p/{p}/people")
    assert page.status == 200 and '<html lang="zh-Hans">' in page.text
    assert "哥德堡" in page.text and "上海" in page.text
    assert "2026年5月1日" in page.text  # 20:00 UTC on 30 April is 1 May in Shanghai
    assert _said(texts, "zh_Hans", "coordinator") in page.text
    assert _said(texts, "zh_Hans", "never") in page.text
    assert _said(texts, "zh_Hans", "browser chat") in page.text
    made = await submit(
        wang, f"/p/{p}/people/invites", {"role": "coordinator", "uses": "2", "days": "14"}
    )
    assert made.status == 303
    [invite] = await _codes(database, p)
    shown = await wang.get(f"/p/{p}/people")
    assert f"<code>{invite.code}</code>" in shown.text and "2026年5月18日" in shown.text
    refused = await submit(
        wang, f"/p/{p}/people/invites", {"role": "member", "uses": "50", "days": "1"}
    )
    assert refused.status == 400
    assert _said(texts, "zh_Hans", REFUSALS[Refusal.BAD_USES], uses=20) in refused.text
    english = await wang.get(f"/p/{p}/people?lang=en")
    assert "Shanghai" in english.text and "Invite codes" in english.text
    back = await submit(wang, f"/p/{p}/people/invites/revoke?lang=en", {"code": invite.code})
    assert back.status == 303 and back.headers["Location"] == f"/p/{p}/people?lang=en"
    told = await wang.get(back.headers["Location"])
    assert f"The invite code {invite.code} is revoked: it no longer works." in told.text
    assert "revoked" in told.text


async def test_the_page_costs_the_same_statements_for_few_and_many(
    unstarted: Served, world: World, database: Database
) -> None:
    p = world.partnership_id
    anna = Browser(unstarted)
    try:
        await anna.sign_in("anna")

        async def cost() -> int:
            with counting(database) as statements:
                page = await anna.get(f"/p/{p}/people")
            assert page.status == 200
            return len(statements)

        small = await cost()
        for n in range(12):
            city = world.shanghai if n % 2 else world.gothenburg
            who = await member(database, p, f"extra{n}", city)
            await answer(database, who, p, "vision", "text", f"V{n}")
            await make_invite(database, uses=n + 1)
        larger = await cost()
        page = await anna.get(f"/p/{p}/people")
    finally:
        await anna.close()
    print(f"statements for the people page: {small}")
    assert page.text.count('name="member"') == 15 and page.text.count("Revoke</button>") == 12
    assert larger == small and small <= 9, (small, larger)
