"""Who may invite at which rank and change whose role: the rules the chat and the
workspace's people page share (``domain/roles.py``)."""

from __future__ import annotations

import pytest

from c2cbot.domain.roles import (
    INVITE_DAYS,
    INVITE_USES,
    Refusal,
    RoleChange,
    coordinating,
    invite_refusal,
    role_change_refusal,
)


@pytest.mark.parametrize(
    ("own", "role", "uses", "days", "refused"),
    [
        ("coordinator", "member", 1, 1, None),
        ("coordinator", "coordinator", INVITE_USES, INVITE_DAYS, None),
        ("admin", "admin", 3, 7, None),
        ("coordinator", "admin", 1, 1, Refusal.ABOVE_OWN_RANK),
        ("member", "member", 1, 1, Refusal.ABOVE_OWN_RANK),
        ("stranger", "member", 1, 1, Refusal.ABOVE_OWN_RANK),
        ("coordinator", "owner", 1, 1, Refusal.UNKNOWN_ROLE),
        ("coordinator", "member", 0, 1, Refusal.BAD_USES),
        ("coordinator", "member", INVITE_USES + 1, 1, Refusal.BAD_USES),
        ("coordinator", "member", 1, 0, Refusal.BAD_DAYS),
        ("coordinator", "member", 1, INVITE_DAYS + 1, Refusal.BAD_DAYS),
    ],
)
def test_invites_within_ones_own_rank_and_the_chats_limits(
    own: str, role: str, uses: int, days: int, refused: Refusal | None
) -> None:
    assert invite_refusal(own, role, uses, days) is refused


ANNA, SVEN = 1, 2


@pytest.mark.parametrize(
    ("actor", "target", "current", "new", "others", "refused"),
    [
        ("coordinator", SVEN, "member", "coordinator", 1, None),
        ("coordinator", SVEN, "member", "member", 1, None),  # nothing to change: no refusal
        ("coordinator", SVEN, "coordinator", "member", 1, None),  # Anna still coordinates
        ("coordinator", SVEN, "coordinator", "member", 0, Refusal.LAST_COORDINATOR),
        ("admin", SVEN, "admin", "member", 0, Refusal.LAST_COORDINATOR),
        ("admin", SVEN, "coordinator", "admin", 0, None),
        ("coordinator", SVEN, "member", "admin", 1, Refusal.ABOVE_OWN_RANK),
        ("coordinator", SVEN, "admin", "coordinator", 1, Refusal.OUTRANKS_YOU),
        ("coordinator", ANNA, "coordinator", "member", 1, Refusal.OWN_ROLE),
        ("coordinator", SVEN, None, "member", 1, Refusal.NOT_A_MEMBER),
        ("coordinator", SVEN, "member", "boss", 1, Refusal.UNKNOWN_ROLE),
        ("member", SVEN, "member", "member", 1, Refusal.ABOVE_OWN_RANK),
    ],
)
def test_role_changes(
    actor: str, target: int, current: str | None, new: str, others: int, refused: Refusal | None
) -> None:
    change = RoleChange(ANNA, actor, target, current, new, others)
    assert role_change_refusal(change) is refused


def test_only_coordinators_and_admins_coordinate() -> None:
    assert [coordinating(r) for r in ("member", "coordinator", "admin", "owner", None)] == [
        False,
        True,
        True,
        False,
        False,
    ]
