"""The interpreter pool and its vendors: create, edit, deactivate; each change audited, before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.admin import references
from app.admin.schemas import InterpreterCreate, InterpreterUpdate, VendorCreate, VendorUpdate
from app.audit.service import record
from app.auth.principal import Principal
from app.consultation.models import CallLeg
from app.enums import Role
from app.errors import Conflict, InvalidField, NotFound
from app.interpreter.models import Interpreter, Vendor
from app.staff.models import StaffUser


def interpreter_facts(interpreter: Interpreter, username: str | None) -> dict[str, Any]:
    """What an audit row says an interpreter was or became."""
    return {
        "display_name": interpreter.display_name,
        "vendor": interpreter.vendor,
        "languages": sorted(lang.code for lang in interpreter.languages),
        "gender": interpreter.gender.value if interpreter.gender else None,
        "dv_cleared": interpreter.dv_cleared,
        "child_cleared": interpreter.child_cleared,
        "active": interpreter.active,
        "username": username,
    }


# -- vendors ---------------------------------------------------------------------------------------------


async def vendor_counts(session: AsyncSession) -> list[tuple[Vendor, int]]:
    counts = dict(
        (await session.execute(select(Interpreter.vendor, func.count()).group_by(Interpreter.vendor))).all()
    )
    vendors = (await session.scalars(select(Vendor).order_by(Vendor.name))).all()
    return [(v, counts.get(v.name, 0)) for v in vendors]


async def _active_vendor(session: AsyncSession, name: str) -> Vendor:
    vendor = await session.scalar(select(Vendor).where(Vendor.name == name))
    if vendor is None or not vendor.active:
        accepted = (await session.scalars(select(Vendor.name).where(Vendor.active.is_(True)))).all()
        raise InvalidField(("vendor",), f"unknown or inactive vendor {name!r}", list(accepted))
    return vendor


async def create_vendor(session: AsyncSession, actor: Principal | None, body: VendorCreate) -> Vendor:
    if await session.scalar(select(Vendor).where(Vendor.name == body.name)) is not None:
        raise Conflict(f"a vendor named {body.name!r} already exists")
    vendor = Vendor(name=body.name)
    session.add(vendor)
    await session.flush()
    await record(session, actor, "admin.vendor.create", "vendor", vendor.id, {"after": {"name": vendor.name}})
    return vendor


async def update_vendor(
    session: AsyncSession, actor: Principal | None, vendor_id: int, body: VendorUpdate
) -> Vendor:
    vendor = await session.get(Vendor, vendor_id)
    if vendor is None:
        raise NotFound(f"no vendor {vendor_id}")
    before = {"name": vendor.name, "active": vendor.active}
    if body.name is not None and body.name != vendor.name:
        if await session.scalar(select(Vendor).where(Vendor.name == body.name)) is not None:
            raise Conflict(f"a vendor named {body.name!r} already exists")
        # Routing keys vendor hours and buckets by the name: the interpreters follow the rename.
        for interpreter in (
            await session.scalars(select(Interpreter).where(Interpreter.vendor == vendor.name))
        ).all():
            interpreter.vendor = body.name
        vendor.name = body.name
    if body.active is not None:
        vendor.active = body.active
    await session.flush()
    after = {"name": vendor.name, "active": vendor.active}
    await record(
        session, actor, "admin.vendor.update", "vendor", vendor.id, {"before": before, "after": after}
    )
    return vendor


# -- interpreters ----------------------------------------------------------------------------------------


async def _linkable(session: AsyncSession, username: str, interpreter_id: int | None) -> StaffUser:
    user = await references.account(session, username)
    if user.role is not Role.interpreter:
        raise InvalidField(
            ("username",), f"{username!r} is a {user.role.value} account, not an interpreter's"
        )
    linked = await session.scalar(select(Interpreter).where(Interpreter.staff_user_id == user.id))
    if linked is not None and linked.id != interpreter_id:
        raise Conflict(f"{username!r} is already linked to interpreter {linked.id} ({linked.display_name})")
    return user


async def username_of(session: AsyncSession, interpreter: Interpreter) -> str | None:
    if interpreter.staff_user_id is None:
        return None
    return await session.scalar(select(StaffUser.username).where(StaffUser.id == interpreter.staff_user_id))


async def create_interpreter(
    session: AsyncSession, actor: Principal | None, body: InterpreterCreate
) -> Interpreter:
    await _active_vendor(session, body.vendor)
    languages = await references.languages(session, body.languages)
    user = await _linkable(session, body.username, None) if body.username else None
    interpreter = Interpreter(
        display_name=body.display_name,
        vendor=body.vendor,
        gender=body.gender,
        dv_cleared=body.dv_cleared,
        child_cleared=body.child_cleared,
        staff_user_id=user.id if user else None,
        languages=languages,
    )
    session.add(interpreter)
    await session.flush()
    after = interpreter_facts(interpreter, body.username)
    await record(session, actor, "admin.interpreter.create", "interpreter", interpreter.id, {"after": after})
    return interpreter


async def update_interpreter(
    session: AsyncSession, actor: Principal | None, interpreter_id: int, body: InterpreterUpdate
) -> Interpreter:
    interpreter = await session.get(Interpreter, interpreter_id)
    if interpreter is None:
        raise NotFound(f"no interpreter {interpreter_id}")
    if body.username is not None and body.unlink:
        raise InvalidField(("unlink",), "give either username or unlink, not both")
    username = await username_of(session, interpreter)
    before = interpreter_facts(interpreter, username)
    if body.vendor is not None and body.vendor != interpreter.vendor:
        await _active_vendor(session, body.vendor)
        interpreter.vendor = body.vendor
    if body.languages is not None:
        interpreter.languages = await references.languages(session, body.languages)
    if body.display_name is not None:
        interpreter.display_name = body.display_name
    if body.gender is not None:
        interpreter.gender = body.gender
    elif body.clear_gender:
        interpreter.gender = None
    if body.dv_cleared is not None:
        interpreter.dv_cleared = body.dv_cleared
    if body.child_cleared is not None:
        interpreter.child_cleared = body.child_cleared
    if body.active is not None:
        interpreter.active = body.active
    if body.username is not None:
        interpreter.staff_user_id = (await _linkable(session, body.username, interpreter.id)).id
        username = body.username
    elif body.unlink:
        interpreter.staff_user_id, username = None, None
    await session.flush()
    after = interpreter_facts(interpreter, username)
    changed = {k: v for k, v in after.items() if before[k] != v}
    await record(
        session,
        actor,
        "admin.interpreter.update",
        "interpreter",
        interpreter.id,
        {"before": {k: before[k] for k in changed}, "after": changed},
    )
    return interpreter


@dataclass(frozen=True, slots=True)
class Presence:
    state: str
    last_seen_at: datetime | None


async def minutes_today(session: AsyncSession, now: datetime, zone: ZoneInfo) -> dict[int, float]:
    """Call minutes per interpreter since local midnight (a leg still open counts up to now)."""
    midnight = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    legs = await session.execute(
        select(CallLeg.interpreter_id, CallLeg.joined_at, CallLeg.left_at).where(
            CallLeg.interpreter_id.is_not(None), (CallLeg.left_at.is_(None)) | (CallLeg.left_at > midnight)
        )
    )
    totals: dict[int, timedelta] = {}
    for interpreter_id, joined, left in legs:
        start, end = max(_aware(joined), midnight), min(_aware(left) if left else now, now)
        if end > start and interpreter_id is not None:
            totals[interpreter_id] = totals.get(interpreter_id, timedelta()) + (end - start)
    return {k: round(v.total_seconds() / 60, 1) for k, v in totals.items()}


def _aware(at: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
