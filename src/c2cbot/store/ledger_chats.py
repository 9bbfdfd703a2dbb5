"""Group chats, reachability reports and the invites coordinators make, in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from c2cbot.flows.ports import Invitation, InviteProblem, Joined
from c2cbot.store.invite_records import revoke_own_invite
from c2cbot.store.invites import checked_invite, create_invite, member_of
from c2cbot.store.ledger_base import LedgerPart
from c2cbot.store.models import ChannelIdentity, GroupChat, InviteCode, Partnership
from c2cbot.store.partnership_names import titles_of


class SqlChats(LedgerPart):
    """``flows.ports.Chats``: groups linked to partnerships, and who can no longer be reached."""

    async def chat_event(self, channel: str, chat_id: str, event: str, detail: str | None) -> None:
        if event == "unreachable":
            await self.session.execute(
                update(ChannelIdentity)
                .where(ChannelIdentity.channel == channel, ChannelIdentity.chat_id == chat_id)
                .values(active=False)
            )
            return
        group = await self._group(channel, chat_id)
        if group is None:
            return
        if event == "left_group":
            group.active = False
        elif event == "group_moved" and detail:
            group.chat_id = detail[:128]

    async def _group(self, channel: str, chat_id: str) -> GroupChat | None:
        query = select(GroupChat).where(GroupChat.channel == channel, GroupChat.chat_id == chat_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def link_group(
        self, channel: str, chat_id: str, partnership_id: int, languages: list[str], by: int | None
    ) -> None:
        now = self._clock()
        group = await self._group(channel, chat_id) or GroupChat(channel=channel, chat_id=chat_id)
        group.partnership_id, group.languages, group.active = partnership_id, languages, True
        group.linked_by, group.linked_at = by, now
        self.session.add(group)
        await self.session.flush()

    async def set_group_languages(self, channel: str, chat_id: str, languages: list[str]) -> bool:
        group = await self._group(channel, chat_id)
        if group is None or not group.active:
            return False
        group.languages = languages
        return True

    async def group_partnership(self, channel: str, chat_id: str) -> int | None:
        group = await self._group(channel, chat_id)
        return group.partnership_id if group is not None and group.active else None

    async def invite_target(
        self, code: str, now: datetime, guesser: int, origin: str | None = None
    ) -> Joined | InviteProblem:
        invite = await checked_invite(self.session, code, guesser, origin, now)
        if isinstance(invite, InviteProblem):
            return invite
        partnership = await self.session.get_one(Partnership, invite.partnership_id)
        titles = await titles_of(self.session, partnership.id)
        return Joined(partnership.id, partnership.name, invite.role, titles)

    async def role_in(self, stakeholder_id: int, partnership_id: int) -> str | None:
        membership = await member_of(self.session, partnership_id, stakeholder_id)
        return membership.role if membership else None

    async def open_invites(self, partnership_id: int, now: datetime) -> list[Invitation]:
        query = (
            select(InviteCode)
            .where(
                InviteCode.partnership_id == partnership_id,
                InviteCode.expires_at > now,
                InviteCode.uses_left > 0,
            )
            .order_by(InviteCode.created_at.desc(), InviteCode.code)
        )
        found = await self.session.scalars(query)
        return [Invitation(i.code, i.expires_at, i.uses_left, i.role) for i in found]

    async def revoke_invite(self, partnership_id: int, code: str, now: datetime) -> bool:
        return await revoke_own_invite(self.session, partnership_id, code, now) is not None

    async def create_invite(
        self, partnership_id: int, role: str, uses: int, created_by: int, now: datetime
    ) -> Invitation:
        partnership = await self.session.get_one(Partnership, partnership_id)
        invite = await create_invite(
            self.session, partnership, role=role, uses=uses, now=now, created_by=created_by
        )
        return Invitation(invite.code, invite.expires_at, invite.uses_left)
