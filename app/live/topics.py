"""Hub topic names and participant ids, in one place so publishers and subscribers agree."""

from __future__ import annotations

DESK = "desk"  # counselors' and admins' consoles: the live queue changed


def interpreter(interpreter_id: str | int) -> str:
    return f"interpreter:{interpreter_id}"


def staff(staff_user_id: str | int) -> str:
    return f"staff:{staff_user_id}"


def site(site_id: str | int) -> str:
    return f"site:{site_id}"


def consultation(public_id: str) -> str:
    return f"consultation:{public_id}"


def connection(connection_id: str) -> str:
    return f"conn:{connection_id}"


def counselor_participant(staff_user_id: str | int) -> str:
    return f"staff-{staff_user_id}"


def interpreter_participant(interpreter_id: str | int) -> str:
    return f"interp-{interpreter_id}"


def tablet_participant(public_id: str) -> str:
    return f"tablet-{public_id[:8]}"


def resident_participant(public_id: str) -> str:
    return f"resident-{public_id[:8]}"


def phone_participant(public_id: str) -> str:
    """The phone bridge carrying a telephone caller (one per phone consultation)."""
    return f"phone-{public_id[:8]}"


def offer_id(request_id: str, interpreter_id: str, deadline_epoch: int) -> str:
    """Deterministic, so the same offer has the same id after a restart rebuilt it from the journal."""
    return f"{request_id}.{interpreter_id}.{deadline_epoch}"


def parse_offer_id(value: str) -> tuple[str, str] | None:
    parts = value.split(".")
    if len(parts) != 3 or not all(parts):
        return None
    return parts[0], parts[1]
