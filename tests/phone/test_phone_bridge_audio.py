"""Resampling, mixing, jitter buffering and the generated hold music, with real signals."""

from __future__ import annotations

import asyncio
import fractions

import numpy as np
import pytest
from av import AudioFrame

from realtime.peers.audio_mix import (
    PHONE_FRAME_SAMPLES,
    PHONE_RATE,
    WEBRTC_FRAME_SAMPLES,
    WEBRTC_RATE,
    Downsampler,
    SampleQueue,
    Upsampler,
    from_pcm,
    level_dbfs,
    mix,
    to_pcm,
)
from realtime.peers.hold_music import HOLD_MUSIC_SECONDS, Player, hold_music_pcm
from tests.phone.phone_bridge_support import dominant_hz, sine


def _upsample(samples: np.ndarray) -> tuple[list[AudioFrame], np.ndarray]:
    up = Upsampler()
    frames: list[AudioFrame] = []
    for i in range(0, samples.size, PHONE_FRAME_SAMPLES):
        frames += up.push(to_pcm(samples[i : i + PHONE_FRAME_SAMPLES]))
    return frames, np.concatenate([f.to_ndarray().reshape(-1) for f in frames])


def test_upsampler__440_hz_stays_440_hz_at_48_khz_in_20_ms_frames() -> None:
    frames, out = _upsample(sine(440, PHONE_RATE))  # one second
    assert all(f.sample_rate == WEBRTC_RATE and f.samples == WEBRTC_FRAME_SAMPLES for f in frames)
    assert [f.pts for f in frames] == [i * WEBRTC_FRAME_SAMPLES for i in range(len(frames))]
    assert len(frames) >= 48  # a few samples are held back by the resampler's filter
    assert dominant_hz(out[4800:], WEBRTC_RATE) == pytest.approx(440, abs=3)
    # same loudness: -13.5 dBFS for a 0.3 full-scale sine, within half a dB
    assert level_dbfs(out[4800:]) == pytest.approx(level_dbfs(sine(440, PHONE_RATE)), abs=0.5)


def _stereo_48k(frequency: float, seconds: float) -> list[AudioFrame]:
    """What aiortc's Opus decoder hands over: 48 kHz interleaved stereo s16 in 20 ms frames."""
    mono = sine(frequency, int(WEBRTC_RATE * seconds), WEBRTC_RATE)
    frames = []
    for i in range(0, mono.size, WEBRTC_FRAME_SAMPLES):
        chunk = mono[i : i + WEBRTC_FRAME_SAMPLES]
        frame = AudioFrame.from_ndarray(np.repeat(chunk, 2).reshape(1, -1), format="s16", layout="stereo")
        frame.sample_rate = WEBRTC_RATE
        frame.pts = i
        frame.time_base = fractions.Fraction(1, WEBRTC_RATE)
        frames.append(frame)
    return frames


def test_downsampler__48_khz_stereo_440_hz_becomes_8_khz_mono_440_hz() -> None:
    down = Downsampler()
    out = np.concatenate([down.push(f) for f in _stereo_48k(440, 1.0)])
    assert out.size == pytest.approx(PHONE_RATE, abs=PHONE_FRAME_SAMPLES)
    assert dominant_hz(out[800:]) == pytest.approx(440, abs=5)
    assert level_dbfs(out[800:]) == pytest.approx(level_dbfs(sine(440, PHONE_RATE)), abs=0.5)


def test_downsampler__removes_what_a_telephone_cannot_carry() -> None:
    """A 6 kHz tone is above the 4 kHz Nyquist limit of 8 kHz audio: filtered out, not folded to 2 kHz."""
    down = Downsampler()
    out = np.concatenate([down.push(f) for f in _stereo_48k(6000, 0.5)])
    assert level_dbfs(out[800:]) < -50


def test_round_trip__telephone_to_webrtc_and_back_keeps_the_tone() -> None:
    _, up = _upsample(sine(1000, PHONE_RATE))
    frame = AudioFrame.from_ndarray(up.reshape(1, -1), format="s16", layout="mono")
    frame.sample_rate = WEBRTC_RATE
    back = Downsampler().push(frame)
    assert dominant_hz(back[800:]) == pytest.approx(1000, abs=5)


def test_mix__sums_two_talkers_and_saturates_instead_of_wrapping() -> None:
    a, b = sine(440, PHONE_FRAME_SAMPLES * 50), sine(700, PHONE_FRAME_SAMPLES * 50)
    both = np.concatenate([mix([a[i : i + 160], b[i : i + 160]]) for i in range(0, a.size, 160)])
    spectrum = np.abs(np.fft.rfft(both * np.hanning(both.size)))
    freqs = np.fft.rfftfreq(both.size, 1 / PHONE_RATE)
    top_two = sorted(float(f) for f in freqs[np.argsort(spectrum)[-2:]])
    assert top_two == pytest.approx([440, 700], abs=5)
    loud = np.full(PHONE_FRAME_SAMPLES, 30000, dtype=np.int16)
    assert int(mix([loud, loud]).min()) == 32767
    assert int(mix([-loud, -loud]).max()) == -32768
    assert not mix([]).any()
    with pytest.raises(ValueError, match="expected 160"):
        mix([loud[:100]])


def test_pcm_round_trip__little_endian_16_bit() -> None:
    samples = np.array([0, 1, -1, 32767, -32768], dtype=np.int16)
    assert to_pcm(samples) == b"\x00\x00\x01\x00\xff\xff\xff\x7f\x00\x80"
    assert from_pcm(to_pcm(samples) + b"\x01").tolist() == samples.tolist()  # odd byte dropped
    assert level_dbfs(np.zeros(160, dtype=np.int16)) == float("-inf")


def test_sample_queue__primes_then_plays_then_reprimes_after_running_dry() -> None:
    queue = SampleQueue(prime=320, limit=800)
    tone = sine(440, 1000)
    queue.push(tone[:200])
    assert not queue.take(160).any()  # still priming: silence, nothing consumed
    assert len(queue) == 200
    queue.push(tone[200:400])
    assert queue.take(160).tolist() == tone[:160].tolist()
    assert queue.take(160).tolist() == tone[160:320].tolist()
    short = queue.take(160)  # 80 left: played, then padded, and the queue primes again
    assert short[:80].tolist() == tone[320:400].tolist() and not short[80:].any()
    assert queue.underruns == 1
    queue.push(tone[:1000])  # a burst beyond the limit: the oldest go
    assert len(queue) == 800 and queue.dropped == 200


def test_hold_music__in_the_telephone_band_loud_enough_and_loops_without_a_click() -> None:
    music = from_pcm(hold_music_pcm())
    assert music.size == round(HOLD_MUSIC_SECONDS * PHONE_RATE)
    assert -26 < level_dbfs(music) < -14
    assert 250 < dominant_hz(music) < 1200
    # the seam: the jump from the last sample to the first is no bigger than ordinary sample-to-sample steps
    steps = np.abs(np.diff(music.astype(np.int32)))
    seam = abs(int(music[0]) - int(music[-1]))
    assert seam <= np.percentile(steps, 99)
    # it is music, not one tone: the strongest pitch changes from bar to bar
    bar = music.size // 4
    assert len({round(dominant_hz(music[i * bar : (i + 1) * bar])) for i in range(4)}) >= 3


async def test_player__prompt_interrupts_the_music_which_then_resumes() -> None:
    player = Player()
    assert player.take() is None and not player.active
    player.play_music()
    first = player.take()
    assert first is not None and first.tolist() == from_pcm(hold_music_pcm())[:160].tolist()
    prompt = sine(1000, 400)
    done = player.play_prompt(to_pcm(prompt))
    played = [player.take() for _ in range(3)]
    assert np.concatenate(played)[:400].tolist() == prompt.tolist()  # 2.5 frames, the rest padded
    assert not done.done()
    music_again = player.take()  # the prompt is over: its future resolves and the music carries on
    assert done.done()
    assert music_again is not None and music_again.tolist() == from_pcm(hold_music_pcm())[160:320].tolist()
    player.stop()
    assert player.take() is None and not player.active


async def test_player__stop_resolves_unplayed_prompts() -> None:
    player = Player()
    done = player.play_prompt(to_pcm(sine(500, 8000)))
    player.stop()
    await asyncio.wait_for(done, 1)
