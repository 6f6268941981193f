"""Demo accounts, devices and interpreters so every screen has someone to sign in as (serve --demo)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.service import register_device
from app.device.models import Device
from app.enums import InterpreterGender, Role
from app.geography.models import Site
from app.interpreter.models import Interpreter, Vendor
from app.language.models import Language
from app.security.tokens import DEVICE_PREFIX, token_digest
from app.staff.models import StaffUser
from app.staff.service import create_user

log = logging.getLogger(__name__)

DEMO_USERS: tuple[tuple[str, Role, str, str | None, str | None, tuple[str, ...]], ...] = (
    # username, role, display name, municipality scope, site, languages
    ("admin", Role.admin, "管理者 Admin", None, None, ("ja",)),
    ("counselor-en", Role.counselor, "相談員(英語) Counselor EN", None, None, ("ja", "en")),
    ("counselor-zh-vi", Role.counselor, "相談員(中・越) Counselor ZH/VI", None, None, ("ja", "zh", "vi")),
    ("desk", Role.counter_staff, "倉敷 窓口職員 Desk staff", None, "kurashiki-desk", ("ja",)),
    ("soja-staff", Role.counter_staff, "総社 窓口職員 Soja counter staff", None, "soja-counter", ("ja",)),
    ("coordinator", Role.coordinator, "広域コーディネーター Wide-area coordinator", None, None, ("ja",)),
    ("coordinator-soja", Role.coordinator, "総社市コーディネーター Soja coordinator", "33208", None, ("ja",)),
)

DEMO_INTERPRETERS: tuple[tuple[str, str, InterpreterGender | None, bool, tuple[str, ...]], ...] = (
    ("interp-ne", "Sita (ne/hi)", InterpreterGender.female, True, ("ne", "hi")),
    ("interp-pt", "João (pt/es)", InterpreterGender.male, False, ("pt", "es")),
    ("interp-ko", "Min-ji (ko)", InterpreterGender.female, True, ("ko",)),
    ("interp-asia", "Ananda (th/id/fil)", None, False, ("th", "id", "fil")),
    ("interp-euro", "Olena (uk/ru/fr)", InterpreterGender.female, True, ("uk", "ru", "fr")),
)

DEMO_VENDOR = "Demo Interpreting Co."
DEMO_DEVICES = (("kurashiki-desk", "倉敷 19番窓口タブレット"), ("soja-counter", "総社市役所タブレット"))


@dataclass(frozen=True, slots=True)
class DemoAccess:
    usernames: list[str]
    device_tokens: dict[str, str]


class RealDataPresent(Exception):
    """`serve --demo` was pointed at a database that holds real (non-demo) accounts or devices."""


def demo_device_token(secret_key: str, device_name: str) -> str:
    """A demo tablet's bearer token, the same at every start (derived from the app secret, so only its hash is
    stored and a tablet paired once keeps working after a restart)."""
    digest = hmac.new(secret_key.encode(), f"demo-device:{device_name}".encode(), hashlib.sha256).digest()
    return DEVICE_PREFIX + base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def real_data_present(session: AsyncSession) -> str | None:
    """What real data the database holds (staff accounts or devices not made by the demo), or None."""
    users = await session.scalar(select(func.count()).select_from(StaffUser).where(StaffUser.demo.is_(False)))
    devices = await session.scalar(select(func.count()).select_from(Device).where(Device.demo.is_(False)))
    if not users and not devices:
        return None
    return f"{users} staff account(s) and {devices} counter device(s) that are not demo data"


async def demo_leftovers(session: AsyncSession) -> tuple[int, int]:
    """How many demo accounts and demo devices the database holds (they work in demo mode only)."""
    users = await session.scalar(select(func.count()).select_from(StaffUser).where(StaffUser.demo.is_(True)))
    devices = await session.scalar(select(func.count()).select_from(Device).where(Device.demo.is_(True)))
    return int(users or 0), int(devices or 0)


async def create_demo_data(session: AsyncSession, password: str, secret_key: str) -> DemoAccess:
    """Idempotent: people are made once, devices keep their token across starts. Everything made is marked
    demo (it signs in only in demo mode). Refuses a database that holds real accounts or devices."""
    real = await real_data_present(session)
    if real is not None:
        raise RealDataPresent(
            f"this database holds real data ({real}); --demo only runs on an empty or demo-only database. "
            "Use another MADOGUCHI_DATABASE_URL for the demo, or serve without --demo."
        )
    names: list[str] = []
    for username, role, display, municipality, site, languages in DEMO_USERS:
        if await session.scalar(select(StaffUser).where(StaffUser.username == username)) is None:
            made = await create_user(
                session,
                username=username,
                password=password,
                role=role,
                display_name=display,
                municipality_code=municipality,
                site_code=site,
                language_codes=languages,
            )
            made.demo = True
        names.append(username)
    if await session.scalar(select(Vendor).where(Vendor.name == DEMO_VENDOR)) is None:
        session.add(Vendor(name=DEMO_VENDOR))  # the admin screen lists it and may assign it
    for username, display, gender, cleared, languages in DEMO_INTERPRETERS:
        user = await session.scalar(select(StaffUser).where(StaffUser.username == username))
        if user is None:
            user = await create_user(
                session, username=username, password=password, role=Role.interpreter, display_name=display
            )
            user.demo = True
            langs = list((await session.scalars(select(Language).where(Language.code.in_(languages)))).all())
            session.add(
                Interpreter(
                    display_name=display,
                    vendor=DEMO_VENDOR,
                    gender=gender,
                    safety_cleared=cleared,
                    staff_user_id=user.id,
                    languages=langs,
                )
            )
        names.append(username)
    tokens: dict[str, str] = {}
    for site_code, device_name in DEMO_DEVICES:
        site = await session.scalar(select(Site).where(Site.code == site_code))
        assert site is not None, "reference data must be seeded first"
        token = demo_device_token(secret_key, device_name)
        device = await session.scalar(select(Device).where(Device.name == device_name))
        if device is None:
            await register_device(session, site.id, device_name, token=token, demo=True)
        else:  # the same token as last time (a database from before tokens were stable gets it once)
            device.token_hash, device.revoked_at = token_digest(token), None
        tokens[device_name] = token
    await session.flush()
    return DemoAccess(names, tokens)


async def log_demo_state(sessionmaker: async_sessionmaker[AsyncSession], demo_mode: bool) -> None:
    """At start-up, say in the log whether demo accounts and devices exist and whether they may sign in."""
    async with sessionmaker() as session:
        users, devices = await demo_leftovers(session)
    if not users and not devices:
        return
    if demo_mode:
        log.info("demo mode: %d demo accounts and %d demo devices may sign in", users, devices)
    else:
        log.warning(
            "this database holds %d demo accounts and %d demo devices; outside demo mode they cannot sign in "
            "and their tokens are refused",
            users,
            devices,
        )
