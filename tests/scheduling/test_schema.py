"""Migration 0005's indexes agree with the models, and APScheduler's table is not ours."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from c2cbot.config import Settings
from c2cbot.scheduling.scheduler import job_store
from c2cbot.store.autogenerate import include_object
from c2cbot.store.database import Database
from c2cbot.store.migrate import alembic_config, upgrade
from c2cbot.store.models import Base


def _differences(connection: Connection) -> list[object]:
    opts = {"compare_type": True, "include_object": include_object}
    context = MigrationContext.configure(connection, opts=opts)
    return list(compare_metadata(context, Base.metadata))


def _indexes(connection: Connection) -> dict[str, set[str]]:
    inspector = inspect(connection)
    return {
        table: {str(index["name"]) for index in inspector.get_indexes(table)}
        for table in ("prompts", "outbox", "memberships")
    }


def _to(connection: Connection, revision: str, down: bool) -> None:
    config = alembic_config("")
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)


async def test_the_scheduler_table_is_left_out_of_the_comparison(settings: Settings) -> None:
    database = Database(settings.database_url)
    try:
        await upgrade(database)
        store = job_store(settings.database_url)
        store.start(None, "default")  # APScheduler creates its own table here
        store.shutdown()
        async with database.engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            differences = await connection.run_sync(_differences)
    finally:
        await database.close()
    assert "apscheduler_jobs" in tables
    assert differences == []


async def test_0005_adds_the_indexes_and_takes_them_away_again(settings: Settings) -> None:
    database = Database(settings.database_url)
    try:
        await upgrade(database)
        async with database.engine.connect() as connection:
            head = await connection.run_sync(_indexes)
        async with database.engine.begin() as connection:
            await connection.run_sync(_to, "0004", True)
        async with database.engine.connect() as connection:
            before = await connection.run_sync(_indexes)
        await upgrade(database)
    finally:
        await database.close()
    assert "ix_prompts_status_due_at" in head["prompts"]
    assert "ix_prompts_status" not in head["prompts"]
    assert "ix_outbox_channel_chat_id_id" in head["outbox"]
    assert "ix_memberships_stakeholder_id" in head["memberships"]
    assert "ix_prompts_status" in before["prompts"]
    assert "ix_prompts_status_due_at" not in before["prompts"]
    assert "ix_outbox_channel_chat_id_id" not in before["outbox"]
    assert "ix_memberships_stakeholder_id" not in before["memberships"]
