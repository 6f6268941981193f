"""A booking as an iCalendar file (RFC 5545), so the resident's phone reminds them of the slot.

Written by hand (no dependency): one VEVENT with UTC times, TEXT values escaped and every line folded at
75 octets without splitting a UTF-8 character. Pure: the caller passes the clock's `now` as DTSTAMP.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

PRODID = "-//Madoguchi//Reservation//EN"
FOLD_AT = 75  # octets per line, CRLF excluded (RFC 5545 3.1)


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """What one booked slot puts in the resident's calendar."""

    uid: str
    stamp: datetime
    starts: datetime
    ends: datetime
    summary: str
    description: str
    url: str | None = None


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma escaped, line breaks as \\n."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def utc_stamp(moment: datetime) -> str:
    """A DATE-TIME in UTC ("Z" form), the one every calendar reads the same way."""
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Split a content line into 75-octet pieces joined by CRLF and a space, never inside a character."""
    pieces: list[str] = []
    current = ""
    size = 0
    limit = FOLD_AT
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, FOLD_AT - 1  # continuation lines start with one space
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def ics(event: CalendarEvent) -> str:
    """The whole VCALENDAR text, CRLF line ends, ready to serve as text/calendar."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{utc_stamp(event.stamp)}",
        f"DTSTART:{utc_stamp(event.starts)}",
        f"DTEND:{utc_stamp(event.ends)}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"DESCRIPTION:{escape_text(event.description)}",
    ]
    if event.url:
        lines.append(f"URL:{event.url}")  # a URI value: not escaped
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)
