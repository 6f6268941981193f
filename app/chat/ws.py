"""The chat.* frames of the app's websocket (app/live/ws.py hands them here).

- {"type": "chat.join", "consultation_id"}: a counselor follows a chat (gets chat.joined with the transcript,
  then every line as chat.message in Japanese);
- {"type": "chat.send", "consultation_id", "text", "ticket"?}: a counselor, or the resident with their watch
  ticket (or after watching with it), writes a line.
Refusals come back as {"type": "chat.error", "consultation_id", "status", "detail", "missing_pair"?}.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Protocol

from fastapi import WebSocket

from app.auth.principal import Principal
from app.chat import service
from app.errors import DomainError
from app.live.hub import Hub, Subscriber

log = logging.getLogger(__name__)


class ChatSession(Protocol):
    principal: Principal | None
    watching: set[str]


def chat_frame(text: str) -> dict[str, Any] | None:
    """The frame as a dict if it is a chat.* frame, else None (left to the other handlers)."""
    if '"chat.' not in text:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    if isinstance(data, dict) and str(data.get("type", "")).startswith("chat."):
        return data
    return None


async def handle_chat_frame(
    frame: dict[str, Any], websocket: WebSocket, session: ChatSession, hub: Hub, subscriber: Subscriber
) -> None:
    consultation_id = frame.get("consultation_id")
    try:
        if not isinstance(consultation_id, str):
            raise DomainError("chat frames need consultation_id")
        if frame["type"] == "chat.join":
            await _join(websocket, session, consultation_id, hub, subscriber)
        elif frame["type"] == "chat.send":
            await _send(websocket, session, consultation_id, frame, hub)
        else:
            raise DomainError(f"{frame['type']} is not a chat frame this server knows (chat.join, chat.send)")
    except DomainError as exc:
        error: dict[str, Any] = {
            "type": "chat.error",
            "consultation_id": consultation_id,
            "status": exc.status_code,
            "detail": exc.message,
        }
        if isinstance(exc, service.TranslationUnavailable):
            error["missing_pair"] = exc.missing_pair
        await websocket.send_text(json.dumps(error, ensure_ascii=False))


def _ticket(frame: dict[str, Any]) -> str | None:
    ticket = frame.get("ticket")
    return ticket if isinstance(ticket, str) and ticket else None


async def _join(
    websocket: WebSocket, session: ChatSession, consultation_id: str, hub: Hub, subscriber: Subscriber
) -> None:
    app = websocket.app
    async with app.state.sessionmaker() as db:
        case, actor = await service.case_for(
            db,
            session.principal,
            consultation_id,
            None,
            app.state.settings.room_secret,
            app.state.clock.now(),
        )
        if actor.sender != "counselor":
            raise DomainError("chat.join is for counselors; the resident follows the chat with watch")
        lines = await service.transcript(db, app.state.cipher, case)
        is_open = await service.chat_is_open(db, case.public_id)
    hub.subscribe(subscriber, [service.staff_topic(case.public_id)])
    await websocket.send_text(
        json.dumps(
            {
                "type": "chat.joined",
                "consultation_id": case.public_id,
                "language": case.language_code,
                "open": is_open,
                "messages": [line.frame("counselor") for line in lines],
            },
            ensure_ascii=False,
        )
    )


async def _send(
    websocket: WebSocket, session: ChatSession, consultation_id: str, frame: dict[str, Any], hub: Hub
) -> None:
    app = websocket.app
    ticket = _ticket(frame)
    async with app.state.sessionmaker() as db:
        if ticket is None and session.principal is None and consultation_id in session.watching:
            # watching without an account is only possible with a valid ticket: the resident
            case = await service.resident_case(db, consultation_id)
            actor = service.Actor("resident", None)
        else:
            case, actor = await service.case_for(
                db,
                session.principal,
                consultation_id,
                ticket,
                app.state.settings.room_secret,
                app.state.clock.now(),
            )
        line = await service.send_message(
            db, app.state.cipher, app.state.translator, case, actor, frame.get("text")
        )
        await db.commit()
    service.publish_line(hub, line)
