"""The websocket's chat frames: a counselor joins a chat, either side sends a line (app/chat/frames.py)."""

from __future__ import annotations

from fastapi import WebSocket

from app.audit.service import record
from app.chat import frames, service
from app.errors import DomainError
from app.live.hub import Hub, Subscriber
from app.socket.session import Session
from realtime.protocol import encode


async def handle_chat(
    frame: frames.ChatClientFrame, websocket: WebSocket, session: Session, hub: Hub, subscriber: Subscriber
) -> None:
    """Act on chat.join or chat.send; a refusal comes back as chat.error (the socket carries on)."""
    try:
        match frame:
            case frames.ChatJoin():
                await _join(websocket, session, frame, hub, subscriber)
            case frames.ChatSend():
                await _send(websocket, session, frame, hub)
    except DomainError as exc:
        missing = exc.missing_pair if isinstance(exc, service.TranslationUnavailable) else None
        error = frames.ChatError(
            consultation_id=frame.consultation_id,
            status=exc.status_code,
            detail=exc.message,
            missing_pair=None if missing is None else tuple(missing),
        )
        await websocket.send_text(encode(error))


async def _join(
    websocket: WebSocket, session: Session, frame: frames.ChatJoin, hub: Hub, subscriber: Subscriber
) -> None:
    app = websocket.app
    async with app.state.sessionmaker() as db:
        case, actor = await service.case_for(
            db,
            session.principal,
            frame.consultation_id,
            None,
            app.state.settings.room_secret,
            app.state.clock.now(),
        )
        if actor.sender != "counselor":
            raise DomainError("chat.join is for counselors; the resident follows the chat with watch")
        lines = await service.transcript(db, app.state.cipher, case)
        is_open = await service.chat_is_open(db, case.public_id)
        client_ip = websocket.client.host if websocket.client else None
        await record(
            db, actor.principal, "chat.read", "consultation", case.public_id, {"via": "socket"}, client_ip
        )
        await db.commit()
    hub.subscribe(subscriber, [service.staff_topic(case.public_id)])
    joined = frames.ChatJoined(
        consultation_id=case.public_id,
        language=case.language_code,
        open=is_open,
        messages=tuple(line.frame("counselor") for line in lines),
    )
    await websocket.send_text(encode(joined))


async def _send(websocket: WebSocket, session: Session, frame: frames.ChatSend, hub: Hub) -> None:
    app = websocket.app
    ticket = frame.ticket or None
    consultation_id = frame.consultation_id
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
        line = await service.send_message(db, app.state.cipher, app.state.translator, case, actor, frame.text)
        await db.commit()
    service.publish_line(hub, line)
