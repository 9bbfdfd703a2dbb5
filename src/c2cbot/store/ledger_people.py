"""People as the engine meets them: identities, profiles, invite codes redeemed, cities.

``person`` runs for every inbound message and reads identity, person and membership with
one prebuilt statement (``store/per_message.py``); the rest is the ORM.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from c2cbot.domain.roles import rank
from c2cbot.flows.ports import InviteProblem, Joined, Person, Place
from c2cbot.store import data_downloads, per_message, web_sessions
from c2cbot.store.erasure import erase_person
from c2cbot.store.invites import checked_invite, member_of
from c2cbot.store.ledger_base import LedgerPart
from c2cbot.store.models import (
    ChannelIdentity,
    City,
    Membership,
    Organisation,
    Partnership,
    PartnershipCity,
    Stakeholder,
)
from c2cbot.store.partnership_names import partnership_titles, titles_of
from c2cbot.store.personal_data import personal_data
from c2cbot.store.prompt_answers import city_currency


class SqlPeople(LedgerPart):
    """``flows.ports.People``: who sent a message, what they told us, where they joined."""

    async def person(
        self, channel: str, external_id: str, chat_id: str, language: str, display_name: str | None
    ) -> Person:
        """Identity, person and current membership in one query: this runs for every message."""
        if (channel, external_id) in self._tx.known:  # looked up with the inbound claim
            row = self._tx.known.pop((channel, external_id))
        else:
            parameters = {"channel": channel, "external_id": external_id}
            row = (await self._core(per_message.KNOWN, parameters)).one_or_none()
        if row is None:
            identity = await self._new_identity(
                channel, external_id, chat_id, language, display_name
            )
            stakeholder = await self.session.get_one(Stakeholder, identity.stakeholder_id)
            return Person(stakeholder.id, stakeholder.language, stakeholder.name, None, None, True)
        now = self._clock()
        if per_message.needs_seen(row, chat_id, now):
            seen = {"identity_id": row.id, "now": now, "new_chat_id": chat_id}
            await self._core(per_message.SEEN, seen)
        return Person(
            row.stakeholder_id, row.language, row.name, row.partnership_id, row.role, False
        )

    async def _new_identity(
        self, channel: str, external_id: str, chat_id: str, language: str, display_name: str | None
    ) -> ChannelIdentity:
        now = self._clock()
        stakeholder = Stakeholder(language=language, created_at=now)
        self.session.add(stakeholder)
        await self.session.flush()
        identity = ChannelIdentity(
            channel=channel,
            external_id=external_id,
            chat_id=chat_id,
            stakeholder_id=stakeholder.id,
            display_name=(display_name or "")[:200] or None,
            created_at=now,
            last_seen_at=now,
        )
        self.session.add(identity)
        await self.session.flush()
        return identity

    async def update_profile(self, stakeholder_id: int, field: str, value: Any) -> None:
        """One UPDATE (the ORM keeps a loaded person in step), not a read and a write."""
        if field == "organisation":
            stakeholder = await self.session.get_one(Stakeholder, stakeholder_id)
            stakeholder.organisation_id = await self._organisation(str(value), stakeholder.city_id)
            return
        if field == "city":
            changed: dict[str, Any] = {"city_id": int(value)}
        elif field in ("name", "language", "helix_role"):
            changed = {field: value}
        else:
            raise ValueError(f"unknown profile field {field!r}")
        await self.session.execute(
            update(Stakeholder).where(Stakeholder.id == stakeholder_id).values(changed)
        )

    async def _organisation(self, name: str, city_id: int | None) -> int:
        name = name[:200]
        query = select(Organisation.id).where(
            Organisation.name == name, Organisation.city_id == city_id
        )
        found = (await self.session.execute(query)).scalar_one_or_none()
        if found is not None:
            return found
        # Two people may name the same new organisation at once: let one insert win.
        statement = (
            self._tx.insert(Organisation)
            .values(name=name, city_id=city_id)
            .on_conflict_do_nothing(index_elements=["city_id", "name"])
            .returning(Organisation.id)
        )
        inserted = (await self.session.execute(statement)).scalar_one_or_none()
        return (
            inserted if inserted is not None else (await self.session.execute(query)).scalar_one()
        )

    async def redeem_invite(
        self, code: str, stakeholder_id: int, now: datetime, origin: str | None = None
    ) -> Joined | InviteProblem:
        invite = await checked_invite(self.session, code, stakeholder_id, origin, now)
        if isinstance(invite, InviteProblem):
            return invite
        partnership = await self.session.get_one(Partnership, invite.partnership_id)
        existing = await member_of(self.session, partnership.id, stakeholder_id)
        if existing is None and invite.uses_left <= 0:
            return InviteProblem.USED_UP
        if existing is None:
            invite.uses_left -= 1
            existing = Membership(
                partnership_id=partnership.id,
                stakeholder_id=stakeholder_id,
                role=invite.role,
                joined_at=now,
            )
            self.session.add(existing)
        elif rank(invite.role) > rank(existing.role):
            existing.role = invite.role
        worked_on = update(Stakeholder).where(Stakeholder.id == stakeholder_id)
        # Joining one more partnership makes it the one worked on.
        await self.session.execute(worked_on.values(active_partnership_id=partnership.id))
        titles = await titles_of(self.session, partnership.id)
        return Joined(partnership.id, partnership.name, existing.role, titles)

    async def memberships(self, stakeholder_id: int) -> list[Joined]:
        query = (
            select(Membership.partnership_id, Membership.role, Partnership.name)
            .join(Partnership, Partnership.id == Membership.partnership_id)
            .where(Membership.stakeholder_id == stakeholder_id)
            .order_by(Membership.joined_at, Membership.id)
        )
        rows = (await self.session.execute(query)).all()
        titles = await partnership_titles(self.session, [row.partnership_id for row in rows])
        return [
            Joined(row.partnership_id, row.name, row.role, titles.get(row.partnership_id, {}))
            for row in rows
        ]

    async def choose_partnership(self, stakeholder_id: int, partnership_id: int) -> Joined | None:
        chosen = [
            m for m in await self.memberships(stakeholder_id) if m.partnership_id == partnership_id
        ]
        if not chosen:
            return None
        (
            await self.session.get_one(Stakeholder, stakeholder_id)
        ).active_partnership_id = partnership_id
        await self.session.flush()
        return chosen[0]

    async def personal_data(self, stakeholder_id: int) -> dict[str, Any]:
        return (await personal_data(self.session, stakeholder_id)).as_json()

    async def offer_download(self, stakeholder_id: int) -> str:
        return await data_downloads.offer(self.session, stakeholder_id, self._clock())

    async def offer_sign_in(self, stakeholder_id: int) -> str:
        return await web_sessions.offer_link(self.session, stakeholder_id, self._clock())

    async def erase(self, stakeholder_id: int, refused: bool = False) -> str:
        return (await erase_person(self.session, stakeholder_id, refused=refused)).summary()

    async def city_side(self, stakeholder_id: int) -> str | None:
        query = (
            select(City.side)
            .join(Stakeholder, Stakeholder.city_id == City.id)
            .where(Stakeholder.id == stakeholder_id)
        )
        return await self.session.scalar(query)

    async def home_currency(self, stakeholder_id: int) -> str | None:
        return await city_currency(self.session, stakeholder_id, self._clock().date())

    async def partnership_cities(self, partnership_id: int) -> list[Place]:
        query = (
            select(City)
            .join(PartnershipCity, PartnershipCity.city_id == City.id)
            .where(PartnershipCity.partnership_id == partnership_id)
            .order_by(City.side.desc(), City.name_en)
        )
        cities = (await self.session.execute(query)).scalars()
        return [
            Place(c.id, {"en": c.name_en, "zh": c.name_zh, "de": c.name_de or c.name_en})
            for c in cities
        ]
