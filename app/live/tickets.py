"""Watch tickets: let a resident without an account follow their own consultation's status.

They reuse the room-token format under a key of their own, so a ticket can never be used to enter a call.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from realtime.tokens import TokenError, issue_room_token, verify_room_token

WATCHER = "watcher"
TICKET_TTL_S = 6 * 3600

__all__ = ["TICKET_TTL_S", "TicketError", "issue_watch_ticket", "verify_watch_ticket"]


class TicketError(Exception):
    """The ticket is not for this consultation, expired or forged."""


def _key(room_secret: bytes) -> bytes:
    return hashlib.sha256(b"madoguchi-watch-ticket-v1:" + room_secret).digest()


def issue_watch_ticket(
    room_secret: bytes, consultation_id: str, now: datetime, ttl_s: int = TICKET_TTL_S
) -> str:
    return issue_room_token(_key(room_secret), consultation_id, WATCHER, "resident", ttl_s, now)


def verify_watch_ticket(room_secret: bytes, ticket: str, consultation_id: str, now: datetime) -> None:
    try:
        claims = verify_room_token(_key(room_secret), ticket, room_id=consultation_id, now=now)
    except TokenError as exc:
        raise TicketError(str(exc)) from None
    if claims.participant_id != WATCHER:
        raise TicketError("not a watch ticket")
