"""Signal helpers for the phone bridge tests (the fake call itself is realtime/testing/tone_call.py)."""

from __future__ import annotations

import numpy as np

from realtime.peers.audio_mix import PHONE_RATE, Samples
from realtime.testing.tone_call import ToneCall as FakeCallAudio
from realtime.testing.tone_call import sine

__all__ = ["FakeCallAudio", "dominant_hz", "sine"]


def dominant_hz(samples: Samples, rate: int = PHONE_RATE) -> float:
    """The strongest frequency in the signal (Hann window, FFT peak)."""
    x = samples.astype(np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    spectrum[0] = 0
    return float(np.fft.rfftfreq(x.size, 1 / rate)[int(np.argmax(spectrum))])
