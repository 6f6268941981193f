"""One SQLite database serves one process: a second `madoguchi serve` on the same file refuses to start.

Two processes on one SQLite file would be two separate desks writing one journal (each rebuilds the other's
events into a state it never decided). An exclusive `flock` on a file next to the database is held for the
process's life; the kernel releases it when the process ends, however it ends (kill -9 included).
"""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url


class DatabaseInUse(RuntimeError):
    """Another process already serves this SQLite database."""


def lock_path(database_url: str) -> Path | None:
    """The lock file of a file-backed SQLite database (None: PostgreSQL or an in-memory database)."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    return Path(f"{url.database}.serving-lock")


def hold_sqlite_database(database_url: str) -> IO[str] | None:
    """Take the database for this process; keep the returned file open as long as the process serves."""
    path = lock_path(database_url)
    if path is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        database = path.name.removesuffix(".serving-lock")
        raise DatabaseInUse(
            f"another Madoguchi process already serves the SQLite database {database}: "
            "one SQLite database serves one process. To run several processes, set "
            "MADOGUCHI_DATABASE_URL=postgresql://user@host/db, MADOGUCHI_REDIS_URL=redis://host:6379/0 and "
            "MADOGUCHI_CLUSTER=true on every process."
        ) from None
    return handle
