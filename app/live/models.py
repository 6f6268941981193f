"""The routing journal: every event fed to the engine and every decision it made, in order.

Replaying the events into a fresh engine rebuilds the live queue after a restart (the engine is
deterministic).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import now_default
from app.db import Base

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit sequence.
_SEQ = BigInteger().with_variant(Integer(), "sqlite")


class RoutingEvent(Base):
    __tablename__ = "routing_event"

    seq: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True, comment="the instant the engine was told (UTC)")
    kind: Mapped[str] = mapped_column(String(48))
    request_id: Mapped[str | None] = mapped_column(String(36), index=True, comment="consultation public id")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(default=now_default)


class RoutingDecision(Base):
    __tablename__ = "routing_decision"

    id: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=True)
    event_seq: Mapped[int] = mapped_column(ForeignKey("routing_event.seq", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(48))
    request_id: Mapped[str | None] = mapped_column(String(36), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
