"""A PostgreSQL test database put back to the template's rows is the template again.

The suite's PostgreSQL tests start from a database whose rows were put back
(``tests.support.template_rows``) instead of a fresh copy; if that left anything of
an earlier test behind, every later test would start from it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from tests.conftest import POSTGRES_URL, _copy_postgres
from tests.support.template_rows import ROWS, keep_template_rows, put_template_rows_back

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="PostgreSQL only")

TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
SEQUENCES = "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"


async def contents(url: str) -> dict[str, str]:
    """Every table's rows and every sequence's state in the public schema, as text."""
    engine = create_async_engine(url)
    found: dict[str, str] = {}
    async with engine.connect() as connection:
        for table in (await connection.execute(text(TABLES))).scalars():
            every = "coalesce(string_agg(r::text, ';' ORDER BY r::text), '')"
            rows = f'SELECT {every} FROM public."{table}" r'
            found[table] = (await connection.execute(text(rows))).scalar_one()
        for sequence in (await connection.execute(text(SEQUENCES))).scalars():
            state = f'SELECT last_value, is_called FROM public."{sequence}"'
            found[f"sequence {sequence}"] = str((await connection.execute(text(state))).one())
    await engine.dispose()
    return found


async def scribble(connection: AsyncConnection) -> None:
    """Empty every table the template has rows in, and move every sequence on."""
    await connection.execute(text("SET session_replication_role = replica"))
    seeded = f"SELECT tablename FROM pg_tables WHERE schemaname = '{ROWS}'"
    for table in (await connection.execute(text(seeded))).scalars().all():
        await connection.execute(text(f'DELETE FROM public."{table}"'))
    for sequence in (await connection.execute(text(SEQUENCES))).scalars().all():
        await connection.execute(text(f"SELECT nextval('public.\"{sequence}\"')"))


async def a_fresh_copy(url: str, template: str) -> dict[str, str]:
    """The template's contents, once the database at ``url`` is a copy of it."""
    expected = await contents(make_url(url).set(database=template).render_as_string(False))
    await _copy_postgres(url, template)
    return expected


async def test_rows_put_back_are_the_templates_and_sessions_left_open_are_ended(
    postgres_url: str, postgres_template: str
) -> None:
    expected = await a_fresh_copy(postgres_url, postgres_template)
    engine = create_async_engine(postgres_url)
    async with engine.begin() as connection:
        await scribble(connection)
    assert await contents(postgres_url) != expected
    left_open = await engine.connect()
    await left_open.execute(text("SELECT count(*) FROM stakeholders"))  # in a transaction

    assert await put_template_rows_back(postgres_url)

    assert await contents(postgres_url) == expected
    with pytest.raises(DBAPIError):
        await left_open.execute(text("SELECT 1"))
    await engine.dispose()


async def test_after_a_schema_change_the_database_is_copied_again(
    postgres_url: str, postgres_template: str
) -> None:
    expected = await a_fresh_copy(postgres_url, postgres_template)
    engine = create_async_engine(postgres_url)
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE stray (x integer)"))
    await engine.dispose()

    assert not await put_template_rows_back(postgres_url)
    await _copy_postgres(postgres_url, postgres_template)

    assert await contents(postgres_url) == expected
    assert await put_template_rows_back(postgres_url)  # a fresh copy can be put back again


async def test_a_server_user_who_may_not_set_it_up_leaves_the_template_as_it_was(
    postgres_url: str,
) -> None:
    """An event trigger needs a superuser; a plain user's template is copied for each test."""
    server = create_async_engine(POSTGRES_URL or "", isolation_level="AUTOCOMMIT")
    name = role = f"{make_url(postgres_url).database}_plain"  # this run's own
    async with server.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        await connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        await connection.execute(text(f'CREATE DATABASE "{name}" OWNER "{role}"'))
    plain = make_url(postgres_url).set(username=role, password=None, database=name)
    try:
        assert not await keep_template_rows(plain.render_as_string(hide_password=False))
        found = create_async_engine(plain.render_as_string(hide_password=False))
        async with found.connect() as connection:
            schemas = "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'c2c_test%'"
            assert (await connection.execute(text(schemas))).scalar_one() == 0
        await found.dispose()
    finally:
        async with server.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        await server.dispose()
