"""A lean websocket reader for the cluster bench: many sockets, one epoll loop, arrival stamps.

Why: with 2,000 sockets, an asyncio client built on a websocket library spends a few hundred microseconds of
Python per frame (task wake-up, protocol parsing, JSON), so "until the client has read it" on the last socket
is mostly the client's own queue. This reader stamps CLOCK_MONOTONIC (the same clock in every process on the
machine) when a frame's bytes are taken off the socket, with only the framing parsed, in a child process of
its own. The bench starts a few of them and compares their stamps with the intake's start.

It speaks just enough RFC 6455 for this: the upgrade handshake, masked client text frames, unmasked server
frames, and a pong for every ping (uvicorn pings every 20 s and closes a socket that does not answer).
"""

from __future__ import annotations

import base64
import json
import os
import select
import socket
import struct
import time
from multiprocessing.connection import Connection

MARK = b'"queue.changed"'


def _masked(opcode: int, payload: bytes) -> bytes:
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    return header + mask + body


def _frames(buffer: bytearray) -> list[tuple[int, bytes]]:
    """Whole frames at the head of `buffer` (taken out of it); a partial frame stays for the next read."""
    out = []
    while len(buffer) >= 2:
        opcode, length = buffer[0] & 0x0F, buffer[1] & 0x7F
        start = 2
        if length == 126:
            if len(buffer) < 4:
                break
            (length,) = struct.unpack_from("!H", buffer, 2)
            start = 4
        elif length == 127:
            if len(buffer) < 10:
                break
            (length,) = struct.unpack_from("!Q", buffer, 2)
            start = 10
        if len(buffer) < start + length:
            break
        out.append((opcode, bytes(buffer[start : start + length])))
        del buffer[: start + length]
    return out


class _Socket:
    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET /ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the websocket handshake")
            head += chunk
        status, _, rest = head.partition(b"\r\n\r\n")
        if not status.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(status.decode(errors="replace"))
        self.buffer = bytearray(rest)
        self.arrivals: list[float] = []
        self.greeted = False

    def send_text(self, text: str) -> None:
        self.sock.sendall(_masked(0x1, text.encode()))

    def take(self, stamp: float) -> None:
        """Read what is there; a `queue.changed` frame in it is stamped with `stamp` (when epoll said so)."""
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed a bench socket")
        self.buffer += chunk
        self.parse(stamp)

    def parse(self, stamp: float) -> None:
        for opcode, payload in _frames(self.buffer):
            if opcode == 0x9:
                self.sock.sendall(_masked(0xA, payload))
            elif opcode == 0x8:
                raise ConnectionError(f"the server closed a bench socket: {payload!r}")
            elif opcode == 0x1:
                if MARK in payload:
                    self.arrivals.append(stamp)
                elif not self.greeted:
                    frame = json.loads(payload)
                    # the first "hello" is the welcome every socket gets; the one without a connection id
                    # answers our sign-in, sent after the server subscribed this socket to the desk topic
                    if frame.get("type") == "hello" and "connection_id" not in frame:
                        self.greeted = True


def serve(endpoints: list[tuple[str, int]], token: str, control: Connection) -> None:
    """Child process: open the sockets, sign each in, then stamp frames until told to stop.

    Control messages: ("expect", k) is answered ("done", k) once every socket has k `queue.changed` frames;
    ("arrivals",) with each socket's stamps; ("stop",) ends it. ("ready", seconds) once all are signed in.
    """
    started = time.monotonic()
    sockets = [_Socket(host, port) for host, port in endpoints]
    for ws in sockets:
        ws.parse(time.monotonic())  # what came with the handshake's answer
        ws.send_text(json.dumps({"type": "hello", "token": token}))
    for ws in sockets:
        ws.sock.setblocking(False)
    poller = select.epoll()
    by_fd = {ws.sock.fileno(): ws for ws in sockets}
    for fd in by_fd:
        poller.register(fd, select.EPOLLIN)
    poller.register(control.fileno(), select.EPOLLIN)
    greeted = sum(ws.greeted for ws in sockets)
    expected: int | None = None
    reached = 0
    while True:
        for fd, _event in poller.poll():
            stamp = time.monotonic()
            if fd == control.fileno():
                message = control.recv()
                if message[0] == "expect":
                    expected = message[1]
                    reached = sum(len(ws.arrivals) >= expected for ws in sockets)
                elif message[0] == "status":
                    counts = [len(ws.arrivals) for ws in sockets]
                    control.send({"greeted": greeted, "reached": reached, "counts": sorted(set(counts))})
                elif message[0] == "arrivals":
                    control.send([ws.arrivals for ws in sockets])
                elif message[0] == "stop":
                    for ws in sockets:
                        ws.sock.close()
                    return
            else:
                ws = by_fd[fd]
                was_greeted, had = ws.greeted, len(ws.arrivals)
                ws.take(stamp)
                if ws.greeted and not was_greeted:
                    greeted += 1
                    if greeted == len(sockets):
                        control.send(("ready", time.monotonic() - started))
                if expected is not None and had < expected <= len(ws.arrivals):
                    reached += 1
            if expected is not None and reached == len(sockets):
                control.send(("done", expected))
                expected = None
