"""The scheduler's job store: the bot's database, reached through a synchronous driver."""

from __future__ import annotations

from sqlalchemy.engine import make_url


def job_store_url(url: str) -> str:
    """APScheduler 3's job store is synchronous: the same database through a sync driver."""
    parsed = make_url(url)
    drivers = {"sqlite+aiosqlite": "sqlite", "postgresql+asyncpg": "postgresql+psycopg"}
    if parsed.drivername not in drivers:
        shown = parsed.render_as_string(hide_password=True)
        raise ValueError(f"the scheduler's job store cannot use {shown}")
    return parsed.set(drivername=drivers[parsed.drivername]).render_as_string(hide_password=False)
