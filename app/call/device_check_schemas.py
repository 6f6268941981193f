"""Response model of the device-check report: what the server measured per kind of media, and the verdicts."""

from __future__ import annotations

from pydantic import BaseModel

from realtime.peers.device_check import Kind, Mode


class MediaQualityRead(BaseModel):
    kind: Kind
    mode: Mode
    frames_received: int
    frames_sent: int
    first_frame_after_s: float | None
    packets_received: int
    packets_lost: int
    jitter_ms: float | None
    packets_sent: int
    remote_packets_lost: int | None
    round_trip_time_s: float | None
    width: int | None
    height: int | None
    loss_ratio: float | None


class DeviceCheckReportRead(BaseModel):
    """What the browser's camera and microphone sent, as the server's echo peer measured it."""

    session_id: str
    connection_state: str
    connected_after_s: float | None
    elapsed_s: float
    audio: MediaQualityRead | None
    video: MediaQualityRead | None
    round_trip_time_s: float | None
    bytes_received: int
    bytes_sent: int
    audio_ok: bool
    video_ok: bool
