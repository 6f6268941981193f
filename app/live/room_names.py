"""The names on the pictures of a call: staff in a room are shown to the others (the resident included)
by their display name, so a resident knows who interprets and who advises. Residents, tablets and phones
have no name here: a resident's name never travels to the interpreter."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.interpreter.models import Interpreter
from app.staff.models import StaffUser
from realtime.signaling import NamesFor

__all__ = ["room_names", "staff_ids"]

log = logging.getLogger(__name__)

COUNSELOR_PREFIX = "staff-"  # app.live.topics.counselor_participant
INTERPRETER_PREFIX = "interp-"  # app.live.topics.interpreter_participant


def staff_ids(participant_ids: Sequence[str]) -> tuple[dict[int, str], dict[int, str]]:
    """Counselor and interpreter database ids found in room participant ids, each mapped back to its id."""
    counselors: dict[int, str] = {}
    interpreters: dict[int, str] = {}
    for pid in participant_ids:
        for prefix, found in ((COUNSELOR_PREFIX, counselors), (INTERPRETER_PREFIX, interpreters)):
            rest = pid.removeprefix(prefix)
            if rest != pid and rest.isdigit():
                found[int(rest)] = pid
    return counselors, interpreters


def room_names(sessionmaker: async_sessionmaker[AsyncSession]) -> NamesFor:
    """`RoomSignaling`'s name look-up: one query per kind of staff, only for the ids in the room."""

    async def names_for(participant_ids: Sequence[str]) -> Mapping[str, str]:
        try:
            return await look_up(participant_ids)
        except Exception:  # a name is a courtesy: a failed look-up never keeps anyone out of a call
            log.exception("room names: look-up failed")
            return {}

    async def look_up(participant_ids: Sequence[str]) -> Mapping[str, str]:
        counselors, interpreters = staff_ids(participant_ids)
        if not counselors and not interpreters:
            return {}
        names: dict[str, str] = {}
        async with sessionmaker() as session:
            if counselors:
                rows = await session.execute(
                    select(StaffUser.id, StaffUser.display_name).where(StaffUser.id.in_(counselors))
                )
                names.update({counselors[i]: n for i, n in rows if n})
            if interpreters:
                rows = await session.execute(
                    select(Interpreter.id, Interpreter.display_name).where(Interpreter.id.in_(interpreters))
                )
                names.update({interpreters[i]: n for i, n in rows if n})
        return names

    return names_for
