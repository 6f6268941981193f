"""The admin API: the interpreter pool, vendors, staff accounts and counter devices (/api/v1/admin/...).

Only admins change anything; coordinators read the pool, vendors and devices; everyone else gets 403.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, status
from sqlalchemy import select

from app.admin import accounts, devices, pool
from app.admin.revocation import close_open_connections
from app.admin.schemas import (
    DeviceCreate,
    DeviceRead,
    DeviceRegistered,
    DeviceUpdate,
    InterpreterCreate,
    InterpreterRead,
    InterpreterUpdate,
    PasswordReset,
    StaffCreate,
    StaffRead,
    StaffUpdate,
    VendorCreate,
    VendorRead,
    VendorUpdate,
)
from app.bounds import RowId
from app.deps import Admin, ClockDep, DbSession, GatewayDep, ReportReader, SettingsDep
from app.device.models import Device
from app.geography.models import Site
from app.interpreter.models import Interpreter
from app.resident.qr import qr_svg
from app.staff.models import StaffUser

router = APIRouter(prefix="/admin", tags=["administration"])


# -- vendors ---------------------------------------------------------------------------------------------


@router.get("/vendors", response_model=list[VendorRead])
async def list_vendors(db: DbSession, principal: ReportReader) -> list[VendorRead]:
    return [
        VendorRead(id=v.id, name=v.name, active=v.active, interpreters=n)
        for v, n in await pool.vendor_counts(db)
    ]


@router.post("/vendors", response_model=VendorRead, status_code=status.HTTP_201_CREATED)
async def create_vendor(body: VendorCreate, db: DbSession, principal: Admin) -> VendorRead:
    vendor = await pool.create_vendor(db, principal, body)
    return VendorRead(id=vendor.id, name=vendor.name, active=vendor.active, interpreters=0)


@router.patch("/vendors/{vendor_id}", response_model=VendorRead)
async def update_vendor(vendor_id: RowId, body: VendorUpdate, db: DbSession, principal: Admin) -> VendorRead:
    vendor = await pool.update_vendor(db, principal, vendor_id, body)
    counts = dict((v.id, n) for v, n in await pool.vendor_counts(db))
    return VendorRead(
        id=vendor.id, name=vendor.name, active=vendor.active, interpreters=counts.get(vendor.id, 0)
    )


# -- interpreters ----------------------------------------------------------------------------------------


async def _interpreter_reads(
    request: Request,
    db: DbSession,
    clock: ClockDep,
    settings: SettingsDep,
    gateway: GatewayDep,
    only: int | None,
) -> list[InterpreterRead]:
    query = select(Interpreter, StaffUser.username).outerjoin(
        StaffUser, Interpreter.staff_user_id == StaffUser.id
    )
    if only is not None:
        query = query.where(Interpreter.id == only)
    rows = (await db.execute(query.order_by(Interpreter.active.desc(), Interpreter.display_name))).all()
    minutes = await pool.minutes_today(db, clock.now(), settings.zone)
    found = []
    for interpreter, username in rows:
        entry = gateway.interpreters.get(str(interpreter.id))
        found.append(
            InterpreterRead(
                id=interpreter.id,
                display_name=interpreter.display_name,
                vendor=interpreter.vendor,
                languages=sorted(lang.code for lang in interpreter.languages),
                gender=interpreter.gender,
                dv_cleared=interpreter.dv_cleared,
                child_cleared=interpreter.child_cleared,
                active=interpreter.active,
                username=username,
                presence=entry.state if entry is not None else "offline",
                last_seen_at=entry.last_seen_at if entry is not None else None,
                minutes_today=minutes.get(interpreter.id, 0.0),
            )
        )
    return found


@router.get("/interpreters", response_model=list[InterpreterRead])
async def list_interpreters(
    request: Request,
    db: DbSession,
    clock: ClockDep,
    settings: SettingsDep,
    gateway: GatewayDep,
    principal: ReportReader,
) -> list[InterpreterRead]:
    """The pool with today's presence and call minutes per interpreter."""
    return await _interpreter_reads(request, db, clock, settings, gateway, None)


@router.post("/interpreters", response_model=InterpreterRead, status_code=status.HTTP_201_CREATED)
async def create_interpreter(
    body: InterpreterCreate,
    request: Request,
    db: DbSession,
    clock: ClockDep,
    settings: SettingsDep,
    gateway: GatewayDep,
    principal: Admin,
) -> InterpreterRead:
    interpreter = await pool.create_interpreter(db, principal, body)
    return (await _interpreter_reads(request, db, clock, settings, gateway, interpreter.id))[0]


@router.patch("/interpreters/{interpreter_id}", response_model=InterpreterRead)
async def update_interpreter(
    interpreter_id: RowId,
    body: InterpreterUpdate,
    request: Request,
    db: DbSession,
    clock: ClockDep,
    settings: SettingsDep,
    gateway: GatewayDep,
    principal: Admin,
) -> InterpreterRead:
    """Edit or deactivate (`active: false`): a deactivated interpreter leaves routing now and cannot go
    available again."""
    await pool.update_interpreter(db, principal, interpreter_id, body)
    if body.active is False and gateway.interpreters.get(str(interpreter_id)) is not None:
        await db.commit()
        await gateway.interpreter_state(interpreter_id, "away", gateway.desk.clock.now())
    return (await _interpreter_reads(request, db, clock, settings, gateway, interpreter_id))[0]


# -- staff -----------------------------------------------------------------------------------------------


async def _staff_reads(db: DbSession, clock: ClockDep, only: int | None) -> list[StaffRead]:
    query = select(StaffUser, Site.code).outerjoin(Site, StaffUser.site_id == Site.id)
    if only is not None:
        query = query.where(StaffUser.id == only)
    rows = (await db.execute(query.order_by(StaffUser.active.desc(), StaffUser.username))).all()
    sessions, tokens = await accounts.session_counts(db, clock.now())
    return [
        StaffRead(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            municipality=user.municipality_code,
            site=site_code,
            languages=[lang.code for lang in user.languages],
            active=user.active,
            sessions=sessions.get(user.id, 0),
            api_tokens=tokens.get(user.id, 0),
        )
        for user, site_code in rows
    ]


@router.get("/staff", response_model=list[StaffRead])
async def list_staff(db: DbSession, clock: ClockDep, principal: Admin) -> list[StaffRead]:
    return await _staff_reads(db, clock, None)


@router.post("/staff", response_model=StaffRead, status_code=status.HTTP_201_CREATED)
async def create_staff(body: StaffCreate, db: DbSession, clock: ClockDep, principal: Admin) -> StaffRead:
    user = await accounts.create_account(db, principal, body)
    return (await _staff_reads(db, clock, user.id))[0]


@router.patch("/staff/{user_id}", response_model=StaffRead)
async def update_staff(
    user_id: RowId, body: StaffUpdate, db: DbSession, clock: ClockDep, principal: Admin
) -> StaffRead:
    await accounts.update_account(db, principal, user_id, body)
    return (await _staff_reads(db, clock, user_id))[0]


@router.post("/staff/{user_id}/disable", response_model=StaffRead)
async def disable_staff(
    user_id: RowId, request: Request, db: DbSession, clock: ClockDep, principal: Admin
) -> StaffRead:
    """Disable: the account's sessions and API tokens stop working at once."""
    await accounts.set_active(db, principal, user_id, False, clock.now())
    read = (await _staff_reads(db, clock, user_id))[0]
    await db.commit()
    await close_open_connections(request.app.state, staff_user_id=user_id)
    return read


@router.post("/staff/{user_id}/enable", response_model=StaffRead)
async def enable_staff(user_id: RowId, db: DbSession, clock: ClockDep, principal: Admin) -> StaffRead:
    await accounts.set_active(db, principal, user_id, True, clock.now())
    return (await _staff_reads(db, clock, user_id))[0]


@router.post("/staff/{user_id}/password", response_model=StaffRead)
async def reset_password(
    user_id: RowId, body: PasswordReset, request: Request, db: DbSession, clock: ClockDep, principal: Admin
) -> StaffRead:
    """Set a new password; the account's sessions and API tokens end (sign in again with the new one)."""
    await accounts.reset_password(db, principal, user_id, body.password, clock.now())
    read = (await _staff_reads(db, clock, user_id))[0]
    await db.commit()
    await close_open_connections(request.app.state, staff_user_id=user_id)
    return read


# -- devices ---------------------------------------------------------------------------------------------


def _device_read(device: Device) -> DeviceRead:
    return DeviceRead(
        id=device.id,
        name=device.name,
        site=device.site.code,
        site_name_ja=device.site.name_ja,
        created_at=device.created_at,
        last_seen_at=device.last_seen_at,
        revoked_at=device.revoked_at,
    )


@router.get("/devices", response_model=list[DeviceRead])
async def list_devices(db: DbSession, principal: ReportReader) -> list[DeviceRead]:
    return [_device_read(d) for d in await devices.all_devices(db)]


@router.post("/devices", response_model=DeviceRegistered, status_code=status.HTTP_201_CREATED)
async def register_device(
    body: DeviceCreate,
    request: Request,
    db: DbSession,
    clock: ClockDep,
    settings: SettingsDep,
    principal: Admin,
) -> DeviceRegistered:
    """Register a counter tablet. The token is in this answer only (with a QR code that pairs the tablet);
    it expires after MADOGUCHI_DEVICE_TOKEN_DAYS (0: never)."""
    days = settings.device_token_days
    expires_at = clock.now() + timedelta(days=days) if days else None
    token, device = await devices.register(db, principal, body.name, body.site, expires_at)
    pairing_url = f"{str(request.base_url).rstrip('/')}/tablet#token={token}"
    return DeviceRegistered(
        **_device_read(device).model_dump(), token=token, pairing_url=pairing_url, qr_svg=qr_svg(pairing_url)
    )


@router.patch("/devices/{device_id}", response_model=DeviceRead)
async def update_device(device_id: RowId, body: DeviceUpdate, db: DbSession, principal: Admin) -> DeviceRead:
    """Rename or move to another site."""
    return _device_read(await devices.update(db, principal, device_id, body))


@router.post("/devices/{device_id}/revoke", response_model=DeviceRead)
async def revoke_device(
    device_id: RowId, request: Request, db: DbSession, clock: ClockDep, principal: Admin
) -> DeviceRead:
    """Revoke: the tablet's token stops working at once."""
    read = _device_read(await devices.revoke(db, principal, device_id, clock.now()))
    await db.commit()
    await close_open_connections(request.app.state, device_id=device_id)
    return read
