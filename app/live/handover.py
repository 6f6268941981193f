"""Presence across a change of routing leader, asked for until it is heard (cluster only).

A new leader rebuilt routing from the journal and cannot see other processes' sockets. It asks every process
(REANNOUNCE, carrying its lease epoch) to re-announce who is connected there and to vouch for them (VOUCH: the
members that process tracks and will sweep itself), so members kept only for a reconnect do not lapse on the
leader for want of heartbeats on its own sockets. Both travel over Redis pub/sub, which keeps nothing for a
subscriber that is away: a Redis blip at takeover would lose them. So the leader asks again at each lease
step while a member it keeps for a reconnect is neither vouched for nor connected to it, until the heartbeat
timeout (after which that member has lapsed anyway). A process re-announces once per leader epoch, and
vouches each time it is asked.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime

from app.live.gateway import Gateway

log = logging.getLogger(__name__)

REANNOUNCE_TOPIC = "cluster!reannounce"  # a relayed control message, never a socket's topic
VOUCH_TOPIC = "cluster!vouch"  # the answer: members tracked by the process that sends it

Send = Callable[[str, str], None]


class PresenceHandover:
    """One process's side: asks as the leader (`led`, `step`), answers as any process (`relayed`)."""

    def __init__(self, gateway: Gateway, send: Send, reannounce: Callable[[], None]) -> None:
        self._gateway = gateway
        self._send = send
        self._reannounce = reannounce
        self._asking_until: datetime | None = None
        self._epoch = ""
        self._answered: str | None = None  # the leader epoch this process last re-announced to
        self.asked = 0  # how many times this process asked, as the leader (for tests and logs)

    def led(self, now: datetime, epoch: int | None) -> None:
        """This process began leading: ask every other process, and keep asking until heard."""
        self._epoch = "" if epoch is None else str(epoch)
        self._asking_until = now + self._gateway.interpreters.timeout
        self._ask()

    def step(self, now: datetime, leading: bool) -> None:
        """A lease step: the leader asks again while a member it keeps for a reconnect is still unheard."""
        if not leading:
            self._asking_until = None
            return
        if self._asking_until is None:
            return
        if now >= self._asking_until or not self._gateway.awaiting_vouch():
            self._asking_until = None  # heard (or too late to matter): stop asking
            return
        log.info("presence after takeover: asking the other processes again (no vouch heard yet)")
        self._ask()

    def _ask(self) -> None:
        self.asked += 1
        self._send(REANNOUNCE_TOPIC, self._epoch)

    def relayed(self, topic: str, text: str, now: datetime) -> bool:
        """Handle a control message from another process; False: not one (a frame for the hub)."""
        if topic == REANNOUNCE_TOPIC:  # a process leads: tell it who is here (once per epoch), and vouch
            if text == "" or text != self._answered:
                self._answered = text or None
                self._reannounce()
            self._send(VOUCH_TOPIC, json.dumps(self._gateway.present_here()))
            return True
        if topic == VOUCH_TOPIC:  # members another process sweeps itself: not lapsed here for want of beats
            vouched(self._gateway, text, now)
            return True
        return False


def vouched(gateway: Gateway | None, text: str, now: datetime) -> None:
    """A relayed vouch, checked before it is believed (an unreadable one is logged and dropped)."""
    try:
        members = json.loads(text)
        interpreters, counselors = members["interpreters"], members["counselors"]
        if not isinstance(interpreters, list) or not isinstance(counselors, list):
            raise TypeError("member lists expected")
        if not all(isinstance(m, str) for m in (*interpreters, *counselors)):
            raise TypeError("member ids must be strings")
    except (ValueError, KeyError, TypeError) as exc:
        log.error("cluster: an unreadable %s message was dropped (%s)", VOUCH_TOPIC, exc)
        return
    if gateway is not None:
        gateway.vouched(interpreters, counselors, now)
