"""Settings read from the environment (MADOGUCHI_*), validated once at start."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from datetime import date, datetime, time
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from routing import END_OF_DAY, DeskPolicy, PolicyError, apply_overrides, default_policy_data

DEFAULT_SECRET = "insecure-dev-secret-change-me"  # noqa: S105 - the sentinel we refuse in production
_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Mode(StrEnum):
    production = "production"
    dev = "dev"
    demo = "demo"


def parse_hours(value: str) -> tuple[time, time]:
    """Parse 'HH:MM-HH:MM' into an opening and a closing time; a closing time of 24:00 is the end of the day
    (00:00-24:00 is a desk open around the clock)."""
    match = _HOURS.match(value.strip())
    if not match:
        raise ValueError(f"expected hours as HH:MM-HH:MM (e.g. 09:00-17:00), got {value!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        opens = time(h1, m1)
        closes = END_OF_DAY if (h2, m2) == (24, 0) else time(h2, m2)
    except ValueError as exc:
        raise ValueError(f"not a valid time of day in {value!r}: {exc}") from None
    if opens >= closes:
        raise ValueError(f"opening time must be before closing time, got {value!r}")
    return opens, closes


class Settings(BaseSettings):
    """Everything an operator can set; names are MADOGUCHI_<FIELD> in upper case."""

    model_config = SettingsConfigDict(env_prefix="MADOGUCHI_", env_file=None, extra="ignore")

    mode: Mode = Mode.production
    database_url: str = "sqlite+aiosqlite:///var/madoguchi.db"
    secret_key: str = DEFAULT_SECRET
    data_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Fernet keys for personal data at rest, newest first (comma separated); "
        "derived from the secret key when empty.",
    )
    timezone: str = "Asia/Tokyo"
    desk_hours: str = "09:00-17:00"
    desk_days: Annotated[list[str], NoDecode] = Field(default_factory=lambda: list(_WEEKDAYS[:5]))
    vendor_hours: str = "10:00-18:00"
    vendor_days: Annotated[list[str], NoDecode] = Field(default_factory=lambda: list(_WEEKDAYS[:5]))
    desk_holidays: bool = Field(
        default=True, description="closed on Japan's national holidays (desk and interpreter vendor)"
    )
    desk_year_end: bool = Field(default=True, description="closed from 29 December to 3 January")
    desk_closed_dates: Annotated[list[date], NoDecode] = Field(
        default_factory=list, description="extra days the desk is closed, YYYY-MM-DD (comma separated)"
    )
    resident_gone_seconds: int = Field(
        default=60,
        ge=5,
        le=3600,
        description="a waiting resident whose screen is gone this long is let go (abandoned: resident left)",
    )
    rejoin_grace_seconds: int = Field(
        default=30,
        ge=0,
        le=600,
        description="a counselor or interpreter who drops out of a call stays its member this long",
    )
    wrap_up_seconds: int = Field(
        default=180,
        ge=0,
        le=3600,
        description="after a call the counselor is offered nothing until the record is saved or this passes",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    session_max_age_seconds: int = Field(default=12 * 3600, ge=300)
    cookie_secure: bool = False
    login_max_failures: int = Field(
        default=5,
        ge=1,
        description="failed sign-ins in a row for one account from one address that lock that pair",
    )
    login_account_ceiling: int = Field(
        default=50,
        ge=1,
        description="failed sign-ins in a row for one account from all addresses after which each address "
        "gets one try per lock-out period (slows a distributed guesser; never locks the owner out)",
    )
    login_address_max_failures: int = Field(
        default=30, ge=1, description="failed sign-ins per address per window before it must wait (429)"
    )
    login_address_window_seconds: int = Field(default=900, ge=10)
    report_suppression_threshold: int = Field(
        default=3,
        ge=1,
        le=100,
        description="exports hide counts below this (and cells that would reveal them)",
    )
    retention_days: int = Field(
        default=1095, ge=1, description="personal data of closed cases is purged after this many days"
    )
    stun_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    turn_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="e.g. turn:turn.example.jp:3478?transport=udp (comma separated)"
    )
    turn_secret: str | None = Field(default=None, description="coturn static-auth-secret (REST API scheme)")
    turn_ttl_seconds: int = Field(default=3600, ge=60, le=86400)
    loopback_media: bool = Field(
        default=False, description="let server-side WebRTC peers use 127.0.0.1 (tests, single-machine demos)"
    )
    device_check_max_sessions: int = Field(default=4, ge=1, le=64)
    heartbeat_timeout_seconds: int = Field(default=10, ge=3, le=120)
    routing_policy_json: str | None = Field(
        default=None,
        description='JSON overriding parts of the routing policy, e.g. {"offers": {"timeout_s": 30}}; '
        "a desk calendar saved by an admin wins over any hours given here",
    )
    routing_checkpoint_events: int = Field(
        default=500, ge=1, description="write a routing checkpoint after this many journalled events"
    )
    routing_checkpoint_seconds: int = Field(
        default=60, ge=1, description="or when this many seconds passed since the last one (routing time)"
    )
    cluster: bool = Field(
        default=False,
        description="several processes share one desk: needs PostgreSQL and MADOGUCHI_REDIS_URL",
    )
    redis_url: str | None = Field(
        default=None, description="redis://host:6379/0: fan-out between the processes of a cluster"
    )
    redis_prefix: str = Field(
        default="madoguchi",
        pattern=r"^[A-Za-z0-9._:-]{1,64}$",
        description="prefix of this desk's Redis channels and keys (several desks may share one Redis)",
    )
    node_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9._-]{1,64}$",
        description="this process's name in the cluster (default: host name and process id)",
    )
    cluster_lease_seconds: float = Field(
        default=3.0, ge=1, le=60, description="the routing leader's lease; another process may take it after"
    )
    cluster_renew_seconds: float = Field(
        default=1.0, gt=0, le=20, description="how often the leader renews its lease (well under the lease)"
    )
    credential_sweep_seconds: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="how often each process closes sockets whose credential was taken away where its hub "
        "could not hear it (the command line, an expired session)",
    )
    mt_models_dir: Path = Field(
        default=Path("var/mt-models"), description="installed Argos model pairs (madoguchi mt install)"
    )
    mt_workers: int = Field(default=2, ge=1, le=16, description="threads running machine translation")
    mt_index_url: str = Field(
        default="https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json",
        description="the Argos Translate package index `madoguchi mt install en-ja` fetches from (HTTPS)",
    )
    desk_phone: str = Field(default="", description="the desk's phone number, shown to residents")
    desk_operator_ja: str = Field(
        default="高梁川流域連携中枢都市圏 多言語相談窓口（倉敷市役所）",
        description="who runs the service, as residents reading Japanese or Chinese see it",
    )
    desk_operator_en: str = Field(
        default="Takahashi River Basin multilingual consultation desk (Kurashiki City Hall)",
        description="who runs the service, as residents reading any other language see it",
    )
    resident_intake_limit: int = Field(default=5, ge=1, description="video requests per address per window")
    resident_intake_window_seconds: int = Field(default=600, ge=10)
    reservation_slot_minutes: int = Field(default=30, ge=5, le=240, description="reservation slot length")
    reservation_lead_minutes: int = Field(default=60, ge=0, description="how soon a booked slot may start")
    reservation_horizon_days: int = Field(default=30, ge=1, le=365, description="how far ahead one may book")
    phone_enabled: bool = Field(default=False, description="answer phone calls (SIP) at the gateway")
    phone_sip_host: str = Field(default="127.0.0.1", description="address the SIP/RTP sockets bind to")
    phone_sip_port: int = Field(default=5060, ge=0, le=65535)
    phone_public_host: str | None = Field(default=None, description="address put in SDP/Contact (NAT)")
    phone_registrar: str | None = Field(default=None, description="PBX/trunk registrar host[:port]")
    phone_user: str | None = Field(default=None, description="the extension the gateway registers as")
    phone_password: str | None = None
    phone_codecs: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["PCMU", "PCMA"])
    phone_rtp_ports: str = Field(default="20000-20999", pattern=r"^\d{1,5}-\d{1,5}$")
    phone_callback_enabled: bool = Field(default=True, description="offer a callback when the desk is closed")
    phone_silence_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    phone_prompts_dir: Path | None = Field(default=None, description="recorded prompts replacing the shipped")
    phone_menu_languages: Annotated[list[str], NoDecode] = Field(default_factory=list)
    phone_sip_allowed_sources: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.0/8", "::1/128"],
        description="addresses/CIDRs (the trunk or PBX) whose SIP requests are answered; others are dropped",
    )
    phone_sip_max_pending_per_source: int = Field(default=32, ge=1, le=1000)
    phone_sip_max_pending: int = Field(default=64, ge=1, le=10000, description="INVITEs not ACKed, in all")
    ws_allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="page origins (scheme://host[:port]) besides our own allowed on /ws"
    )
    clock_start: datetime | None = Field(
        default=None,
        description="dev/demo only: the clock starts at this instant (ISO 8601 with offset) and runs on",
    )
    demo_password: str = "madoguchi-demo"  # noqa: S105 - only used in demo mode, printed at start
    device_token_days: int = Field(
        default=365,
        ge=0,
        le=3650,
        description="a counter tablet's token registered from now on expires after this many days; 0: never",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="addresses or networks of reverse proxies whose X-Forwarded-For / Forwarded headers are "
        "believed (comma separated, e.g. 127.0.0.1,10.0.0.0/8); empty: the peer address is the client",
    )
    device_check_max_per_address: int = Field(
        default=2, ge=1, le=16, description="anonymous device checks one address may run at once"
    )
    device_check_idle_seconds: float = Field(
        default=20.0, gt=0, le=300, description="an anonymous device check not connected by then is closed"
    )
    hsts_max_age_seconds: int = Field(
        default=31_536_000,
        ge=0,
        description="Strict-Transport-Security max-age, sent only when served securely (cookie_secure)",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Asia/Tokyo") from None
        return value

    @field_validator("desk_hours", "vendor_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        parse_hours(value)
        return value.strip()

    @field_validator("desk_days", "vendor_days", mode="before")
    @classmethod
    def _days(cls, value: object) -> list[str]:
        items = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        days = [str(item).strip().lower()[:3] for item in items if str(item).strip()]
        unknown = [d for d in days if d not in _WEEKDAYS]
        if unknown or not days:
            raise ValueError(
                f"expected weekdays from {', '.join(_WEEKDAYS)} (comma separated), got {value!r}"
            )
        return days

    @field_validator("desk_closed_dates", mode="before")
    @classmethod
    def _dates(cls, value: object) -> list[date]:
        items = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        days: list[date] = []
        for item in items:
            if isinstance(item, date):
                days.append(item)
            elif str(item).strip():
                try:
                    days.append(date.fromisoformat(str(item).strip()))
                except ValueError:
                    raise ValueError(
                        f"expected dates as YYYY-MM-DD (comma separated), got {str(item).strip()!r}"
                    ) from None
        return sorted(set(days))

    @field_validator(
        "data_keys", "stun_urls", "turn_urls", "phone_codecs", "phone_menu_languages", mode="before"
    )
    @classmethod
    def _keys(cls, value: object) -> list[str]:
        if isinstance(value, str):
            return [k.strip() for k in value.split(",") if k.strip()]
        return [str(item) for item in value]  # type: ignore[attr-defined]

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: object) -> list[str]:
        items = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        found = []
        for item in (str(i).strip() for i in items):
            if item:
                try:
                    found.append(str(ipaddress.ip_network(item, strict=False)))
                except ValueError:
                    raise ValueError(f"expected IP addresses or networks, got {item!r}") from None
        return found

    @field_validator("phone_codecs")
    @classmethod
    def _phone_codecs(cls, value: list[str]) -> list[str]:
        codecs = [c.upper() for c in value]
        if not codecs or set(codecs) - {"PCMU", "PCMA"}:
            raise ValueError(f"expected PCMU and/or PCMA (comma separated, preferred first), got {value}")
        return codecs

    @field_validator("phone_sip_allowed_sources", "ws_allowed_origins", mode="before")
    @classmethod
    def _address_lists(cls, value: object) -> list[str]:
        if isinstance(value, str):
            return [k.strip() for k in value.split(",") if k.strip()]
        return [str(item) for item in value]  # type: ignore[attr-defined]

    @field_validator("phone_sip_allowed_sources")
    @classmethod
    def _sip_sources(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"expected addresses or CIDRs (comma separated), got {item!r}") from None
        return value

    @field_validator("phone_rtp_ports")
    @classmethod
    def _rtp_ports(cls, value: str) -> str:
        low, high = (int(part) for part in value.split("-"))
        if not 1024 <= low < high <= 65535 or high - low < 2:
            raise ValueError(f"expected a UDP port range such as 20000-20999 within 1024-65535, got {value}")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith(("postgresql://", "postgres://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "database URL must be sqlite+aiosqlite:///path.db or postgresql+asyncpg://user@host/db "
                f"(postgresql:// is accepted too), got {value.split('://', 1)[0]}://..."
            )
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(
                "expected redis://host:6379/0 (rediss:// with TLS, unix:///path.sock), "
                f"got {value.split('://', 1)[0]}://..."
            )
        return value.strip()

    @field_validator("routing_policy_json")
    @classmethod
    def _policy_json(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            overrides = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON: {exc}") from None
        if not isinstance(overrides, dict):
            raise ValueError('expected a JSON object such as {"offers": {"timeout_s": 30}}')
        try:
            DeskPolicy.from_dict(apply_overrides(default_policy_data(), overrides))
        except PolicyError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("clock_start")
    @classmethod
    def _aware_instant(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError(
                "expected an instant with its UTC offset, e.g. 2026-12-29T10:00:00+09:00, got a local time"
            )
        return value

    @model_validator(mode="after")
    def _cluster_needs_shared_engines(self) -> Self:
        """Several processes share state only through PostgreSQL (journal, lease) and Redis (fan-out)."""
        if self.cluster_renew_seconds * 2 > self.cluster_lease_seconds:
            raise ValueError(
                "MADOGUCHI_CLUSTER_RENEW_SECONDS must be at most half of MADOGUCHI_CLUSTER_LEASE_SECONDS, "
                "so one late renewal does not cost the lease"
            )
        if not self.cluster:
            return self
        if self.is_sqlite:
            raise ValueError(
                "MADOGUCHI_CLUSTER=true needs PostgreSQL: set "
                "MADOGUCHI_DATABASE_URL=postgresql://user@host/db (SQLite is one process's database; "
                "for one process leave MADOGUCHI_CLUSTER unset)"
            )
        if self.redis_url is None:
            raise ValueError(
                "MADOGUCHI_CLUSTER=true needs Redis for fan-out between the processes: set "
                "MADOGUCHI_REDIS_URL=redis://host:6379/0"
            )
        return self

    @model_validator(mode="after")
    def _no_default_secret_in_production(self) -> Self:
        if self.mode is Mode.production and self.clock_start is not None:
            raise ValueError(
                "MADOGUCHI_CLOCK_START moves the service's clock; it is for dev and demo mode only "
                "(production always runs on the real time)"
            )
        if self.mode is Mode.production and self.secret_key == DEFAULT_SECRET:
            raise ValueError(
                "MADOGUCHI_SECRET_KEY is the built-in development secret; set a long random value "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`) or run with "
                "MADOGUCHI_MODE=dev or demo"
            )
        if self.mode is Mode.production and len(self.secret_key) < 32:
            raise ValueError("MADOGUCHI_SECRET_KEY must be at least 32 characters in production")
        return self

    @property
    def room_secret(self) -> bytes:
        """Key for room tokens, derived from the secret key so operators manage one secret."""
        return hashlib.sha256(b"madoguchi-room-token-v1:" + self.secret_key.encode()).digest()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process's settings; tests override the dependency instead of the environment."""
    return Settings()


def describe_settings_error(exc: Exception) -> str:
    """Turn a pydantic ValidationError into lines an operator can act on."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc)
    lines = ["Madoguchi cannot start: the configuration is invalid."]
    for error in errors():
        field = ".".join(str(part) for part in error.get("loc", ()))
        name = f"MADOGUCHI_{field.upper()}" if field else "configuration"
        lines.append(f"  {name}: {error.get('msg', 'invalid value')}")
    return "\n".join(lines)
