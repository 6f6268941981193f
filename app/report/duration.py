"""Interpreter time as coordinators read it on invoices: hours and minutes, not thousands of raw minutes."""

from __future__ import annotations


def hours_minutes(minutes: float) -> tuple[str, str]:
    """(Japanese, English) for minutes, to the minute: 750.4 -> ('12時間30分', '12 h 30 min')."""
    total = max(0, int(minutes + 0.5))  # half a minute up, as on a bill
    hours, rest = divmod(total, 60)
    if hours == 0:
        return f"{rest}分", f"{rest} min"
    return f"{hours}時間{rest}分", f"{hours} h {rest} min"
