"""aiortc plumbing shared by the server-side peers: ICE configuration, loopback gathering, the peer registry.

aioice's ``get_host_addresses`` skips 127.0.0.1 (and ::1) and offers no option or environment variable to keep
it, so tests, benches and browser tests on one machine swap that function for one that returns loopback
(:func:`loopback_candidates`). Every peer connection goes through :class:`PeerRegistry`, which closes it when
ICE fails and closes all of them at app shutdown, as aiortc's ``examples/server/server.py`` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

import aioice.ice
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection

from realtime.turn import IceServer

__all__ = ["PeerRegistry", "loopback_candidates", "rtc_configuration"]

log = logging.getLogger(__name__)

_ORIGINAL_GET_HOST_ADDRESSES: Callable[[bool, bool], list[str]] = aioice.ice.get_host_addresses


def rtc_configuration(ice_servers: Sequence[IceServer] = ()) -> RTCConfiguration:
    """Always an explicit list: without ``iceServers`` aiortc reaches for a public STUN server and stalls."""
    return RTCConfiguration(
        iceServers=[
            RTCIceServer(urls=list(s.urls), username=s.username, credential=s.credential) for s in ice_servers
        ]
    )


@contextlib.contextmanager
def loopback_candidates(*, only: bool = True) -> Iterator[None]:
    """Make aiortc gather 127.0.0.1 host candidates (``only``: nothing else, so no traffic leaves loopback).

    Process-wide (aioice reads a module function): enter it around tests and benches, or for the whole app
    lifespan when a setting asks for loopback media (browser tests against a local server).
    """
    previous = aioice.ice.get_host_addresses

    def get_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        others = [] if only else _ORIGINAL_GET_HOST_ADDRESSES(use_ipv4, use_ipv6)
        return (["127.0.0.1"] if use_ipv4 else []) + others

    setattr(aioice.ice, "get_host_addresses", get_host_addresses)  # noqa: B010 - patching a module function
    try:
        yield
    finally:
        setattr(aioice.ice, "get_host_addresses", previous)  # noqa: B010


OnClose = Callable[[str], Awaitable[None]]


class PeerRegistry:
    """Owns every server-side ``RTCPeerConnection``: closes it on ``failed``, forgets it on ``closed``."""

    def __init__(self) -> None:
        self._peers: dict[str, RTCPeerConnection] = {}
        self._on_close: dict[str, OnClose] = {}
        self._ids = itertools.count(1)
        self._closing: set[asyncio.Task[None]] = set()

    def create(
        self, ice_servers: Sequence[IceServer] = (), *, prefix: str = "peer", on_close: OnClose | None = None
    ) -> tuple[str, RTCPeerConnection]:
        """A new registered peer connection with an explicit ICE configuration."""
        pc = RTCPeerConnection(configuration=rtc_configuration(ice_servers))
        return self.add(pc, prefix=prefix, on_close=on_close), pc

    def add(self, pc: RTCPeerConnection, *, prefix: str = "peer", on_close: OnClose | None = None) -> str:
        """Register a peer connection; ``on_close(peer_id)`` runs once when it is closed (any cause)."""
        peer_id = f"{prefix}-{next(self._ids)}"
        self._peers[peer_id] = pc
        if on_close is not None:
            self._on_close[peer_id] = on_close

        @pc.on("connectionstatechange")  # type: ignore[untyped-decorator,unused-ignore]
        async def on_state() -> None:
            log.debug("%s connection state %s", peer_id, pc.connectionState)
            if pc.connectionState == "failed":
                await self.close(peer_id)
            elif pc.connectionState == "closed":
                await self._forget(peer_id)

        return peer_id

    def get(self, peer_id: str) -> RTCPeerConnection | None:
        """The peer connection, while open."""
        return self._peers.get(peer_id)

    def ids(self) -> list[str]:
        """Ids of the open peer connections."""
        return list(self._peers)

    def __len__(self) -> int:
        return len(self._peers)

    def __contains__(self, peer_id: object) -> bool:
        return peer_id in self._peers

    async def _forget(self, peer_id: str) -> None:
        self._peers.pop(peer_id, None)
        callback = self._on_close.pop(peer_id, None)
        if callback is not None:
            try:
                await callback(peer_id)
            except Exception:
                log.exception("on_close of %s failed", peer_id)

    async def close(self, peer_id: str) -> None:
        """Close one peer connection (idempotent)."""
        pc = self._peers.get(peer_id)
        if pc is not None:
            await pc.close()
        await self._forget(peer_id)

    async def close_all(self) -> None:
        """App shutdown: close every peer connection."""
        await asyncio.gather(*(self.close(peer_id) for peer_id in list(self._peers)))

    def stats(self) -> dict[str, Any]:
        """Counts for a health or metrics endpoint."""
        states: dict[str, int] = {}
        for pc in self._peers.values():
            states[pc.connectionState] = states.get(pc.connectionState, 0) + 1
        return {"peers": len(self._peers), "states": states}
