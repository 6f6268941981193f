"""What the websocket does with each typed frame: one ``match`` over every frame a client may send.

Sign-in, watching and chat frames are answered before presence is touched (they are not signs of life of a
pool member); pool and room frames then keep the sender's presence fresh and go to the gateway.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import WebSocket
from sqlalchemy import select

from app.auth.principal import DEVICE, Principal, Via
from app.auth.service import principal_from_bearer, principal_from_session_cookie
from app.chat.frames import ChatJoin, ChatSend
from app.config import Mode
from app.consultation.models import Consultation
from app.consultation.repository import scoped
from app.enums import Role
from app.errors import DomainError
from app.live import topics
from app.live.case_status import fallback_choices
from app.live.frames import Watching
from app.live.gateway import Gateway, error_frame, interpreter_id_of
from app.live.hub import Hub, Subscriber
from app.live.tickets import TicketError, verify_watch_ticket
from app.socket.chat import handle_chat
from app.socket.protocol import ClientFrame, Hello, SignedIn, Watch
from app.socket.session import Session, topics_for
from realtime.presence import UnknownConnection
from realtime.protocol import (
    ErrorCode,
    Heartbeat,
    MediaModeSet,
    OfferAccept,
    OfferDecline,
    PresenceUpdate,
    RoomJoin,
    RoomLeave,
    SignalAnswer,
    SignalIce,
    SignalOffer,
    encode,
)

CLOSE_POLICY = 1008


@dataclass(frozen=True, slots=True)
class Connection:
    """The socket a frame came in on, and its place in the hub."""

    websocket: WebSocket
    session: Session
    gateway: Gateway
    hub: Hub
    subscriber: Subscriber


class Refused(Exception):
    """A well-formed frame this socket may not send: answered by an ``error`` frame; the socket goes on."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


async def dispatch(frame: ClientFrame, conn: Connection) -> bool:
    """Act on one decoded frame; returns False when the socket must close."""
    websocket, session, gateway = conn.websocket, conn.session, conn.gateway
    gateway.alive(session.connection_id, gateway.desk.clock.now())  # a resident's screen still there
    if _privileged(frame) and not await still_permitted(session, websocket):
        await websocket.close(CLOSE_POLICY, "signed out or permission revoked: sign in again")
        return False
    match frame:
        case ChatJoin() | ChatSend():  # machine-translated chat
            await handle_chat(frame, websocket, session, conn.hub, conn.subscriber)
            return True
        case Hello():
            await _hello(frame, conn)
            return True
        case Watch():
            await _watch(frame, conn)
            return True
    now = gateway.desk.clock.now()
    if session.interpreter_id is not None and not gateway.interpreters.touch(session.connection_id, now):
        await websocket.close(CLOSE_POLICY, "replaced by a newer connection")
        return False
    if session.is_counselor:
        gateway.counselors.touch(session.connection_id, now)
    try:
        match frame:
            case Heartbeat():
                pass
            case PresenceUpdate():
                await _presence(frame, session, gateway)
            case OfferAccept() | OfferDecline():
                if session.interpreter_id is None:
                    raise Refused(ErrorCode.FORBIDDEN, "only a signed-in interpreter can answer offers")
                accept = isinstance(frame, OfferAccept)
                await gateway.answer_offer(session.interpreter_id, frame.offer_id, accept, now)
            case RoomJoin() | RoomLeave() | SignalOffer() | SignalAnswer() | SignalIce() | MediaModeSet():
                await gateway.room_frame(session.connection_id, frame, now, session.participant)
    except Refused as exc:
        await websocket.send_text(error_frame(exc.code, exc.message))
    except UnknownConnection:  # never a crash: this socket is no member's live connection (any more)
        message = "this connection is not signed in to a pool (or a newer one replaced it): reconnect"
        await websocket.send_text(error_frame(ErrorCode.NOT_CONNECTED, message))
    except DomainError as exc:
        code = ErrorCode.OFFER_GONE if exc.status_code == 409 else ErrorCode.FORBIDDEN
        await websocket.send_text(error_frame(code, exc.message))
    return True


def _privileged(frame: ClientFrame) -> bool:
    """Frames that read or act on the desk's records; heartbeats, sign-in and room signaling (already gated
    by its room token) are not re-checked."""
    return isinstance(
        frame, ChatJoin | ChatSend | Watch | PresenceUpdate | OfferAccept | OfferDecline | RoomJoin
    )


async def still_permitted(session: Session, websocket: WebSocket) -> bool:
    """Is the credential this socket signed in with still good, for the same person, role and scope?

    Residents (no account) have nothing to re-check: their watch ticket and room tokens are checked per frame.
    """
    if session.principal is None:
        return True
    if session.credential is None:
        return False
    app = websocket.app
    now = app.state.clock.now()
    demo = app.state.settings.mode is Mode.demo
    async with app.state.sessionmaker() as db:
        if session.principal.via is Via.cookie:
            now_as = await principal_from_session_cookie(db, session.credential, now, demo_allowed=demo)
        else:
            now_as = await principal_from_bearer(db, session.credential, now, demo_allowed=demo)
    return now_as is not None and _same_grant(now_as, session.principal)


def _same_grant(now_as: Principal, was: Principal) -> bool:
    return (
        now_as.role,
        now_as.staff_user_id,
        now_as.device_id,
        now_as.site_id,
        now_as.municipality_code,
    ) == (
        was.role,
        was.staff_user_id,
        was.device_id,
        was.site_id,
        was.municipality_code,
    )


async def _presence(frame: PresenceUpdate, session: Session, gateway: Gateway) -> None:
    now = gateway.desk.clock.now()
    principal = session.principal
    if session.interpreter_id is not None:
        gateway.interpreters.set_state(session.connection_id, frame.state, now)
        await gateway.interpreter_state(session.interpreter_id, frame.state, now)
    elif principal is not None and session.is_counselor and principal.staff_user_id is not None:
        gateway.counselors.set_state(session.connection_id, frame.state, now)
        await gateway.counselor_state(principal.staff_user_id, frame.state, now)
    else:
        raise Refused(ErrorCode.FORBIDDEN, "presence is for signed-in counselors and interpreters")


async def _hello(frame: Hello, conn: Connection) -> None:
    """Bearer clients (counter tablets, API clients) sign in on an open socket."""
    websocket, session = conn.websocket, conn.session
    app = websocket.app
    if session.principal is not None:
        await websocket.send_text(error_frame(ErrorCode.FORBIDDEN, "hello needs a bearer token, once"))
        return
    async with app.state.sessionmaker() as db:
        principal = await principal_from_bearer(
            db, frame.token, app.state.clock.now(), demo_allowed=app.state.settings.mode is Mode.demo
        )
    if principal is None:
        await websocket.send_text(error_frame(ErrorCode.BAD_TOKEN, "unknown, revoked or expired token"))
        return
    session.principal, session.credential = principal, frame.token
    now = app.state.clock.now()
    if principal.role == Role.interpreter and principal.staff_user_id is not None:
        async with app.state.sessionmaker() as db:
            session.interpreter_id = await interpreter_id_of(db, principal.staff_user_id)
        if session.interpreter_id is not None:
            conn.gateway.interpreters.connect(str(session.interpreter_id), session.connection_id, now)
    elif session.is_counselor and principal.staff_user_id is not None:
        conn.gateway.counselors.connect(str(principal.staff_user_id), session.connection_id, now)
    conn.hub.subscribe(conn.subscriber, topics_for(session))
    signed_in = SignedIn(role=principal.role, server_time=app.state.clock.now().isoformat())
    await websocket.send_text(encode(signed_in))


async def _watch(frame: Watch, conn: Connection) -> None:
    """Follow one consultation: its status now, then every change (and its call, if one is under way)."""
    websocket, session = conn.websocket, conn.session
    app = websocket.app
    consultation_id = frame.consultation_id
    if not await _may_watch(websocket, session, consultation_id, frame.ticket):
        await websocket.send_text(error_frame(ErrorCode.FORBIDDEN, "you may not follow this consultation"))
        return
    session.watching.add(consultation_id)
    conn.hub.subscribe(conn.subscriber, [topics.consultation(consultation_id)])
    if frame.ticket is not None or (session.principal is not None and session.principal.role == DEVICE):
        conn.gateway.watch(session.connection_id, consultation_id, app.state.clock.now())
    desk = app.state.desk
    position = desk.position(consultation_id)
    async with app.state.sessionmaker() as db:
        status = await db.scalar(select(Consultation.status).where(Consultation.public_id == consultation_id))
    watching = Watching(
        consultation_id=consultation_id,
        status=status.value if status else None,
        position=position.position if position else None,
        estimated_wait_s=position.estimated_wait_s if position else None,
        fallback=fallback_choices(desk, consultation_id),
    )
    await websocket.send_text(encode(watching))
    for invite in await desk.resume_front(consultation_id):  # its call may have begun before it watched
        await websocket.send_text(invite)


async def _may_watch(
    websocket: WebSocket, session: Session, consultation_id: str, ticket: str | None
) -> bool:
    if ticket is not None:
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
