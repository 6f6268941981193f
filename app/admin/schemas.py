"""The admin API's request and response bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.enums import InterpreterGender, Role

Name = Field(min_length=1, max_length=128)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class VendorCreate(_Strict):
    name: str = Name


class VendorUpdate(_Strict):
    name: str | None = Field(default=None, min_length=1, max_length=128)
    active: bool | None = None


class VendorRead(BaseModel):
    id: int
    name: str
    active: bool
    interpreters: int


class InterpreterCreate(_Strict):
    display_name: str = Name
    vendor: str = Name
    languages: list[str] = Field(min_length=1, max_length=15)
    gender: InterpreterGender | None = None
    dv_cleared: bool = False
    child_cleared: bool = False
    username: str | None = Field(
        default=None, min_length=1, max_length=64, description="sign-in account to link"
    )


class InterpreterUpdate(_Strict):
    display_name: str | None = Field(default=None, min_length=1, max_length=128)
    vendor: str | None = Field(default=None, min_length=1, max_length=128)
    languages: list[str] | None = Field(default=None, min_length=1, max_length=15)
    gender: InterpreterGender | None = None
    clear_gender: bool = False
    dv_cleared: bool | None = None
    child_cleared: bool | None = None
    active: bool | None = None
    username: str | None = Field(default=None, min_length=1, max_length=64, description="link this account")
    unlink: bool = Field(default=False, description="remove the linked sign-in account")


class InterpreterRead(BaseModel):
    id: int
    display_name: str
    vendor: str
    languages: list[str]
    gender: InterpreterGender | None
    dv_cleared: bool
    child_cleared: bool
    active: bool
    username: str | None
    presence: str = Field(description="available, away or offline, as the desk sees it now")
    last_seen_at: datetime | None
    minutes_today: float = Field(description="call minutes since local midnight (billable legs)")


class StaffCreate(_Strict):
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=1, max_length=256)
    role: Role
    display_name: str | None = Field(default=None, min_length=1, max_length=128)
    municipality: str | None = None
    site: str | None = None
    languages: list[str] = Field(default_factory=list, max_length=15)


class StaffUpdate(_Strict):
    display_name: str | None = Field(default=None, min_length=1, max_length=128)
    role: Role | None = None
    municipality: str | None = None
    clear_municipality: bool = False
    site: str | None = None
    clear_site: bool = False
    languages: list[str] | None = Field(default=None, max_length=15)


class PasswordReset(_Strict):
    password: str = Field(min_length=1, max_length=256)


class StaffRead(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    municipality: str | None
    site: str | None
    languages: list[str]
    active: bool
    sessions: int = Field(description="open browser sessions")
    api_tokens: int = Field(description="unrevoked API tokens")


class DeviceCreate(_Strict):
    name: str = Name
    site: str = Field(min_length=1, max_length=64)


class DeviceUpdate(_Strict):
    name: str | None = Field(default=None, min_length=1, max_length=128)
    site: str | None = Field(default=None, min_length=1, max_length=64)


class DeviceRead(BaseModel):
    id: int
    name: str
    site: str
    site_name_ja: str
    created_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None


class DeviceRegistered(DeviceRead):
    token: str = Field(description="shown once: paste it into the tablet or scan the QR code")
    pairing_url: str = Field(
        description="the tablet page with the token in its fragment (never sent to a server)"
    )
    qr_svg: str = Field(description="QR code of pairing_url as SVG")
