"""The SIP/RTP adapter: the only module that knows the SIP library (aiosipua) and the RTP one (aiortp).

Everything else sees :class:`PhoneLine` (answered calls, hang-ups) and :class:`SipCall` (one call's PCM audio,
keys and hang-up), so the stack can be swapped by rewriting this file. What the adapter adds to the
libraries: DTMF by SIP INFO (``application/dtmf-relay`` and ``application/dtmf``), a 400 for a request the
library cannot make sense of, one 20 ms clock that paces every call's outgoing audio, RTP ports from a
configured range, and optional registration at the PBX or trunk.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiosipua import SipUAC, SipUAS
from aiosipua.auth import SipDigestAuth
from aiosipua.dialog import dialog_matches
from aiosipua.headers import parse_address, parse_uri
from aiosipua.incoming_call import IncomingCall
from aiosipua.message import SipMessage, SipRequest
from aiosipua.registration import Registration
from aiosipua.rtp_bridge import CallSession
from aiosipua.sdp import SdpNegotiationError
from aiosipua.transport import UdpSipTransport
from aiosipua.transport import _stamp_via_received as stamp_via_received

from app.phone.sip_guard import (
    SourceLimits,
    ThrottledLog,
    allowed_networks,
    content_length_problem,
    media_target_problem,
    quiet_repeats,
    request_uri_problem,
    source_allowed,
)
from realtime.phone_audio import FRAME_BYTES, SAMPLE_RATE, SILENT_FRAME

__all__ = ["CODEC_PAYLOAD_TYPES", "LineConfig", "LineStats", "PhoneLine", "SipCall"]

log = logging.getLogger(__name__)

CODEC_PAYLOAD_TYPES = {"PCMU": 0, "PCMA": 8}
DTMF_PAYLOAD_TYPE = 101
FRAME_S = 0.020
INBOUND_FRAMES = 50  # 1 s of caller audio kept while nobody reads it (the menu); older frames are dropped
LIVE_FRAMES = 4  # 80 ms queued by write_frame (a live mix paced by its writer) before the oldest is dropped
_INFO_SIGNAL = re.compile(r"^\s*Signal\s*=\s*([0-9*#A-Da-d])\s*$", re.MULTILINE)
_INFO_DIGIT = re.compile(r"^\s*([0-9*#A-Da-d])\s*$")
MEDIA_FAILURES_TO_HANG_UP = 50  # 1 s of frames that could not be sent: the caller's media address is dead
LOOPBACK = ("127.0.0.0/8", "::1/128")


@dataclass(frozen=True, slots=True)
class LineConfig:
    bind_host: str = "127.0.0.1"
    bind_port: int = 5060
    advertised_host: str | None = None  # the address put in SDP and Contact when behind NAT
    rtp_ports: tuple[int, int] = (20000, 20999)
    codecs: tuple[str, ...] = ("PCMU", "PCMA")
    registrar: tuple[str, int] | None = None
    user: str | None = None
    password: str | None = None
    domain: str | None = None  # the AOR's host; the registrar's host when empty
    register_expires_s: int = 300
    allowed_sources: tuple[str, ...] = LOOPBACK  # CIDRs whose requests are answered; others are dropped
    max_pending_per_source: int = 32  # dialogs answered but not yet ACKed, per source host
    max_pending: int = 64  # ... and in all


@dataclass(slots=True)
class LineStats:
    answered: int = 0
    rejected: int = 0
    bad_requests: int = 0
    info_digits: int = 0
    dropped_sources: int = 0  # requests from outside the allow-list (no answer)
    busy: int = 0  # INVITEs refused with 503 because their source (or everyone) had too many pending
    media_failures: int = 0  # calls hung up because their audio could not be sent


class SipCall:
    """One answered call: PCM frames in and out (the ``CallAudio`` protocol), keys, and the hang-up."""

    sample_rate = SAMPLE_RATE

    def __init__(
        self, incoming: IncomingCall, session: CallSession, on_closed: Callable[[SipCall], None]
    ) -> None:
        self._incoming = incoming
        self._session = session
        self._on_closed = on_closed
        self._inbound: asyncio.Queue[bytes] = asyncio.Queue()
        self._partial = bytearray()
        self._live: collections.deque[bytes] = collections.deque()
        self._outbound: collections.deque[bytes] = collections.deque()
        self._playing: collections.deque[tuple[int, asyncio.Future[None]]] = collections.deque()
        self._prompt_sent = 0
        self._ended = asyncio.Event()
        self.digits: asyncio.Queue[str] = asyncio.Queue()
        self.end_reason: str | None = None
        self.frames_in = 0
        self.frames_out = 0
        self.send_failures = 0  # consecutive frames the RTP socket refused
        self.media_errors = 0  # sends the RTP/RTCP sockets reported as failed (counted, logged by the line)
        session.on_audio = self._on_audio
        session.on_dtmf = lambda digit, _duration: self.digit(digit)
        rtp = session.rtp_session
        for name in ("_rtp_transport", "_rtcp_transport"):
            protocol = getattr(rtp, name, None) if rtp is not None else None
            if protocol is not None:  # instead of aiortp's warning per failed datagram (50 a second)
                protocol.error_received = self._media_error

    def _media_error(self, exc: Exception) -> None:
        if not isinstance(exc, ConnectionRefusedError):  # ICMP port unreachable: the far end may open it yet
            self.media_errors += 1

    # -- who is calling ---------------------------------------------------------------------------------

    @property
    def call_id(self) -> str:
        return self._incoming.call_id

    @property
    def caller_number(self) -> str | None:
        """The caller's number (user part of From) as the trunk sent it; personal data."""
        try:
            user = parse_address(self._incoming.invite.headers.get_first("from") or "").uri.user
        except (ValueError, AttributeError):
            return None
        return user or None

    @property
    def codec(self) -> str:
        pt = self._session.chosen_payload_type
        return next((name for name, number in CODEC_PAYLOAD_TYPES.items() if number == pt), str(pt))

    # -- CallAudio --------------------------------------------------------------------------------------

    async def read_frame(self) -> bytes:
        """The caller's next 20 ms (320 bytes of PCM); ``b""`` once the call has ended."""
        if self._inbound.empty() and self.ended:
            return b""
        getter = asyncio.ensure_future(self._inbound.get())
        ended = asyncio.ensure_future(self._ended.wait())
        try:
            await asyncio.wait({getter, ended}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            ended.cancel()
            if not getter.done():
                getter.cancel()
        return getter.result() if getter.done() and not getter.cancelled() else b""

    def write_frame(self, pcm: bytes) -> None:
        """Queue 20 ms of live audio to the caller; the line's clock sends one frame per 20 ms."""
        if self.ended:
            return
        if len(self._live) >= LIVE_FRAMES:  # the writer's clock ran ahead of ours: keep latency low
            self._live.popleft()
        self._live.append(pcm[:FRAME_BYTES].ljust(FRAME_BYTES, b"\x00"))

    @property
    def ended(self) -> bool:
        return self._ended.is_set()

    # -- prompts ----------------------------------------------------------------------------------------

    def play(self, pcm: bytes) -> asyncio.Future[None]:
        """Queue a whole prompt (any length); the future resolves once its last frame has been sent.

        For the menu, before a bridge writes live audio: live frames go first and would hold a prompt back.
        """
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        for start in range(0, len(pcm), FRAME_BYTES):
            self._outbound.append(pcm[start : start + FRAME_BYTES].ljust(FRAME_BYTES, b"\x00"))
        self._playing.append((self._prompt_sent + len(self._outbound), done))
        if self.ended:
            done.set_result(None)
        return done

    def stop_playback(self) -> None:
        """Drop whatever is queued (the caller pressed a key over a prompt)."""
        self._outbound.clear()
        while self._playing:
            _, done = self._playing.popleft()
            if not done.done():
                done.set_result(None)

    # -- the line's clock and the library's callbacks --------------------------------------------------------

    def tick(self) -> None:
        """Send the next 20 ms (live audio, else a prompt, else silence); the line calls it every 20 ms."""
        if self._live:
            pcm = self._live.popleft()
        elif self._outbound:
            pcm = self._outbound.popleft()
            self._prompt_sent += 1
        else:
            pcm = SILENT_FRAME
        self._session.rtp_session.send_audio_pcm_auto(pcm)
        self.frames_out += 1
        while self._playing and (self._playing[0][0] <= self._prompt_sent or not self._outbound):
            _, done = self._playing.popleft()
            if not done.done():
                done.set_result(None)

    def _on_audio(self, pcm: bytes, _timestamp: int) -> None:
        self._partial += pcm
        while len(self._partial) >= FRAME_BYTES:
            frame = bytes(self._partial[:FRAME_BYTES])
            del self._partial[:FRAME_BYTES]
            if self._inbound.qsize() >= INBOUND_FRAMES:
                self._inbound.get_nowait()
            self._inbound.put_nowait(frame)
            self.frames_in += 1

    def digit(self, digit: str) -> None:
        if not self.ended:
            self.digits.put_nowait(digit.upper())

    async def wait_ended(self) -> str:
        await self._ended.wait()
        return self.end_reason or "ended"

    def hangup(self) -> None:
        """End the call from our side (BYE)."""
        if not self.ended:
            with contextlib.suppress(Exception):  # a dialog the far end already tore down
                self._incoming.hangup()
            self.close("hung_up_by_gateway")

    async def close_media(self) -> None:
        """Close the RTP session; never raises, and the sockets are closed even when its goodbye fails."""
        try:
            await self._session.close()
        except Exception as exc:  # e.g. the RTCP BYE to an address that cannot be reached
            log.info("call %s: closing media: %s", self.call_id, exc)
        rtp = self._session.rtp_session
        for name in ("_rtp_transport", "_rtcp_transport"):
            transport = getattr(rtp, name, None) if rtp is not None else None
            if transport is not None:
                with contextlib.suppress(Exception):
                    transport.close()

    def close(self, reason: str) -> None:
        if self.ended:
            return
        self.end_reason = reason
        self._ended.set()
        self.stop_playback()
        self._on_closed(self)


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, dispatch: Callable[[bytes, tuple[str, int]], None]) -> None:
        self._dispatch = dispatch

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self._dispatch(data, (str(addr[0]), int(addr[1])))

    def error_received(self, exc: Exception) -> None:
        log.warning("SIP socket error: %s", exc)


class _UdpTransport(UdpSipTransport):
    """aiosipua's UDP transport, bound without its protocol class (its connection_made asserts a transport
    type that Python 3.11's selector loop does not satisfy, which logs a spurious error per start)."""

    line: PhoneLine | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Protocol(self._dispatch), local_addr=self.local_addr
        )
        self._udp_transport = transport

    def _dispatch(self, data: bytes, addr: tuple[str, int]) -> None:
        """The library's dispatch, but strangers are dropped before parsing and garbage costs one log line per
        source and interval (the library logs a traceback per datagram)."""
        line = self.line
        if line is not None and not source_allowed(addr[0], line.allowed_networks):
            line.stats.dropped_sources += 1
            line.log_once.warning(f"source:{addr[0]}", "SIP from %s dropped: not an allowed source", addr[0])
            return
        try:
            message = SipMessage.parse(data)
            if isinstance(message, SipRequest):
                stamp_via_received(message, addr)
        except Exception as exc:
            if line is not None:
                line.stats.bad_requests += 1
                line.log_once.warning(f"garbage:{addr[0]}", "unreadable SIP datagram from %s: %s", addr, exc)
            return
        if self.on_message is not None:
            try:
                self.on_message(message, addr)
            except Exception:
                log.exception("SIP message from %s broke its handler", addr)


class _Uas(SipUAS):
    """aiosipua's UAS plus SIP INFO keys, and a 400 (not silence) when a request breaks the handlers."""

    def __init__(self, transport: UdpSipTransport, line: PhoneLine, **kwargs: Any) -> None:
        super().__init__(transport, **kwargs)
        self._line = line
        self._handlers["INFO"] = self._handle_info

    def _handle_request(self, request: SipRequest, addr: tuple[str, int]) -> None:
        if not self._screen(request, addr):
            return
        line = self._line
        try:
            super()._handle_request(request, addr)
        except Exception as exc:
            line.log_once.warning(f"bad:{addr[0]}", "bad %s from %s: %s", request.method[:20], addr, exc)
            line.stats.bad_requests += 1
            if request.method.upper() != "ACK" and request.via:
                self._send_error(request, 400, "Bad Request")
        finally:
            # a dialog that was refused, is gone, or is acknowledged no longer counts as pending
            incoming = self.get_call(request.call_id or "")
            acked = (
                request.method.upper() == "ACK"
                and incoming is not None
                and dialog_matches(incoming.dialog, request)
            )
            if incoming is None or acked:
                line.limits.release(request.call_id or "")

    def _screen(self, request: SipRequest, addr: tuple[str, int]) -> bool:
        """Whether the request goes on to the library: well formed, and within the pending limits."""
        line = self._line
        method = request.method.upper()
        problem = content_length_problem(request.headers.get_first("content-length"), request.body)
        if problem is None and method == "INVITE":
            problem = request_uri_problem(request.uri)
        if problem is not None:
            line.stats.bad_requests += 1
            line.log_once.warning(f"bad:{addr[0]}", "bad %s from %s: %s", method[:20], addr, problem)
            if method != "ACK" and request.via:
                self._send_error(request, 400, "Bad Request")
            return False
        call_id = request.call_id or ""
        if method == "INVITE" and self.get_call(call_id) is None and not line.limits.admit(call_id, addr[0]):
            line.stats.busy += 1
            line.log_once.warning(f"busy:{addr[0]}", "INVITE from %s refused: too many pending", addr[0])
            if request.via:
                self._send_error(request, 503, "Service Unavailable", extra_headers={"Retry-After": "5"})
            return False
        return True

    def _handle_info(self, request: SipRequest, addr: tuple[str, int]) -> None:
        call = self._line.calls.get(request.call_id or "")
        incoming = self.get_call(request.call_id or "")
        if call is None or incoming is None:
            self._send_error(request, 481, "Call/Transaction Does Not Exist")
            return
        if not self._validate_in_dialog(incoming.dialog, request):
            return
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        text = request.text if request.body else ""
        match = None
        if content_type == "application/dtmf-relay":
            match = _INFO_SIGNAL.search(text)
        elif content_type == "application/dtmf":
            match = _INFO_DIGIT.match(text)
        if match is None:
            self._send_error(request, 415, "Unsupported Media Type")
            return
        self.transport.send_reply(incoming.dialog.create_response(request, 200, "OK"))
        self._line.stats.info_digits += 1
        call.digit(match.group(1))


class PhoneLine:
    """The gateway's SIP endpoint: answers every well-formed call and hands it to ``on_call``."""

    def __init__(self, config: LineConfig, on_call: Callable[[SipCall], Awaitable[None]]) -> None:
        unknown = [c for c in config.codecs if c.upper() not in CODEC_PAYLOAD_TYPES]
        if unknown or not config.codecs:
            raise ValueError(f"unsupported codecs {unknown}; use {', '.join(CODEC_PAYLOAD_TYPES)}")
        self.config = config
        self._on_call = on_call
        self.stats = LineStats()
        self.calls: dict[str, SipCall] = {}
        self.allowed_networks = allowed_networks(config.allowed_sources)
        self.limits = SourceLimits(config.max_pending_per_source, config.max_pending)
        self.log_once = ThrottledLog(log)
        self._free_ports = collections.deque(range(config.rtp_ports[0] & ~1, config.rtp_ports[1], 2))
        self._ports: dict[str, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._transport = _UdpTransport(local_addr=(config.bind_host, config.bind_port))
        self._transport.line = self  # strangers are dropped (no answer: a scanner learns nothing)
        self._uac: SipUAC | None = None
        self._registration: Registration | None = None
        advertised = (config.advertised_host, config.bind_port) if config.advertised_host else None
        self._uas = _Uas(self._transport, self, advertised_addr=advertised, user_agent="Madoguchi")
        self._uas.on_invite = self._on_invite
        self._uas.on_bye = lambda incoming, _request: self._ended(incoming.call_id, "caller_hung_up")
        self._uas.on_ack_timeout = lambda incoming: self._ended(incoming.call_id, "no_ack")
        self._uas.on_session_expired = lambda incoming: self._ended(incoming.call_id, "session_expired")
        self._clock: asyncio.Task[None] | None = None
        self.registered = asyncio.Event()
        # "registered", "failed: <code> <reason>", or None when no registrar is configured (or no answer yet)
        self.registration_status: str | None = None

    @property
    def free_ports(self) -> int:
        """RTP ports not held by a call (each call holds one until its media is closed)."""
        return len(self._free_ports)

    @property
    def address(self) -> tuple[str, int]:
        sock = self._transport._udp_transport
        if sock is None:
            return self.config.bind_host, self.config.bind_port
        host, port = sock.get_extra_info("sockname")[:2]
        return str(host), int(port)

    async def start(self) -> None:
        quiet_repeats("aiosipua.message", "aiosipua.transport", "aiosipua.uas", "aiortp.transport")
        await self._allow_registrar()
        await self._uas.start()
        self._clock = asyncio.create_task(self._keep_time(), name="phone-line-clock")
        if self.config.registrar is not None and self.config.user:
            self._register()

    async def _allow_registrar(self) -> None:
        """The trunk we register at sends our calls: its addresses join the allow-list."""
        if self.config.registrar is None:
            return
        host, port = self.config.registrar
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_DGRAM)
        except OSError as exc:
            log.warning("registrar %s not resolved (%s): only the allow-list is answered", host, exc)
            return
        extra = allowed_networks({str(info[4][0]) for info in infos})
        self.allowed_networks = (*self.allowed_networks, *extra)

    def _register(self) -> None:
        config = self.config
        assert config.registrar is not None and config.user
        self._uac = SipUAC(self._transport)
        self._uas.uac = self._uac
        domain = config.domain or config.registrar[0]
        auth = SipDigestAuth(config.user, config.password or "") if config.password else None
        registration = Registration(
            self._uac,
            f"sip:{config.user}@{domain}",
            config.registrar,
            expires=config.register_expires_s,
            auth=auth,
        )
        registrar = config.registrar

        def registered(_reg: Registration) -> None:
            self.registration_status = "registered"
            self.registered.set()

        def failed(_reg: Registration, code: int, reason: str) -> None:
            self.registration_status = f"failed: {code} {reason}"
            self.registered.clear()
            log.error("registration at %s:%s failed: %s %s", registrar[0], registrar[1], code, reason)

        registration.on_registered = registered
        registration.on_failed = failed
        registration.register()
        self._registration = registration

    async def stop(self) -> None:
        for call in list(self.calls.values()):
            call.hangup()
        if self._registration is not None:
            with contextlib.suppress(Exception):
                self._registration.unregister()
        if self._clock is not None:
            self._clock.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._clock
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._uas.stop()

    async def _keep_time(self) -> None:
        """One clock for every call: 50 sends a second each, catching up (not bursting) after a stall."""
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            due += FRAME_S
            delay = due - loop.time()
            if delay < -0.2:
                due = loop.time()
            elif delay > 0:
                await asyncio.sleep(delay)
            for call in list(self.calls.values()):
                self._tick(call)

    def _tick(self, call: SipCall) -> None:
        """One frame for one call; a call whose frames keep failing is hung up (one log line, not 50/s)."""
        errors = call.media_errors
        failure: object = None
        try:
            call.tick()
        except Exception as exc:  # one broken call must not silence the others
            failure = exc
        if failure is None and call.media_errors == errors:
            call.send_failures = 0
            return
        call.send_failures += 1
        what = failure or "the socket refused the datagram"
        self.log_once.warning(f"tick:{call.call_id}", "audio to call %s failed: %r", call.call_id, what)
        if call.send_failures >= MEDIA_FAILURES_TO_HANG_UP:
            self.stats.media_failures += 1
            call.hangup()

    # -- calls --------------------------------------------------------------------------------------------

    def _on_invite(self, incoming: IncomingCall) -> None:
        task = asyncio.create_task(self._answer(incoming), name=f"phone-answer-{incoming.call_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, incoming: IncomingCall) -> None:
        try:
            await self._answer_call(incoming)
        except Exception:
            log.exception("answering call %s failed", incoming.call_id)
        finally:
            if incoming.call_id not in self.calls:
                self.limits.release(incoming.call_id)

    async def _answer_call(self, incoming: IncomingCall) -> None:
        offer = incoming.sdp_offer
        if offer is None or offer.rtp_address is None:
            self._reject(incoming, 488, "Not Acceptable Here")
            return
        problem = media_target_problem(*offer.rtp_address)
        if problem is not None:
            source = incoming.source_addr[0]
            self.log_once.warning(f"media:{source}", "call from %s refused: %s", source, problem)
            self._reject(incoming, 488, "Not Acceptable Here")
            return
        if not self._free_ports:
            self._reject(incoming, 503, "Service Unavailable")
            return
        port = self._free_ports.popleft()
        host = self.config.bind_host
        session: CallSession | None = None
        try:
            session = CallSession(
                host,
                port,
                offer,
                advertised_ip=self.config.advertised_host,
                supported_codecs=[CODEC_PAYLOAD_TYPES[c.upper()] for c in self.config.codecs],
                dtmf_payload_type=DTMF_PAYLOAD_TYPE,
            )
            await session.start()
        except (SdpNegotiationError, ValueError, OSError) as exc:
            log.info("call %s refused: %s", incoming.call_id, exc)
            if session is not None:
                with contextlib.suppress(Exception):
                    await session.close()
            self._free_ports.append(port)
            self._reject(incoming, 488, "Not Acceptable Here")
            return
        call = SipCall(incoming, session, self._closed)
        self.calls[call.call_id] = call
        self._ports[call.call_id] = port
        try:
            incoming.accept(session.sdp_answer)
        except Exception as exc:
            log.warning("call %s could not be answered: %s", call.call_id, exc)
            self._uas._calls.pop(call.call_id, None)
            call.close("answer_failed")  # returns the port once the media is closed
            return
        self.stats.answered += 1
        try:
            await self._on_call(call)
        except Exception:
            log.exception("phone call %s failed", call.call_id)
        finally:
            call.hangup()

    def _reject(self, incoming: IncomingCall, code: int, reason: str) -> None:
        self.stats.rejected += 1
        self.limits.release(incoming.call_id)
        try:
            incoming.reject(code, reason)
        except Exception as exc:  # the far end cancelled meanwhile, or the socket refused
            log.info("call %s: rejecting with %s failed: %s", incoming.call_id, code, exc)
        self._uas._calls.pop(incoming.call_id, None)

    def _ended(self, call_id: str, reason: str) -> None:
        call = self.calls.get(call_id)
        if call is not None:
            call.close(reason)

    def _closed(self, call: SipCall) -> None:
        self.calls.pop(call.call_id, None)
        self.limits.release(call.call_id)
        self.log_once.forget(f"tick:{call.call_id}")
        port = self._ports.pop(call.call_id, None)

        async def release() -> None:
            try:
                await call.close_media()
            finally:
                if port is not None:
                    self._free_ports.append(port)

        task = asyncio.create_task(release())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def parse_registrar(value: str, default_port: int = 5060) -> tuple[str, int]:
    """``host`` or ``host:port`` (or a ``sip:`` URI) to an address."""
    uri = parse_uri(value if value.startswith("sip:") else f"sip:{value}")
    return uri.host, uri.port or default_port
