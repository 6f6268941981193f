"""Counter devices: register (the token is shown once), rename, move to another site, revoke."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.admin import references
from app.admin.schemas import DeviceUpdate
from app.audit.service import record
from app.auth.principal import Principal
from app.auth.service import register_device
from app.device.models import Device
from app.errors import Conflict, NotFound


async def all_devices(session: AsyncSession) -> list[Device]:
    query = (
        select(Device).options(selectinload(Device.site)).order_by(Device.revoked_at.is_not(None), Device.id)
    )
    return list((await session.scalars(query)).all())


async def get(session: AsyncSession, device_id: int) -> Device:
    device = await session.scalar(
        select(Device).options(selectinload(Device.site)).where(Device.id == device_id)
    )
    if device is None:
        raise NotFound(f"no device {device_id}")
    return device


async def register(
    session: AsyncSession,
    actor: Principal | None,
    name: str,
    site_code: str,
    expires_at: datetime | None = None,
) -> tuple[str, Device]:
    site = await references.site(session, site_code)
    token, device = await register_device(session, site.id, name, expires_at)
    await record(
        session,
        actor,
        "admin.device.register",
        "device",
        device.id,
        {"after": {"name": name, "site": site.code}},
    )
    return token, await get(session, device.id)


async def update(
    session: AsyncSession, actor: Principal | None, device_id: int, body: DeviceUpdate
) -> Device:
    device = await get(session, device_id)
    if device.revoked_at is not None:
        raise Conflict("this device is revoked; register a new one")
    before = {"name": device.name, "site": device.site.code}
    if body.name is not None:
        device.name = body.name
    if body.site is not None and body.site != device.site.code:
        device.site_id = (await references.site(session, body.site)).id
    await session.flush()
    session.expire(device, ["site"])
    device = await get(session, device_id)
    after = {"name": device.name, "site": device.site.code}
    changed = {k: v for k, v in after.items() if before[k] != v}
    await record(
        session,
        actor,
        "admin.device.update",
        "device",
        device.id,
        {"before": {k: before[k] for k in changed}, "after": changed},
    )
    return device


async def revoke(session: AsyncSession, actor: Principal | None, device_id: int, now: datetime) -> Device:
    device = await get(session, device_id)
    if device.revoked_at is None:
        device.revoked_at = now
        await session.flush()
        await record(session, actor, "admin.device.revoke", "device", device.id, {"name": device.name})
    return device
