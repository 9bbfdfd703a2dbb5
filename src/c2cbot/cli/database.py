"""``c2cbot db upgrade`` and ``c2cbot seed``: the schema and the reference data."""

from __future__ import annotations

import argparse

from c2cbot.cli.common import Commands, opened
from c2cbot.config import Settings
from c2cbot.domain.reference import load_reference as reference_data
from c2cbot.store.database import Database
from c2cbot.store.migrate import upgrade
from c2cbot.store.seeding import seed_reference


def register(commands: Commands) -> None:
    db = commands.add_parser("db", help="database maintenance").add_subparsers(title="db commands")
    db.add_parser("upgrade", help="migrate the database to the newest schema").set_defaults(
        command=db_upgrade
    )
    commands.add_parser(
        "seed", help="load the reference cities, partnerships and KPI catalogue"
    ).set_defaults(command=seed)


async def db_upgrade(settings: Settings, _arguments: argparse.Namespace) -> None:
    async with opened(settings) as database:
        await upgrade(database)
    print("database is at the newest schema")


async def seed(settings: Settings, _arguments: argparse.Namespace) -> None:
    async with opened(settings) as database:
        await upgrade(database)
        seeded = await load_reference(database)
    print(f"reference data: {seeded}")


async def load_reference(database: Database) -> str:
    """Load the packaged reference data; what was loaded, as the operator reads it."""
    async with database.transaction() as session:
        seeded = await seed_reference(session, reference_data(), database.clock())
    return f"{seeded.cities} cities, {seeded.partnerships} new partnerships, {seeded.kpis} new KPIs"
