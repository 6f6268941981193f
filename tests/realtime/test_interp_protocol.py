"""Websocket codecs: every message round-trips, and bad frames get a precise error."""

from __future__ import annotations

import dataclasses
import json
import typing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realtime import protocol as p
from realtime.turn import IceServer

ids = st.from_regex(r"[A-Za-z0-9._:@-]{1,40}", fullmatch=True)
tokens = st.from_regex(r"[A-Za-z0-9_.=-]{1,120}", fullmatch=True)
languages = st.from_regex(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}", fullmatch=True)
texts = st.text(max_size=120)
sdps = st.builds(
    lambda extra, kind: (
        "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
        f"m={kind} 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n" + "".join(f"a={x}\r\n" for x in extra)
    ),
    st.lists(st.text(st.characters(blacklist_characters="\r\n\x00"), max_size=60), max_size=5),
    st.sampled_from(["audio", "video"]),
)
candidates = st.one_of(
    st.just(""),
    st.text(st.characters(blacklist_characters="\r\n\x00"), max_size=200).map(lambda t: "candidate:" + t),
)
mids = st.from_regex(r"[!-~]{1,64}", fullmatch=True)
ufrags = st.from_regex(r"[A-Za-z0-9+/]{1,32}", fullmatch=True)
times = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=9)), timezone(timedelta(hours=-5, minutes=-30))]
    ),
)
ice_servers = st.builds(
    IceServer,
    urls=st.lists(st.text(max_size=40), min_size=1, max_size=3).map(tuple),
    username=st.none() | st.text(max_size=40),
    credential=st.none() | st.text(max_size=40),
)

BY_NAME: dict[str, st.SearchStrategy[Any]] = {
    "offer_id": ids,
    "consultation_id": ids,
    "room_id": ids,
    "participant_id": ids,
    "to": ids,
    "from_": ids,
    "code": ids,
    "municipality": ids,
    "token": tokens,
    "language": languages,
    "sdp": sdps,
    "candidate": candidates,
    "sdp_mid": st.none() | mids,
    "sdp_mline_index": st.none() | st.integers(0, 255),
    "username_fragment": st.none() | ufrags,
    "topic_hint": st.none() | texts,
    "display_name": st.none() | texts,
    "message": texts,
    "field": st.none() | texts,
    "expires_at": times,
    "position": st.integers(0, 10_000),
    "estimated_wait_s": st.none() | st.integers(0, 100_000),
    "ice_servers": st.lists(ice_servers, max_size=3).map(tuple),
}


def strategy_for(cls: type[Any]) -> st.SearchStrategy[Any]:
    """A strategy for any message class: field names pick value strategies, Literal/bool fields infer."""
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, st.SearchStrategy[Any]] = {}
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        if f.name in BY_NAME:
            kwargs[f.name] = BY_NAME[f.name]
        elif typing.get_origin(hint) is typing.Literal:
            kwargs[f.name] = st.sampled_from(typing.get_args(hint))
        elif hint is bool:
            kwargs[f.name] = st.booleans()
        elif hint is str:
            kwargs[f.name] = texts
        elif f.name == "peers":
            kwargs[f.name] = st.lists(strategy_for(p.PeerInfo), max_size=4).map(tuple)
        else:  # pragma: no cover - a new field type needs a strategy here
            raise AssertionError(f"no strategy for {cls.__name__}.{f.name}")
    if cls in (p.SignalIce, p.RelayedIce):
        # A real candidate needs sdpMid or sdpMLineIndex; end-of-candidates ("") needs neither.
        kwargs["sdp_mid"] = st.one_of(st.just(None), mids)
        return st.builds(dict, **kwargs).filter(_ice_consistent).map(lambda kw: cls(**kw))
    return st.builds(cls, **kwargs)


def _ice_consistent(kw: dict[str, Any]) -> bool:
    return kw["candidate"] == "" or kw["sdp_mid"] is not None or kw["sdp_mline_index"] is not None


@pytest.mark.parametrize("cls", list(p.CLIENT_MESSAGE_TYPES.values()), ids=lambda c: c.TYPE)
@settings(deadline=None, max_examples=60)
@given(data=st.data())
def test_client_message_round_trip__all_types(cls: type[Any], data: st.DataObject) -> None:
    msg = data.draw(strategy_for(cls))
    text = p.encode(msg)
    assert json.loads(text)["type"] == cls.TYPE
    assert p.decode(text) == msg


@pytest.mark.parametrize("cls", list(p.SERVER_MESSAGE_TYPES.values()), ids=lambda c: c.TYPE)
@settings(deadline=None, max_examples=60)
@given(data=st.data())
def test_server_message_round_trip__all_types(cls: type[Any], data: st.DataObject) -> None:
    msg = data.draw(strategy_for(cls))
    assert p.decode_server(p.encode(msg)) == msg


def test_encode__wire_names_and_utc_times() -> None:
    msg = p.Offer(
        offer_id="o-1",
        consultation_id="c-9",
        language="ne",
        channel="satellite",
        municipality="33205",
        topic_hint=None,
        expires_at=datetime(2025, 4, 1, 10, 0, 30, tzinfo=timezone(timedelta(hours=9))),
    )
    assert json.loads(p.encode(msg)) == {
        "type": "offer",
        "offer_id": "o-1",
        "consultation_id": "c-9",
        "language": "ne",
        "channel": "satellite",
        "municipality": "33205",
        "topic_hint": None,
        "expires_at": "2025-04-01T01:00:30Z",
    }
    ice = p.RelayedIce(room_id="r", from_="a", candidate="", sdp_mid=None, sdp_mline_index=0)
    assert json.loads(p.encode(ice)) == {
        "type": "signal.ice",
        "room_id": "r",
        "from": "a",
        "candidate": "",
        "sdpMid": None,
        "sdpMLineIndex": 0,
        "usernameFragment": None,
    }


def test_encode__nested_ice_server_omits_unset_credentials() -> None:
    joined = p.RoomJoined(
        room_id="r",
        participant_id="me",
        role="interpreter",
        peers=(p.PeerInfo(participant_id="tablet-1", role="counter_tablet"),),
        ice_servers=(IceServer(urls=("stun:127.0.0.1:3478",)), IceServer(("turn:x",), "1:u", "c")),
    )
    wire = json.loads(p.encode(joined))
    assert wire["ice_servers"] == [
        {"urls": ["stun:127.0.0.1:3478"]},
        {"urls": ["turn:x"], "username": "1:u", "credential": "c"},
    ]
    assert wire["peers"] == [{"participant_id": "tablet-1", "role": "counter_tablet", "mode": "video"}]


def test_offer__has_no_field_for_the_residents_identity() -> None:
    names = {f.name for f in dataclasses.fields(p.Offer)}
    assert names == {
        "offer_id",
        "consultation_id",
        "language",
        "channel",
        "municipality",
        "topic_hint",
        "expires_at",
    }


SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"


def frame(**fields: Any) -> str:
    return json.dumps(fields)


BAD_FRAMES = [
    ("not json", "{", p.ErrorCode.MALFORMED_JSON, None),
    ("NaN literal", '{"type": "presence", "state": NaN}', p.ErrorCode.MALFORMED_JSON, None),
    ("array", "[1, 2]", p.ErrorCode.NOT_AN_OBJECT, None),
    ("string", '"heartbeat"', p.ErrorCode.NOT_AN_OBJECT, None),
    ("no type", frame(state="away"), p.ErrorCode.MISSING_FIELD, "type"),
    ("type not str", frame(type=3), p.ErrorCode.INVALID_FIELD, "type"),
    ("unknown type", frame(type="dance"), p.ErrorCode.UNKNOWN_TYPE, "type"),
    ("server-only type", frame(type="offer"), p.ErrorCode.UNKNOWN_TYPE, "type"),
    ("extra field", frame(type="heartbeat", at=1), p.ErrorCode.UNKNOWN_FIELD, "at"),
    ("missing state", frame(type="presence"), p.ErrorCode.MISSING_FIELD, "state"),
    ("bad state", frame(type="presence", state="busy"), p.ErrorCode.INVALID_FIELD, "state"),
    ("null offer id", frame(type="offer.accept", offer_id=None), p.ErrorCode.INVALID_FIELD, "offer_id"),
    ("number offer id", frame(type="offer.decline", offer_id=12), p.ErrorCode.INVALID_FIELD, "offer_id"),
    ("empty offer id", frame(type="offer.accept", offer_id=""), p.ErrorCode.INVALID_FIELD, "offer_id"),
    ("id with space", frame(type="room.leave", room_id="a b"), p.ErrorCode.INVALID_FIELD, "room_id"),
    ("id too long", frame(type="room.leave", room_id="r" * 129), p.ErrorCode.INVALID_FIELD, "room_id"),
    ("token charset", frame(type="room.join", room_id="r", token="a b"), p.ErrorCode.INVALID_FIELD, "token"),
    ("missing token", frame(type="room.join", room_id="r"), p.ErrorCode.MISSING_FIELD, "token"),
    (
        "sdp no v=0",
        frame(type="signal.offer", room_id="r", to="b", sdp="o=-\r\nm=audio"),
        "invalid_field",
        "sdp",
    ),
    (
        "sdp no m=",
        frame(type="signal.answer", room_id="r", to="b", sdp="v=0\r\ns=-\r\n"),
        p.ErrorCode.INVALID_FIELD,
        "sdp",
    ),
    (
        "sdp too big",
        frame(type="signal.offer", room_id="r", to="b", sdp=SDP + "a=x\r\n" * 7000),
        p.ErrorCode.INVALID_FIELD,
        "sdp",
    ),
    (
        "sdp not str",
        frame(type="signal.offer", room_id="r", to="b", sdp=["v=0"]),
        p.ErrorCode.INVALID_FIELD,
        "sdp",
    ),
    (
        "candidate prefix",
        frame(type="signal.ice", room_id="r", to="b", candidate="a=candidate:1", sdpMid="0"),
        p.ErrorCode.INVALID_FIELD,
        "candidate",
    ),
    (
        "candidate too long",
        frame(type="signal.ice", room_id="r", to="b", candidate="candidate:" + "1" * 600, sdpMid="0"),
        p.ErrorCode.INVALID_FIELD,
        "candidate",
    ),
    (
        "candidate two lines",
        frame(type="signal.ice", room_id="r", to="b", candidate="candidate:1\r\na=x", sdpMid="0"),
        p.ErrorCode.INVALID_FIELD,
        "candidate",
    ),
    (
        "candidate without mid or index",
        frame(type="signal.ice", room_id="r", to="b", candidate="candidate:1 1 udp 1 127.0.0.1 9 typ host"),
        p.ErrorCode.INVALID_FIELD,
        "sdpMid",
    ),
    (
        "index is bool",
        frame(type="signal.ice", room_id="r", to="b", candidate="", sdpMLineIndex=True),
        p.ErrorCode.INVALID_FIELD,
        "sdpMLineIndex",
    ),
    (
        "index negative",
        frame(type="signal.ice", room_id="r", to="b", candidate="", sdpMLineIndex=-1),
        p.ErrorCode.INVALID_FIELD,
        "sdpMLineIndex",
    ),
    (
        "snake-case mid",
        frame(type="signal.ice", room_id="r", to="b", candidate="", sdp_mid="0"),
        p.ErrorCode.UNKNOWN_FIELD,
        "sdp_mid",
    ),
    ("bad mode", frame(type="media.mode", room_id="r", mode="hologram"), p.ErrorCode.INVALID_FIELD, "mode"),
    ("frame too large", frame(type="heartbeat", pad="x" * 70_000), p.ErrorCode.TOO_LARGE, None),
]


@pytest.mark.parametrize(
    ("text", "code", "field"), [b[1:] for b in BAD_FRAMES], ids=[b[0] for b in BAD_FRAMES]
)
def test_decode__bad_frame__precise_error(text: str, code: str, field: str | None) -> None:
    with pytest.raises(p.ProtocolError) as info:
        p.decode(text)
    assert (info.value.code, info.value.field) == (code, field)
    assert info.value.message
    error = p.error_from(info.value)
    assert p.decode_server(p.encode(error)) == error


def test_decode__unknown_type__lists_accepted_types() -> None:
    with pytest.raises(p.ProtocolError) as info:
        p.decode('{"type": "ofer.accept"}')
    for name in p.CLIENT_MESSAGE_TYPES:
        assert name in info.value.message


def test_decode__bytes__utf8_or_error() -> None:
    assert p.decode(b'{"type":"heartbeat"}') == p.Heartbeat()
    with pytest.raises(p.ProtocolError) as info:
        p.decode(b"\xff\xfe")
    assert info.value.code == p.ErrorCode.MALFORMED_JSON


def test_decode__end_of_candidates__accepted_without_mid() -> None:
    msg = p.decode('{"type":"signal.ice","room_id":"r","to":"b","candidate":""}')
    assert msg == p.SignalIce(room_id="r", to="b", candidate="")


def test_decode__browser_candidate_json__accepted() -> None:
    # The shape of RTCIceCandidate.toJSON() in Chromium, spread into the frame.
    text = json.dumps(
        {
            "type": "signal.ice",
            "room_id": "room-1",
            "to": "interp:7",
            "candidate": "candidate:842163049 1 udp 1677729535 127.0.0.1 54321 typ srflx raddr 0.0.0.0 rport 0",  # noqa: E501
            "sdpMid": "0",
            "sdpMLineIndex": 0,
            "usernameFragment": "y3Jd",
        }
    )
    msg = p.decode(text)
    assert isinstance(msg, p.SignalIce)
    assert (msg.sdp_mid, msg.sdp_mline_index, msg.username_fragment) == ("0", 0, "y3Jd")


def test_decode_server__nested_error_path() -> None:
    text = json.dumps(
        {
            "type": "room.joined",
            "room_id": "r",
            "participant_id": "p",
            "role": "counselor",
            "peers": [{"participant_id": "q", "role": "chef"}],
            "ice_servers": [],
        }
    )
    with pytest.raises(p.ProtocolError) as info:
        p.decode_server(text)
    assert (info.value.code, info.value.field) == (p.ErrorCode.INVALID_FIELD, "peers[0].role")


def test_decode_server__naive_time__rejected() -> None:
    text = json.dumps(
        {
            "type": "offer",
            "offer_id": "o",
            "consultation_id": "c",
            "language": "ko",
            "channel": "phone",
            "municipality": "33202",
            "topic_hint": None,
            "expires_at": "2025-04-01T10:00:00",
        }
    )
    with pytest.raises(p.ProtocolError) as info:
        p.decode_server(text)
    assert info.value.field == "expires_at"


def test_encode__naive_time__refused() -> None:
    msg = p.OfferWithdrawn(offer_id="o", reason="taken")
    assert p.decode_server(p.encode(msg)) == msg
    with pytest.raises(ValueError, match="timezone-aware"):
        p.encode(
            p.Offer(
                offer_id="o",
                consultation_id="c",
                language="ko",
                channel="phone",
                municipality="33202",
                topic_hint=None,
                expires_at=datetime(2025, 1, 1),  # naive on purpose
            )
        )


@pytest.mark.parametrize(
    ("sdp", "ok"),
    [
        (SDP, True),
        (SDP.replace("\r\n", "\n"), True),
        ("v=1\r\nm=audio 9 RTP/AVP 0\r\n", False),
        ("v=0\r\ns=-\r\n", False),
        ("v=0\r\nm=audio\x00\r\n", False),
        ("", False),
    ],
)
def test_check_sdp__table(sdp: str, ok: bool) -> None:
    if ok:
        p.check_sdp(sdp)
    else:
        with pytest.raises(ValueError):
            p.check_sdp(sdp)


def test_decode__huge_unknown_key__short_error() -> None:
    with pytest.raises(p.ProtocolError) as info:
        p.decode(json.dumps({"type": "heartbeat", "k" * 5000: 1}))
    error = p.error_from(info.value)
    assert len(p.encode(error)) < 400
    assert p.decode_server(p.encode(error)) == error
