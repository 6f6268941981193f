"""The accepted range of every id, day and instant the API takes, so hostile values answer 422, never 500.

Row ids are PostgreSQL INTEGER columns (a larger number overflows the driver); days and instants stay far from
the years 1 and 9999, where date arithmetic (a range of days, an end minus a duration) overflows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field
from pydantic_core import PydanticCustomError

ID_MAX = 2**31 - 1
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
ACCEPTED_DAYS = f"from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"


def _out_of_range(what: str) -> PydanticCustomError:
    return PydanticCustomError(
        "date_out_of_range",
        "a {what} {accepted} is accepted",
        {
            "what": what,
            "accepted": ACCEPTED_DAYS,
            "first": FIRST_DAY.isoformat(),
            "last": LAST_DAY.isoformat(),
        },
    )


def check_day(value: date) -> date:
    """The day, if it lies in the accepted range."""
    if not FIRST_DAY <= value <= LAST_DAY:
        raise _out_of_range("day")
    return value


def check_instant(value: datetime) -> datetime:
    """The instant, if its own calendar day lies in the accepted range (checked before any conversion)."""
    if not FIRST_DAY <= value.date() <= LAST_DAY:
        raise _out_of_range("time")
    return value


RowId = Annotated[int, Field(ge=1, le=ID_MAX)]
Day = Annotated[date, AfterValidator(check_day)]
Instant = Annotated[datetime, AfterValidator(check_instant)]
AwareInstant = Annotated[AwareDatetime, AfterValidator(check_instant)]
