"""Who is calling: a signed-in staff member (cookie or API token) or a registered counter device."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.enums import Role


class Via(StrEnum):
    cookie = "cookie"
    bearer = "bearer"


DEVICE = "device"  # the pseudo-role of a registered counter tablet


@dataclass(frozen=True, slots=True)
class Principal:
    role: str  # a Role value, or DEVICE
    via: Via
    display_name: str
    staff_user_id: int | None = None
    device_id: int | None = None
    municipality_code: str | None = None  # a coordinator's scope; None is the whole area
    site_id: int | None = None  # counter staff's or a device's site
    csrf_token: str | None = None
    session_id: int | None = None  # the browser session (staff_session row) it signed in with

    @property
    def actor_kind(self) -> str:
        return "device" if self.device_id is not None else "staff"

    @property
    def actor_id(self) -> str:
        return str(self.device_id if self.device_id is not None else self.staff_user_id)

    @property
    def sees_personal_data(self) -> bool:
        """Names, contacts and notes are for counselors and the desk's admin only."""
        return self.role in (Role.counselor, Role.admin)
