"""``c2cbot partnerships show``'s sheet: one partnership in full, as data for ``--json``
and as the text an operator reads."""

from __future__ import annotations

from typing import Any

from c2cbot.cli.tables import print_fields, print_table
from c2cbot.domain.steps import LOOPS, number_on
from c2cbot.store.models import City, GroupChat, KpiPlan
from c2cbot.store.partnership_records import PartnershipSheet

KPI_COLUMNS = ("kpi", "frequency", "responsible", "baseline", "target", "unit", "active")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def step_on_loop(loop: str, step: str) -> str:
    """The step and where it lies on the partnership's loop, as "plan (3 of 6)"."""
    known = LOOPS.get(loop)
    number = number_on(known, step) if known else None
    return f"{step} ({number} of {len(known.steps)})" if known and number else step


def sheet_data(sheet: PartnershipSheet) -> dict[str, Any]:
    """A partnership in full as plain data: what --json prints and the text is made of."""
    p = sheet.partnership
    return {
        "id": p.id,
        "key": p.key,
        "name": p.name,
        "cities": [_city(c) for c in sheet.cities],
        "loop": p.loop,
        "step": p.step,
        "step_on_loop": step_on_loop(p.loop, p.step),
        "mou_signed": p.mou_signed,
        "mou_expires": p.mou_expires,
        "plan_review_on": p.plan_review_on,
        "follow_up_days": p.follow_up_days,
        "reminder_days": p.reminder_days,
        "members": [m.__dict__ for m in sheet.members],
        "group_chats": [_group(g) for g in sheet.groups],
        "kpi_plans": [_kpi_plan(k) for k in sheet.kpi_plans],
    }


def _city(city: City) -> dict[str, str]:
    return {
        "key": city.key,
        "name": city.name_en,
        "name_zh": city.name_zh,
        "country": city.country,
        "side": city.side,
        "timezone": city.timezone,
    }


def _group(group: GroupChat) -> dict[str, Any]:
    weekday = WEEKDAYS[(group.digest_weekday - 1) % 7]
    return {
        "channel": group.channel,
        "chat_id": group.chat_id,
        "languages": group.languages,
        "weekly_digest": f"{weekday} {group.digest_time} {group.timezone or ''}".strip(),
    }


def _kpi_plan(plan: KpiPlan) -> dict[str, Any]:
    return {
        "kpi": plan.kpi_key,
        "name": plan.name,
        "frequency": plan.frequency,
        "responsible": plan.responsible_helix,
        "baseline": plan.baseline,
        "target": plan.target,
        "unit": plan.unit or plan.currency,
        "active": "yes" if plan.active else "no",
    }


def print_sheet(data: dict[str, Any]) -> None:
    cities = [
        f"{c['name']} {c['name_zh']} ({c['country']}, {c['timezone']})" for c in data["cities"]
    ]
    print_fields(
        [
            ("partnership", f"{data['id']}: {data['name']} ({data['key'] or '-'})"),
            ("cities", cities),
            ("loop", data["loop"]),
            ("step", data["step_on_loop"]),
            ("MoU signed", data["mou_signed"]),
            ("MoU expires", data["mou_expires"]),
            ("plan review", data["plan_review_on"]),
            ("follow-up days", data["follow_up_days"]),
            ("reminder days", data["reminder_days"] or "the bot's default"),
        ]
    )
    _print_members(data["members"])
    print("\ngroup chats:")
    for group in data["group_chats"] or [None]:
        print(f"  {_group_line(group)}" if group else "  none linked")
    print("\nKPI plans:")
    print_table(data["kpi_plans"], KPI_COLUMNS) if data["kpi_plans"] else print("  none yet")


def _print_members(members: list[dict[str, Any]]) -> None:
    print("\nmembers:")
    if not members:
        print("  nobody has joined yet")
    city = object()
    for member in members:
        if member["city"] != city:
            city = member["city"]
            print(f"  {city or 'city not given'}")
        helix = f" ({member['helix_role']})" if member["helix_role"] else ""
        print(f"    {member['role']}: {member['name'] or 'name not given'}{helix}")


def _group_line(group: dict[str, Any]) -> str:
    languages = " + ".join(group["languages"])
    where = f"{group['channel']} {group['chat_id']} ({languages})"
    return f"{where}, weekly digest {group['weekly_digest']}"
