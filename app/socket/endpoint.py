"""The app's websocket: one per screen; live pushes out, presence, offers, chat and call signaling in.

Who you are decides what you hear: staff sign in with the session cookie, counter tablets and API clients with
a `hello` frame carrying their bearer token, residents (no account) only with room tokens and a consultation
watch ticket. Each frame is decoded once (app/socket/protocol.py) and dispatched (app/socket/dispatch.py);
each opens its own short database session.
"""

from __future__ import annotations

import logging
import uuid

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from app.auth.service import principal_from_session_cookie
from app.config import Mode
from app.deps import SESSION_COOKIE
from app.enums import Role
from app.live.gateway import Gateway, interpreter_id_of
from app.live.hub import Hub, Subscriber
from app.socket.dispatch import Connection, dispatch
from app.socket.origin import origin_allowed
from app.socket.protocol import Welcome, decode_client
from app.socket.session import Session, topics_for
from realtime.protocol import ProtocolError, encode, error_from

log = logging.getLogger(__name__)
router = APIRouter()

CLOSE_UNSUPPORTED = 1003
CLOSE_POLICY = 1008
CLOSE_SERVER_ERROR = 1011
MAX_BAD_FRAMES = 5


@router.websocket("/ws")
async def live_socket(websocket: WebSocket) -> None:
    app = websocket.app
    gateway: Gateway = app.state.gateway
    hub: Hub = app.state.hub
    headers, allowed = websocket.headers, app.state.settings.ws_allowed_origins
    if not origin_allowed(headers.get("origin"), headers.get("host"), allowed):
        await websocket.close(CLOSE_POLICY)  # before accept: the browser gets 403, the page no socket
        return
    await websocket.accept()
    session = Session(connection_id=uuid.uuid4().hex)
    cookie = websocket.cookies.get(SESSION_COOKIE)
    if cookie:
        async with app.state.sessionmaker() as db:
            session.principal = await principal_from_session_cookie(
                db, cookie, app.state.clock.now(), demo_allowed=app.state.settings.mode is Mode.demo
            )
            session.credential = cookie if session.principal is not None else None
            if session.principal is not None and session.principal.role == Role.interpreter:
                assert session.principal.staff_user_id is not None
                session.interpreter_id = await interpreter_id_of(db, session.principal.staff_user_id)
    subscriber = Subscriber(websocket.send_text, websocket.close, session.connection_id, eager=True)
    subscriber.start()
    hub.subscribe(subscriber, topics_for(session))
    await _welcome(websocket, session, gateway)
    conn = Connection(websocket, session, gateway, hub, subscriber)
    try:
        while True:
            text = await _next_text(websocket)
            if text is None:
                await websocket.close(CLOSE_UNSUPPORTED, "binary frames are not supported")
                break
            if not await _receive(text, conn):
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


async def _next_text(websocket: WebSocket) -> str | None:
    """The next text frame; None for a binary one (the protocol is JSON text only)."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
    text = message.get("text")
    return text if isinstance(text, str) else None


async def _welcome(websocket: WebSocket, session: Session, gateway: Gateway) -> None:
    principal = session.principal
    now = gateway.desk.clock.now()
    resume: list[str] = []
    if session.interpreter_id is not None:
        gateway.interpreters.connect(str(session.interpreter_id), session.connection_id, now)
        resume = await gateway.desk.resume(interpreter_id=str(session.interpreter_id))
    elif principal is not None and session.is_counselor and principal.staff_user_id is not None:
        gateway.counselors.connect(str(principal.staff_user_id), session.connection_id, now)
        resume = await gateway.desk.resume(counselor_id=str(principal.staff_user_id))
    welcome = Welcome(
        connection_id=session.connection_id,
        role=principal.role if principal else "anonymous",
        participant_id=session.participant,
        server_time=now.isoformat(),  # screens measure countdowns and waits on the server's clock
    )
    await websocket.send_text(encode(welcome))
    for frame in resume:
        await websocket.send_text(frame)


async def _receive(text: str, conn: Connection) -> bool:
    """Decode one frame and act on it; returns False when the socket must close."""
    try:
        frame = decode_client(text)
    except ProtocolError as exc:
        conn.session.bad_frames += 1
        await conn.websocket.send_text(encode(error_from(exc)))
        if conn.session.bad_frames >= MAX_BAD_FRAMES:
            await conn.websocket.close(CLOSE_UNSUPPORTED, "too many malformed frames")
            return False
        return True
    return await dispatch(frame, conn)
