"""``flows.link_ports.Links`` in SQL: one person on several channels.

Redeeming a code links the identity that typed it to the code's person. When that
identity's own person is "someone else" (both onboarded, with different names and
different cities) nothing happens: merging two people is the operator's call, not a
code's. Otherwise that person is merged into the code's person
(``store/stakeholder_merge.py``), in the turn's transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select, update

from c2cbot.domain.values import normalise
from c2cbot.flows.link_ports import ConnectCode, LinkedChannel, LinkOutcome, LinkResult
from c2cbot.store import connect_codes, stakeholder_merge
from c2cbot.store.connect_codes import CodeProblem
from c2cbot.store.ledger_base import LedgerPart
from c2cbot.store.models import ChannelIdentity, Stakeholder
from c2cbot.store.rerouting import PROMPT_ORDER


class SqlLinks(LedgerPart):
    async def new_code(self, channel: str, external_id: str, now: datetime) -> ConnectCode:
        identity = await connect_codes.identity_of(self.session, channel, external_id)
        code = await connect_codes.make(self.session, identity, now)
        minutes = int(connect_codes.LIFETIME.total_seconds() // 60)
        return ConnectCode(connect_codes.shown(code), now + connect_codes.LIFETIME, minutes)

    async def redeem(
        self,
        code: str,
        channel: str,
        external_id: str,
        now: datetime,
        member_questions: Collection[tuple[str, str]],
    ) -> LinkResult:
        identity = await connect_codes.identity_of(self.session, channel, external_id)
        wait = await connect_codes.waiting(self.session, identity.id, now)
        if wait is not None:
            return LinkResult(LinkOutcome.TOO_MANY, wait.minutes)
        found = await connect_codes.find(self.session, code, now)
        if isinstance(found, CodeProblem):
            await connect_codes.count_wrong(self.session, identity.id, now)
            return LinkResult(LinkOutcome(found.value))
        if found.identity_id == identity.id:
            return LinkResult(LinkOutcome.OWN_CODE)
        merged, kept = identity.stakeholder_id, found.stakeholder_id
        if merged == kept:
            return LinkResult(LinkOutcome.ALREADY)
        if await self._someone_else(merged, kept):
            return LinkResult(LinkOutcome.SOMEONE_ELSE)
        had_data = await stakeholder_merge.has_data(self.session, merged)
        found.used_at = now
        await stakeholder_merge.merge(self.session, merged, kept, member_questions)
        return LinkResult(LinkOutcome.MERGED if had_data else LinkOutcome.LINKED)

    async def _someone_else(self, one: int, other: int) -> bool:
        """Both onboarded, under different names, in different cities: two people."""
        a = await self.session.get_one(Stakeholder, one)
        b = await self.session.get_one(Stakeholder, other)
        if not a.name or not b.name or _name_key(a.name) == _name_key(b.name):
            return False
        return a.city_id is not None and b.city_id is not None and a.city_id != b.city_id

    async def channels(self, channel: str, external_id: str) -> list[LinkedChannel]:
        asking = await connect_codes.identity_of(self.session, channel, external_id)
        query = select(ChannelIdentity).where(
            ChannelIdentity.stakeholder_id == asking.stakeholder_id
        )
        found = list((await self.session.execute(query.order_by(*PROMPT_ORDER))).scalars())
        first = next((i.id for i in found if i.active), None)
        return [
            LinkedChannel(i.id, i.channel, i.id == first, i.id == asking.id)
            for i in sorted(found, key=lambda i: i.id)
        ]

    async def prefer(self, stakeholder_id: int, identity_id: int) -> bool:
        mine = ChannelIdentity.stakeholder_id == stakeholder_id
        query = select(ChannelIdentity.id).where(mine, ChannelIdentity.id == identity_id)
        if (await self.session.execute(query)).scalar_one_or_none() is None:
            return False
        await self.session.execute(
            update(ChannelIdentity)
            .where(mine)
            .values(preferred=ChannelIdentity.id == identity_id)
            .execution_options(synchronize_session=False)
        )
        return True


def _name_key(name: str) -> str:
    return "".join(c for c in normalise(name).casefold() if c.isalnum())
