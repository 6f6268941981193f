"""G.711 μ-law <-> 16-bit PCM by lookup table (ITU-T G.711), for prompt files and tests.

The SIP library has its own codec for the RTP path; this one keeps prompt files readable without it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["pcm_to_ulaw", "ulaw_to_pcm"]

_BIAS = 0x84
_CLIP = 32635


def _decode_table() -> np.ndarray:
    table = np.zeros(256, dtype="<i2")
    for byte in range(256):
        u = ~byte & 0xFF
        exponent = (u >> 4) & 0x07
        magnitude = ((((u & 0x0F) << 3) + _BIAS) << exponent) - _BIAS
        table[byte] = -magnitude if u & 0x80 else magnitude
    return table


def _encode_table() -> np.ndarray:
    samples = np.arange(65536, dtype=np.uint16).view(np.int16).astype(np.int32)
    sign = np.where(samples < 0, 0x80, 0)
    magnitude = np.minimum(np.abs(samples), _CLIP) + _BIAS
    exponent = np.maximum(np.floor(np.log2(magnitude)).astype(np.int32) - 7, 0)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    encoded: np.ndarray = (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8)
    return encoded


_DECODE = _decode_table()
_ENCODE = _encode_table()


def ulaw_to_pcm(data: bytes) -> bytes:
    """μ-law bytes to 16-bit signed little-endian PCM (twice as long)."""
    return _DECODE[np.frombuffer(data, dtype=np.uint8)].tobytes()


def pcm_to_ulaw(pcm: bytes) -> bytes:
    """16-bit signed little-endian PCM to μ-law (an odd trailing byte is dropped)."""
    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2").view(np.uint16)
    return _ENCODE[samples].tobytes()
