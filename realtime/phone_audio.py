"""The meeting point between the SIP gateway (``app/phone``) and the phone bridge (``realtime/peers``).

The gateway owns the telephone leg (SIP, RTP, G.711); the bridge owns the WebRTC leg (aiortc, Opus).
Between the two, a call's audio is plain PCM so that neither side knows the other's library: the SIP/RTP
stack can be swapped without touching the bridge, and the bridge can be tested with a fake call.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["FRAME_BYTES", "FRAME_MS", "SAMPLE_RATE", "SILENT_FRAME", "CallAudio"]

SAMPLE_RATE = 8000
"""Telephone audio rate (G.711)."""

FRAME_MS = 20
"""One RTP packet's worth of audio."""

FRAME_BYTES = SAMPLE_RATE * FRAME_MS // 1000 * 2
"""320: 160 samples of 16-bit signed little-endian mono PCM."""

SILENT_FRAME = bytes(FRAME_BYTES)


@runtime_checkable
class CallAudio(Protocol):
    """One phone call's audio: 16-bit signed little-endian mono PCM at 8000 Hz in 20 ms frames (320 bytes)."""

    sample_rate: int  # 8000

    async def read_frame(self) -> bytes:
        """Next 20 ms from the caller; ``b""`` once the call has ended."""
        ...

    def write_frame(self, pcm: bytes) -> None:
        """Queue 20 ms to the caller (frames are paced by the sender, so writing ahead is fine)."""
        ...

    @property
    def ended(self) -> bool:
        """True once the caller hung up or the call was ended from our side."""
        ...
