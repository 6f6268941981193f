"""Only `app/clock.py` reads the wall clock: everything else asks the one clock, so tests choose the instant.

An AST check over the product, the tests and the benchmarks. Measuring an interval (`time.monotonic`,
`time.perf_counter`, the event loop's `loop.time()`) is allowed: it says how long, never what time it is.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("app", "routing", "realtime", "migrations", "tests", "bench")
# The one place that may read the wall clock, and why.
ALLOWED = {
    "app/clock.py": "SystemClock is the one clock",
}
WALL_CLOCK_METHODS = {"now", "utcnow", "today", "fromtimestamp"}
DATE_TYPES = {"datetime", "date"}
TIME_FUNCTIONS = {"time", "time_ns", "localtime", "gmtime", "ctime", "asctime", "strftime"}


def wall_clock_reads(source: str) -> list[tuple[int, str]]:
    """(line, call) for each call that reads the wall clock in `source`."""
    tree = ast.parse(source)
    from_time = {  # `from time import time` and the like: the bare name is the wall clock
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "time"
        for alias in node.names
        if alias.name in TIME_FUNCTIONS
    }
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute):
            owner = _last_name(func.value)
            if func.attr in WALL_CLOCK_METHODS and owner in DATE_TYPES:
                if func.attr == "fromtimestamp" and node.args:
                    continue  # converting a given timestamp reads no clock
                found.append((node.lineno, f"{owner}.{func.attr}()"))
            elif owner == "time" and func.attr in TIME_FUNCTIONS and not _is_datetime_time(func.value):
                found.append((node.lineno, f"time.{func.attr}()"))
        elif isinstance(func, ast.Name) and func.id in from_time:
            found.append((node.lineno, f"{func.id}()"))
    return sorted(found)


def _last_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_datetime_time(node: ast.expr) -> bool:
    """`datetime.time(...)` builds a time of day; only the `time` module's functions read the clock."""
    return isinstance(node, ast.Attribute) and _last_name(node.value) == "datetime"


def _python_files() -> list[Path]:
    return sorted(path for top in SCANNED for path in (ROOT / top).rglob("*.py") if ".venv" not in path.parts)


def test_nothing_outside_the_clock_reads_the_wall_clock() -> None:
    offenders = []
    for path in _python_files():
        relative = path.relative_to(ROOT).as_posix()
        if relative in ALLOWED:
            continue
        offenders += [f"{relative}:{line}: {call}" for line, call in wall_clock_reads(path.read_text())]
    assert not offenders, "use the one clock (app/clock.py; the `clock` fixture in tests):\n" + "\n".join(
        offenders
    )


def test_the_allow_list_names_files_that_exist() -> None:
    assert all((ROOT / name).is_file() for name in ALLOWED)


@pytest.mark.parametrize(
    "source",
    [
        "from datetime import datetime, UTC\nx = datetime.now(UTC)",
        "import datetime\nx = datetime.datetime.utcnow()",
        "from datetime import date\nx = date.today()",
        "import time\nx = time.time()",
        "from time import time as wall\nx = wall()",
        "import datetime as dt\nx = dt.datetime.now()",
        "from datetime import datetime\nx = datetime.fromtimestamp()",
    ],
)
def test_the_check_finds_each_way_of_reading_the_wall_clock(source: str) -> None:
    assert len(wall_clock_reads(source)) == 1


@pytest.mark.parametrize(
    "source",
    [
        "import time\nx = time.monotonic()",
        "import time\nx = time.perf_counter()",
        "from datetime import time\nx = time(9, 0)",
        "import datetime\nx = datetime.time(9, 0)",
        "from datetime import datetime\nx = datetime.fromtimestamp(0)",
        "x = clock.now()",
        "x = loop.time()",
    ],
)
def test_the_check_lets_intervals_and_the_one_clock_through(source: str) -> None:
    assert wall_clock_reads(source) == []
