"""A PostgreSQL test database put back to the template's rows instead of copied again.

``CREATE DATABASE … TEMPLATE`` writes every page of the copy (about 9 MB, system
catalogues included) to the write-ahead log: some 0.3 s of the server's CPU for each
of the suite's thousands of PostgreSQL tests. The schema a test leaves behind is almost
always the template's, so only its rows need to go back. The template keeps a copy of
its rows and sequences in schemas of their own, and a function, ``c2c_test.reset()``,
ends every other session on the database (as ``DROP DATABASE … WITH (FORCE)`` does),
deletes every row, and puts the template's rows and sequence values back.

An event trigger notes any schema change (DDL) in the database: migrations, a dropped
schema, APScheduler creating its table. After one, ``reset()`` declines and the test
gets a fresh copy, as before. It declines too where it cannot do its work (a server
user who may not set ``session_replication_role``, sessions that do not end).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

SCHEMA = "c2c_test"  # the function, its bookkeeping and the event trigger's notes
ROWS = "c2c_test_rows"  # a copy of each template table that has rows, by the same name

KEEP_ROWS = [
    f"CREATE SCHEMA {SCHEMA}",
    f"CREATE SCHEMA {ROWS}",
    f"CREATE TABLE {SCHEMA}.sequences (name text PRIMARY KEY, value bigint, called boolean)",
    f"CREATE TABLE {SCHEMA}.schema_changes (at timestamptz NOT NULL DEFAULT now())",
    f"""
    DO $$
    DECLARE
        found record;
        value bigint;
        called boolean;
        has_rows boolean;
    BEGIN
        FOR found IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
            EXECUTE format('SELECT EXISTS (SELECT FROM public.%I)', found.tablename)
                INTO has_rows;
            IF has_rows THEN
                EXECUTE format('CREATE TABLE {ROWS}.%I AS TABLE public.%I',
                               found.tablename, found.tablename);
            END IF;
        END LOOP;
        FOR found IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
            EXECUTE format('SELECT last_value, is_called FROM public.%I', found.sequencename)
                INTO value, called;
            INSERT INTO {SCHEMA}.sequences VALUES (found.sequencename, value, called);
        END LOOP;
    END $$
    """,
    f"""
    CREATE FUNCTION {SCHEMA}.note_schema_change() RETURNS event_trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {SCHEMA}.schema_changes DEFAULT VALUES;
    END $$
    """,
    f"""
    CREATE FUNCTION {SCHEMA}.reset() RETURNS boolean
    LANGUAGE plpgsql AS $$
    DECLARE
        found record;
        tries integer := 0;
    BEGIN
        IF EXISTS (SELECT FROM {SCHEMA}.schema_changes) THEN
            RETURN false;
        END IF;
        PERFORM pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid();
        LOOP
            PERFORM pg_stat_clear_snapshot();
            EXIT WHEN NOT EXISTS (
                SELECT FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid());
            tries := tries + 1;
            IF tries > 500 THEN
                RETURN false;
            END IF;
            PERFORM pg_sleep(0.01);
        END LOOP;
        PERFORM set_config('session_replication_role', 'replica', true);
        FOR found IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
            EXECUTE format('DELETE FROM public.%I', found.tablename);
        END LOOP;
        FOR found IN SELECT tablename FROM pg_tables WHERE schemaname = '{ROWS}' LOOP
            EXECUTE format(
                'INSERT INTO public.%I OVERRIDING SYSTEM VALUE SELECT * FROM {ROWS}.%I',
                found.tablename, found.tablename);
        END LOOP;
        PERFORM setval(format('public.%I', name)::regclass, value, called) FROM {SCHEMA}.sequences;
        RETURN true;
    END $$
    """,
    f"""
    CREATE EVENT TRIGGER c2c_test_schema_changes ON ddl_command_end
    EXECUTE FUNCTION {SCHEMA}.note_schema_change()
    """,
    f"DELETE FROM {SCHEMA}.schema_changes",  # none of the above is a test's change
]


async def keep_template_rows(url: str) -> bool:
    """Copy the template's rows and sequences aside and set up ``reset()``, after building it;
    False where the server user may not (an event trigger needs a superuser): then every
    test gets a copy, and the template is left as it was."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            for statement in KEEP_ROWS:
                await connection.execute(text(statement))
    except SQLAlchemyError:
        return False
    finally:
        await engine.dispose()
    return True


async def put_template_rows_back(url: str) -> bool:
    """The database at ``url`` holds the template's rows again; False: copy it instead."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            done = await connection.execute(text(f"SELECT {SCHEMA}.reset()"))
            return bool(done.scalar())
    except SQLAlchemyError:  # no such database or function yet, or it could not reset
        return False
    finally:
        await engine.dispose()
