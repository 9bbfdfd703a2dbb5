"""A database error names the statement, never its values: answers and tokens stay out of logs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import DBAPIError

from c2cbot.store.database import Database
from c2cbot.store.models import AccessToken

SECRET = "wx-token-0123456789-secret"


async def test_an_error_hides_the_values_it_was_given(database: Database) -> None:
    now = datetime(2026, 12, 4, tzinfo=UTC)
    async with database.transaction() as session:
        session.add(AccessToken(key="wechat", token=SECRET, expires_at=now, updated_at=now))
    with pytest.raises(DBAPIError) as raised:
        async with database.transaction() as session:  # the same key again: a conflict
            session.add(AccessToken(key="wechat", token=SECRET, expires_at=now, updated_at=now))
    assert "access_tokens" in str(raised.value)  # the statement is named
    assert SECRET not in str(raised.value) and SECRET not in repr(raised.value)
