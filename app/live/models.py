"""The routing journal: every event fed to the engine and every decision it made, in order; the policies they
were decided under; and checkpoints of the engine's state.

After a restart the newest readable checkpoint is restored and only the events after it are replayed, each
under the policy version recorded with it (the engine is deterministic), so a changed policy never rewrites
the past. Format versions: an event row of format 1 (written before policy versions existed) has no policy
version; format 2 rows have one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, text
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
    format_version: Mapped[int] = mapped_column(
        Integer, server_default=text("1"), comment="1: no policy version (before checkpoints); 2: with one"
    )
    policy_version: Mapped[str | None] = mapped_column(
        String(16), comment="routing_policy.version the engine decided this event under"
    )


class RoutingDecision(Base):
    __tablename__ = "routing_decision"

    id: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=True)
    event_seq: Mapped[int] = mapped_column(ForeignKey("routing_event.seq", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(48))
    request_id: Mapped[str | None] = mapped_column(String(36), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class RoutingPolicy(Base):
    """Every desk policy the engine has run under, by content hash (a replay needs the one of its time)."""

    __tablename__ = "routing_policy"

    version: Mapped[str] = mapped_column(String(16), primary_key=True, comment="content hash of payload")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, comment="DeskPolicy.to_dict()")
    first_used_at: Mapped[datetime] = mapped_column(comment="routing time it first applied (UTC)")


class RoutingCheckpoint(Base):
    """The engine's whole state after the journal event `event_seq` (0: before any event)."""

    __tablename__ = "routing_checkpoint"

    id: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=True)
    event_seq: Mapped[int] = mapped_column(BigInteger, index=True, comment="last routing_event.seq included")
    format_version: Mapped[int] = mapped_column(Integer, comment="routing.CHECKPOINT_FORMAT of payload")
    policy_version: Mapped[str] = mapped_column(String(16), comment="the policy the state was decided under")
    at: Mapped[datetime | None] = mapped_column(comment="the engine's time in the checkpoint (UTC)")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=now_default)
