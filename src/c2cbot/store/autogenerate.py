"""What Alembic compares when it checks or autogenerates migrations from the models.

APScheduler keeps its jobs in a table of its own in the shared database
(``apscheduler_jobs``); APScheduler creates and owns it, so migrations must neither
create nor drop it, and comparing models with the database must not report it.
"""

from __future__ import annotations

from typing import Any

FOREIGN_TABLES = frozenset({"apscheduler_jobs"})


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's ``include_object`` hook: skip tables (and their parts) owned by others."""
    if type_ == "table":
        return name not in FOREIGN_TABLES
    table = getattr(obj, "table", None)
    return getattr(table, "name", None) not in FOREIGN_TABLES
