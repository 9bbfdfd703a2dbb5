"""Shared fixtures: a real database (SQLite always, PostgreSQL when configured) and a bot.

The database every test gets is migrated and seeded once per run (per pytest-xdist
worker) into a template, a SQLite file or a PostgreSQL database, and each test starts
from a fresh copy of it: the same database the migrations and the seeding build, without
building it again for each of the thousands of tests.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from c2cbot.config import Settings
from c2cbot.domain.reference import load_reference
from c2cbot.event_loop import LoopFactory, loop_factory
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from c2cbot.store.invites import create_invite
from c2cbot.store.migrate import upgrade
from c2cbot.store.partnership_lookup import find_partnership
from c2cbot.store.seeding import seed_reference
from tests.driver import Driver
from tests.support.template_rows import keep_template_rows, put_template_rows_back

POSTGRES_URL = os.environ.get("C2C_TEST_DATABASE_URL") or None  # empty: SQLite only
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
LOOPBACK = ("127.", "::1", "localhost", "/")


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> dict[str, LoopFactory]:
    """Async tests run on the loop the commands run on (uvloop where it is installed), so
    what the suite shows is what an operator runs; C2C_EVENT_LOOP=asyncio runs them on
    asyncio's own."""
    factory = loop_factory(Settings().event_loop)
    return {"asyncio": asyncio.new_event_loop} if factory is None else {"uvloop": factory}


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection that leaves this machine: tests talk only to loopback fakes."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if not str(host).startswith(LOOPBACK):
            raise RuntimeError(f"test tried to reach {host}: only loopback is allowed")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


async def _create_database(url: str, name: str, drop: bool) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not drop:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()


def _run_database_name() -> str:
    """This run's database: the process is one run, or one pytest-xdist worker of a run."""
    return f"c2cbot_test_{os.getpid()}"


async def _build(database: Database) -> None:
    """What a new installation does: migrate to the newest schema, seed the reference data."""
    await upgrade(database)
    async with database.transaction() as session:
        await seed_reference(session, load_reference(), database.clock())


async def _build_at(url: str) -> None:
    database = Database(url)
    await _build(database)
    await database.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A database of this test run's own on the configured server, so runs never collide."""
    if POSTGRES_URL is None:
        yield None
        return
    name = _run_database_name()
    asyncio.run(_create_database(POSTGRES_URL, name, drop=False))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_create_database(POSTGRES_URL, name, drop=True))


@pytest.fixture(scope="session")
def postgres_template(postgres_url: str | None) -> Iterator[str | None]:
    """The run's database as a new installation has it, built once; tests get copies."""
    if postgres_url is None:
        yield None
        return
    assert POSTGRES_URL is not None
    name = f"{_run_database_name()}_template"
    asyncio.run(_create_database(POSTGRES_URL, name, drop=False))
    template_url = make_url(postgres_url).set(database=name).render_as_string(False)
    asyncio.run(_build_at(template_url))
    asyncio.run(keep_template_rows(template_url))
    yield name
    asyncio.run(_create_database(POSTGRES_URL, name, drop=True))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated and seeded once per run; each SQLite test copies it."""
    path = tmp_path_factory.mktemp("template") / "c2cbot.sqlite3"
    asyncio.run(_build_at(f"sqlite+aiosqlite:///{path}"))
    return path


async def _copy_postgres(url: str, template: str) -> None:
    """The test's database as the template is: its rows put back where the last test left
    the template's schema (``tests.support.template_rows``), else replaced by a copy of the
    template (nobody is connected to it: ``WITH (FORCE)`` ends whatever an earlier test
    left open)."""
    assert POSTGRES_URL is not None
    if await put_template_rows_back(url):
        return
    name = make_url(url).database
    engine = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    await engine.dispose()


async def _reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str | None
) -> str:
    """An empty database, unless the test also asks for ``database``, which fills it."""
    if request.param == "postgresql":
        assert postgres_url is not None
        if "database" not in request.fixturenames:  # else ``database`` replaces it anyway
            await _reset_postgres(postgres_url)
        return postgres_url
    return f"sqlite+aiosqlite:///{tmp_path / 'c2cbot.sqlite3'}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
async def database(
    settings: Settings, sqlite_template: Path, postgres_template: str | None
) -> AsyncIterator[Database]:
    """A migrated and seeded database of the test's own: a copy of the run's template."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        shutil.copyfile(sqlite_template, url.database)
    else:
        assert postgres_template is not None
        await _copy_postgres(settings.database_url, postgres_template)
    database = Database(settings.database_url)
    yield database
    await database.close()


@pytest.fixture
async def bot(settings: Settings, database: Database) -> AsyncIterator[Bot]:
    bot = Bot(settings)
    yield bot
    await bot.stop()


async def make_invite(
    database: Database,
    partnership: str = "Gothenburg–Shanghai",
    role: str = "member",
    uses: int = 5,
    days: int = 14,
) -> str:
    async with database.transaction() as session:
        found = await find_partnership(session, partnership)
        invite = await create_invite(
            session,
            found,
            role=role,
            uses=uses,
            now=database.clock(),
            valid_for=timedelta(days=days),
        )
    return invite.code


@pytest.fixture
async def invite(database: Database) -> str:
    return await make_invite(database, role="coordinator")


@pytest.fixture
def person(bot: Bot) -> Iterator[Driver]:
    yield Driver(bot, "alice")


def walk_on_one_backend(database_url: str, variant: int) -> None:
    """Slow end-to-end walks run each variant (a language, a mode) once, spread over the
    configured backends instead of repeated on each; the engine's own tests cover both."""
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    chosen = BACKENDS[variant % len(BACKENDS)]
    if backend != chosen:
        pytest.skip(f"this walk runs once, on {chosen}")
