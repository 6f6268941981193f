"""Phone bridges in a real room (signaling through the wire codecs, aiortc media on loopback)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator

import numpy as np
import pytest

from realtime.peers.audio_mix import from_pcm, level_dbfs, to_pcm
from realtime.peers.hold_music import hold_music_pcm
from realtime.peers.local_rooms import LocalRooms, LocalTransport
from realtime.peers.phone_bridge import PhoneBridge, PhoneBridgeError
from realtime.peers.rtc import PeerRegistry, loopback_candidates
from realtime.protocol import RoomInvite
from realtime.signaling import make_invite
from tests.conftest import pinned_clock
from tests.phone.phone_bridge_support import FakeCallAudio, dominant_hz, sine

SECRET = b"phone-bridge-test-secret-0123456789abcdef"
CASE = "case-phone-1"


@pytest.fixture
def loopback() -> Iterator[None]:
    with loopback_candidates():
        yield


@pytest.fixture
async def peers(loopback: None) -> AsyncIterator[PeerRegistry]:
    registry = PeerRegistry()
    yield registry
    await registry.close_all()
    assert len(registry) == 0


async def _until(check: Callable[[], bool], within_s: float = 10.0, what: str = "condition") -> None:
    """Poll ``check`` (media arrives in real time; there is no event to wait on)."""
    try:
        async with asyncio.timeout(within_s):
            while not check():  # noqa: ASYNC110
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"timed out after {within_s} s waiting for {what}") from None


def _hears(caller: FakeCallAudio, hz: float) -> bool:
    """The last half second is the tone throughout (every 100 ms of it loud), not silence."""
    heard = caller.heard(25)
    if heard.size < 4000:
        return False
    steady = all(level_dbfs(part) > -30 for part in np.split(heard, 5))
    return steady and abs(dominant_hz(heard) - hz) < 10


async def test_two_bridges__each_caller_hears_the_other(peers: PeerRegistry) -> None:
    rooms = LocalRooms(SECRET, now=pinned_clock().now)
    alice, bob = FakeCallAudio(440), FakeCallAudio(700)
    a = PhoneBridge(alice, rooms.transport("phone-a"), peers=peers, name="a")
    b = PhoneBridge(bob, rooms.transport("phone-b"), peers=peers, name="b")
    try:
        a.play_hold_music()  # waiting for the call: the caller hears the generated music
        await _until(lambda: len(alice.written) >= 25, what="hold music")
        music = from_pcm(hold_music_pcm())
        assert from_pcm(alice.written[0]).tolist() == music[:160].tolist()
        joining = asyncio.create_task(a.join(CASE))  # waits until routing opens the room
        await asyncio.sleep(0.1)
        assert not joining.done()
        await rooms.open(CASE)
        joined = await asyncio.wait_for(joining, 5)
        assert joined.participant_id == "phone-a" and joined.role == "phone" and joined.peers == ()
        assert not a.player.music_playing  # joining the call stops the music
        joined_b = await asyncio.wait_for(b.join(CASE), 5)
        assert [p.participant_id for p in joined_b.peers] == ["phone-a"]
        await _until(lambda: _hears(alice, 700) and _hears(bob, 440), 15, "both tones across")
        assert a.participants == ["phone-b"] and b.participants == ["phone-a"]
        assert b.stats.peer_frames["phone-a"] >= 20 and b.stats.caller_frames >= 20

        # an announcement during the call is mixed over what the caller hears from the room
        done = a.play_prompt(to_pcm(sine(2000, 8000)))
        await asyncio.wait_for(done, 3)
        spectrum = np.abs(np.fft.rfft(alice.heard(60).astype(np.float64)))
        freqs = np.fft.rfftfreq(alice.heard(60).size, 1 / 8000)
        assert spectrum[np.abs(freqs - 2000) < 10].max() > 0.2 * spectrum.max()

        # bob hangs up: his bridge leaves the room, alice's drops its connection to him
        bob.hang_up()
        assert await asyncio.wait_for(b.wait_ended(), 5) == "hung_up"
        with pytest.raises(PhoneBridgeError, match="joins one call once"):
            await b.join(CASE)
        await _until(lambda: a.participants == [], 5, "alice's link to bob dropped")
        room = await rooms.registry.get(CASE)
        assert room is not None and [p.participant_id for p in room.participants] == ["phone-a"]
    finally:
        await a.close()
        await b.close()


async def test_three_in_a_mesh__each_caller_hears_both_others(peers: PeerRegistry) -> None:
    rooms = LocalRooms(SECRET, now=pinned_clock().now)
    await rooms.open(CASE)
    callers = {"p1": FakeCallAudio(400), "p2": FakeCallAudio(900), "p3": FakeCallAudio(1500)}
    bridges = {n: PhoneBridge(c, rooms.transport(n), peers=peers, name=n) for n, c in callers.items()}
    try:
        for bridge in bridges.values():
            await bridge.join(CASE)

        def mixes_both(name: str, tones: tuple[int, int]) -> bool:
            heard = callers[name].heard(25).astype(np.float64)
            if heard.size < 4000:
                return False
            spectrum = np.abs(np.fft.rfft(heard * np.hanning(heard.size)))
            freqs = np.fft.rfftfreq(heard.size, 1 / 8000)
            peak = spectrum.max()
            return all(spectrum[np.abs(freqs - t) < 10].max() > 0.3 * peak for t in tones)

        await _until(
            lambda: (
                mixes_both("p1", (900, 1500))
                and mixes_both("p2", (400, 1500))
                and mixes_both("p3", (400, 900))
            ),
            20,
            "every caller hears the two others",
        )
        await rooms.close(CASE)  # the counselor ended the consultation
        for bridge in bridges.values():
            assert await asyncio.wait_for(bridge.wait_ended(), 5) == "room_closed:ended"
            assert bridge.participants == []
    finally:
        for bridge in bridges.values():
            await bridge.close()


class ForgedInvites(LocalTransport):
    """Invitations signed with a key the rooms do not know."""

    async def invitation(self, consultation_id: str) -> RoomInvite:
        room = await self.rooms.wait_open(consultation_id)
        forged = b"another-secret-of-at-least-32-bytes!!"
        return make_invite(forged, room, self.participant_id, self.role, self.rooms.now())


async def test_join__a_refused_token_is_an_error_and_the_bridge_can_still_close(peers: PeerRegistry) -> None:
    rooms = LocalRooms(SECRET, now=pinned_clock().now)
    await rooms.open(CASE)
    bridge = PhoneBridge(FakeCallAudio(), ForgedInvites(rooms, "forged-1", "phone-x", "phone"), peers=peers)
    with pytest.raises(PhoneBridgeError) as refused:
        await bridge.join(CASE)
    assert refused.value.code == "bad_token"
    await bridge.close()
    room = await rooms.registry.get(CASE)
    assert room is not None and room.participants == ()
