"""The app's websocket: one per screen; live pushes out, presence, offers and call signaling in.

Who you are decides what you hear: staff sign in with the session cookie, counter tablets and API clients with
a `hello` frame carrying their bearer token, residents (no account) only with room tokens and a consultation
watch ticket. Each frame opens its own short database session.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from sqlalchemy import select

from app.auth.principal import DEVICE, Principal
from app.auth.service import principal_from_bearer, principal_from_session_cookie
from app.auth.session_cookie import SESSION_COOKIE
from app.chat.ws import chat_frame, handle_chat_frame
from app.consultation.models import Consultation
from app.consultation.repository import scoped
from app.enums import Role
from app.errors import DomainError
from app.live import topics
from app.live.gateway import Gateway, error_frame, interpreter_id_of
from app.live.hub import Hub, Subscriber
from app.live.tickets import TicketError, verify_watch_ticket
from realtime.protocol import (
    ErrorCode,
    Heartbeat,
    OfferAccept,
    OfferDecline,
    PresenceUpdate,
    ProtocolError,
    decode,
    encode,
    error_from,
)
from realtime.signaling import ROOM_MESSAGE_TYPES

log = logging.getLogger(__name__)
router = APIRouter()

CLOSE_UNSUPPORTED = 1003
CLOSE_POLICY = 1008
CLOSE_SERVER_ERROR = 1011
MAX_BAD_FRAMES = 5


@dataclass
class Session:
    connection_id: str
    principal: Principal | None = None
    interpreter_id: int | None = None
    watching: set[str] = field(default_factory=set)
    bad_frames: int = 0

    @property
    def participant(self) -> str | None:
        """Signed-in people are pinned to their own participant id in rooms; tablets and residents are not."""
        if self.interpreter_id is not None:
            return topics.interpreter_participant(self.interpreter_id)
        if self.principal is not None and self.principal.staff_user_id is not None:
            return topics.counselor_participant(self.principal.staff_user_id)
        return None


def _topics_for(session: Session) -> list[str]:
    principal = session.principal
    found = [topics.connection(session.connection_id)]
    if principal is None:
        return found
    if session.interpreter_id is not None:
        found.append(topics.interpreter(session.interpreter_id))
    if principal.staff_user_id is not None:
        found.append(topics.staff(principal.staff_user_id))
    if principal.role in (Role.counselor, Role.admin):
        found.append(topics.DESK)
    if principal.site_id is not None and principal.role in (Role.counter_staff, DEVICE):
        found.append(topics.site(principal.site_id))
    return found


@router.websocket("/ws")
async def live_socket(websocket: WebSocket) -> None:
    app = websocket.app
    gateway: Gateway = app.state.gateway
    hub: Hub = app.state.hub
    await websocket.accept()
    session = Session(connection_id=uuid.uuid4().hex)
    cookie = websocket.cookies.get(SESSION_COOKIE)
    if cookie:
        async with app.state.sessionmaker() as db:
            session.principal = await principal_from_session_cookie(db, cookie, app.state.clock.now())
            if session.principal is not None and session.principal.role == Role.interpreter:
                assert session.principal.staff_user_id is not None
                session.interpreter_id = await interpreter_id_of(db, session.principal.staff_user_id)
    subscriber = Subscriber(websocket.send_text, websocket.close, session.connection_id)
    subscriber.start()
    hub.subscribe(subscriber, _topics_for(session))
    await _welcome(websocket, session, gateway)
    try:
        while True:
            text = await websocket.receive_text()
            keep_open = await _handle(text, websocket, session, gateway, hub, subscriber)
            if not keep_open:
                break
    except WebSocketDisconnect:
        pass
    except Exception:
        log.exception("websocket %s failed", session.connection_id)
        await websocket.close(CLOSE_SERVER_ERROR)
    finally:
        hub.unsubscribe(subscriber)
        await subscriber.stop()
        await gateway.disconnected(session.connection_id, app.state.clock.now())


async def _welcome(websocket: WebSocket, session: Session, gateway: Gateway) -> None:
    principal = session.principal
    now = gateway.desk.clock.now()
    resume: list[str] = []
    if session.interpreter_id is not None:
        gateway.interpreters.connect(str(session.interpreter_id), session.connection_id, now)
        resume = await gateway.desk.resume(interpreter_id=str(session.interpreter_id))
    elif principal is not None and principal.role == Role.counselor and principal.staff_user_id is not None:
        gateway.counselors.connect(str(principal.staff_user_id), session.connection_id, now)
        resume = await gateway.desk.resume(counselor_id=str(principal.staff_user_id))
    await websocket.send_text(
        json.dumps(
            {
                "type": "hello",
                "connection_id": session.connection_id,
                "role": principal.role if principal else "anonymous",
                "participant_id": session.participant,
                "server_time": now.isoformat(),  # screens measure countdowns and waits on the server's clock
            }
        )
    )
    for frame in resume:
        await websocket.send_text(frame)


async def _handle(
    text: str, websocket: WebSocket, session: Session, gateway: Gateway, hub: Hub, subscriber: Subscriber
) -> bool:
    """Act on one frame; returns False when the socket must close."""
    now = gateway.desk.clock.now()
    try:
        chat = chat_frame(text)
        if chat is not None:  # machine-translated chat: app/chat/ws.py
            await handle_chat_frame(chat, websocket, session, hub, subscriber)
            return True
        app_frame = _app_frame(text)
        if app_frame is not None:
            await _handle_app_frame(app_frame, websocket, session, hub, subscriber)
            return True
        msg = decode(text)
    except ProtocolError as exc:
        session.bad_frames += 1
        await websocket.send_text(encode(error_from(exc)))
        if session.bad_frames >= MAX_BAD_FRAMES:
            await websocket.close(CLOSE_UNSUPPORTED, "too many malformed frames")
            return False
        return True
    if session.interpreter_id is not None and not gateway.interpreters.touch(session.connection_id, now):
        await websocket.close(CLOSE_POLICY, "replaced by a newer connection")
        return False
    if session.principal is not None and session.principal.role == Role.counselor:
        gateway.counselors.touch(session.connection_id, now)
    try:
        if isinstance(msg, Heartbeat):
            return True
        if isinstance(msg, PresenceUpdate):
            await _presence(msg, session, gateway)
        elif isinstance(msg, OfferAccept | OfferDecline):
            if session.interpreter_id is None:
                raise _Refused(ErrorCode.FORBIDDEN, "only a signed-in interpreter can answer offers")
            await gateway.answer_offer(
                session.interpreter_id, msg.offer_id, isinstance(msg, OfferAccept), now
            )
        elif isinstance(msg, ROOM_MESSAGE_TYPES):
            await gateway.room_frame(session.connection_id, msg, now, session.participant)
        else:
            raise _Refused(ErrorCode.FORBIDDEN, f"{type(msg).TYPE} is not accepted here")
    except _Refused as exc:
        await websocket.send_text(error_frame(exc.code, exc.message))
    except DomainError as exc:
        code = ErrorCode.OFFER_GONE if exc.status_code == 409 else ErrorCode.FORBIDDEN
        await websocket.send_text(error_frame(code, exc.message))
    return True


class _Refused(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


async def _presence(msg: PresenceUpdate, session: Session, gateway: Gateway) -> None:
    now = gateway.desk.clock.now()
    principal = session.principal
    if session.interpreter_id is not None:
        gateway.interpreters.set_state(session.connection_id, msg.state, now)
        await gateway.interpreter_state(session.interpreter_id, msg.state, now)
    elif principal is not None and principal.role == Role.counselor and principal.staff_user_id is not None:
        gateway.counselors.set_state(session.connection_id, msg.state, now)
        await gateway.counselor_state(principal.staff_user_id, msg.state, now)
    else:
        raise _Refused(ErrorCode.FORBIDDEN, "presence is for signed-in counselors and interpreters")


def _app_frame(text: str) -> dict[str, object] | None:
    """The two frames the app handles itself (sign-in of bearer clients, watching a consultation)."""
    if '"hello"' not in text and '"watch"' not in text:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    if isinstance(data, dict) and data.get("type") in ("hello", "watch"):
        return data
    return None


async def _handle_app_frame(
    frame: dict[str, object], websocket: WebSocket, session: Session, hub: Hub, subscriber: Subscriber
) -> None:
    app = websocket.app
    if frame["type"] == "hello":
        token = frame.get("token")
        if session.principal is not None or not isinstance(token, str):
            await websocket.send_text(error_frame(ErrorCode.FORBIDDEN, "hello needs a bearer token, once"))
            return
        async with app.state.sessionmaker() as db:
            principal = await principal_from_bearer(db, token, app.state.clock.now())
        if principal is None:
            await websocket.send_text(error_frame(ErrorCode.BAD_TOKEN, "unknown, revoked or expired token"))
            return
        session.principal = principal
        hub.subscribe(subscriber, _topics_for(session))
        hello = {"type": "hello", "role": principal.role, "server_time": app.state.clock.now().isoformat()}
        await websocket.send_text(json.dumps(hello))
        return
    consultation_id = frame.get("consultation_id")
    if not isinstance(consultation_id, str):
        await websocket.send_text(
            error_frame(ErrorCode.INVALID_FIELD, "watch needs consultation_id", "consultation_id")
        )
        return
    if not await _may_watch(websocket, session, consultation_id, frame.get("ticket")):
        await websocket.send_text(error_frame(ErrorCode.FORBIDDEN, "you may not follow this consultation"))
        return
    session.watching.add(consultation_id)
    hub.subscribe(subscriber, [topics.consultation(consultation_id)])
    desk = app.state.desk
    position = desk.position(consultation_id)
    async with app.state.sessionmaker() as db:
        status = await db.scalar(select(Consultation.status).where(Consultation.public_id == consultation_id))
    await websocket.send_text(
        json.dumps(
            {
                "type": "watching",
                "consultation_id": consultation_id,
                "status": status.value if status else None,
                "position": position.position if position else None,
                "estimated_wait_s": position.estimated_wait_s if position else None,
            }
        )
    )
    for invite in await desk.resume_front(consultation_id):  # its call may have begun before it watched
        await websocket.send_text(invite)


async def _may_watch(websocket: WebSocket, session: Session, consultation_id: str, ticket: object) -> bool:
    if isinstance(ticket, str):
        try:
            verify_watch_ticket(
                websocket.app.state.settings.room_secret,
                ticket,
                consultation_id,
                websocket.app.state.clock.now(),
            )
        except TicketError:
            return False
        return True
    if session.principal is None:
        return False
    async with websocket.app.state.sessionmaker() as db:
        found = await db.scalar(scoped(session.principal).where(Consultation.public_id == consultation_id))
    return found is not None
