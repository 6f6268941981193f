"""Peers that exist only for tests and benchmarks: a scripted WebRTC bot and a tone-playing call."""
