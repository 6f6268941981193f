"""The admin operations as `madoguchi admin ...` commands: each changes, audits (actor "system": a shell
on the server) and returns the line to print."""

from __future__ import annotations

import argparse
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.admin import accounts, devices, pool, references
from app.admin.schemas import DeviceUpdate, InterpreterCreate, InterpreterUpdate, StaffUpdate, VendorCreate
from app.device.models import Device
from app.enums import InterpreterGender, Role
from app.interpreter.models import Interpreter


def codes(text: str | None) -> list[str]:
    return [c.strip() for c in (text or "").split(",") if c.strip()]


async def add_vendor(session: AsyncSession, args: argparse.Namespace) -> str:
    vendor = await pool.create_vendor(session, None, VendorCreate(name=args.name))
    return f"vendor {vendor.name!r} (id {vendor.id})"


async def add_interpreter(session: AsyncSession, args: argparse.Namespace) -> str:
    body = InterpreterCreate(
        display_name=args.display_name,
        vendor=args.vendor,
        languages=codes(args.languages),
        gender=InterpreterGender(args.gender) if args.gender else None,
        dv_cleared=args.dv_cleared,
        child_cleared=args.child_cleared,
        username=args.username,
    )
    interpreter = await pool.create_interpreter(session, None, body)
    linked = f", signs in as {args.username!r}" if args.username else ", no sign-in linked yet"
    return f"interpreter {interpreter.display_name!r} (id {interpreter.id}){linked}"


async def edit_interpreter(session: AsyncSession, args: argparse.Namespace) -> str:
    body = InterpreterUpdate(
        display_name=args.display_name,
        vendor=args.vendor,
        languages=codes(args.languages) or None,
        gender=InterpreterGender(args.gender) if args.gender else None,
        dv_cleared=args.dv_cleared,
        child_cleared=args.child_cleared,
        active=args.active,
        username=args.username,
    )
    interpreter = await pool.update_interpreter(session, None, args.id, body)
    return f"interpreter {interpreter.id} updated"


async def list_interpreters(session: AsyncSession, args: argparse.Namespace) -> str:
    rows = (await session.scalars(select(Interpreter).order_by(Interpreter.id))).all()
    lines = []
    for i in rows:
        username = await pool.username_of(session, i)
        flags = "".join(f for f, ok in ((" DV", i.dv_cleared), (" child", i.child_cleared)) if ok)
        state = "active" if i.active else "inactive"
        languages = ",".join(sorted(lang.code for lang in i.languages))
        lines.append(f"{i.id}\t{i.display_name}\t{i.vendor}\t{languages}\t{username or '-'}\t{state}{flags}")
    return "\n".join(lines) or "no interpreters yet"


async def set_user_active(
    session: AsyncSession, args: argparse.Namespace, now: datetime, active: bool
) -> str:
    user = await references.account(session, args.username)
    await accounts.set_active(session, None, user.id, active, now)
    return f"{user.username!r} {'enabled' if active else 'disabled: its sessions and API tokens ended'}"


async def reset_password(
    session: AsyncSession, args: argparse.Namespace, now: datetime, password: str
) -> str:
    user = await references.account(session, args.username)
    await accounts.reset_password(session, None, user.id, password, now)
    return f"new password set for {user.username!r}; its sessions and API tokens ended"


async def list_devices(session: AsyncSession, args: argparse.Namespace) -> str:
    lines = []
    for d in await devices.all_devices(session):
        seen = d.last_seen_at.isoformat(timespec="seconds") if d.last_seen_at else "never"
        state = f"revoked {d.revoked_at:%Y-%m-%d}" if d.revoked_at else "active"
        lines.append(f"{d.id}\t{d.name}\t{d.site.code}\tlast seen {seen}\t{state}")
    return "\n".join(lines) or "no devices yet"


async def edit_device(session: AsyncSession, args: argparse.Namespace) -> str:
    device = await devices.update(session, None, args.id, DeviceUpdate(name=args.name, site=args.site))
    return f"device {device.id}: {device.name!r} at {device.site.code}"


async def revoke_device(session: AsyncSession, args: argparse.Namespace, now: datetime) -> str:
    device: Device = await devices.revoke(session, None, args.id, now)
    return f"device {device.id} ({device.name!r}) revoked; its token no longer works"


async def edit_user(session: AsyncSession, args: argparse.Namespace) -> str:
    user = await references.account(session, args.username)
    body = StaffUpdate(
        display_name=args.display_name,
        role=Role(args.role) if args.role else None,
        municipality=args.municipality or None,
        clear_municipality=args.municipality == "",
        site=args.site or None,
        clear_site=args.site == "",
        languages=codes(args.languages) or None,
    )
    await accounts.update_account(session, None, user.id, body)
    scope = user.municipality_code or "the whole area"
    return f"{user.username!r}: {user.role.value}, scope {scope}"
