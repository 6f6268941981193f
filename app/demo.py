"""Demo accounts, devices and interpreters so every screen has someone to sign in as (serve --demo)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.service import register_device
from app.device.models import Device
from app.enums import InterpreterGender, Role
from app.geography.models import Site
from app.interpreter.models import Interpreter, Vendor
from app.language.models import Language
from app.security.tokens import DEVICE_PREFIX, new_token, token_digest
from app.staff.models import StaffUser
from app.staff.service import create_user

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


async def create_demo_data(session: AsyncSession, password: str) -> DemoAccess:
    """Idempotent for people; devices get a fresh token each run since only its hash is stored."""
    names: list[str] = []
    for username, role, display, municipality, site, languages in DEMO_USERS:
        if await session.scalar(select(StaffUser).where(StaffUser.username == username)) is None:
            await create_user(
                session,
                username=username,
                password=password,
                role=role,
                display_name=display,
                municipality_code=municipality,
                site_code=site,
                language_codes=languages,
            )
        names.append(username)
    if await session.scalar(select(Vendor).where(Vendor.name == DEMO_VENDOR)) is None:
        session.add(Vendor(name=DEMO_VENDOR))  # the admin screen lists it and may assign it
    for username, display, gender, cleared, languages in DEMO_INTERPRETERS:
        user = await session.scalar(select(StaffUser).where(StaffUser.username == username))
        if user is None:
            user = await create_user(
                session, username=username, password=password, role=Role.interpreter, display_name=display
            )
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
        device = await session.scalar(select(Device).where(Device.name == device_name))
        if device is None:
            token, _ = await register_device(session, site.id, device_name)
        else:
            token = new_token(DEVICE_PREFIX)
            device.token_hash, device.revoked_at = token_digest(token), None
        tokens[device_name] = token
    await session.flush()
    return DemoAccess(names, tokens)
