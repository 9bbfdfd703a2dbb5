"""Migrations bring an empty database to head, and the models agree with them."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from c2cbot.config import Settings
from c2cbot.store.database import Database
from c2cbot.store.migrate import upgrade
from c2cbot.store.models import Base


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_empty_database_upgrades_to_models(settings: Settings) -> None:
    database = Database(settings.database_url)
    try:
        await upgrade(database)
        await upgrade(database)  # a second run is a no-op, as `c2cbot run` does at every start
        async with database.engine.connect() as connection:
            tables = await connection.run_sync(_tables)
            differences = await connection.run_sync(_differences)
    finally:
        await database.close()
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
    assert differences == []
