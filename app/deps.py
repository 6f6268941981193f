"""Request-scoped dependencies shared by every router (Annotated aliases keep signatures short)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from app.auth import roles
from app.auth.principal import DEVICE, Principal, Via
from app.auth.service import principal_from_bearer, principal_from_session_cookie
from app.auth.session_cookie import SESSION_COOKIE
from app.clock import Clock
from app.config import Settings
from app.db import session_scope
from app.errors import Forbidden, Unauthenticated
from app.idempotency import IdempotencyKey
from app.live.desk import LiveDesk
from app.live.gateway import Gateway
from app.security.crypto import PersonalDataCipher
from app.security.tokens import same

CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_clock(connection: HTTPConnection) -> Clock:
    """The app's one clock, for HTTP routes and websockets alike."""
    clock: Clock = connection.app.state.clock
    return clock


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    # A context manager, not `async for` over a generator: that would leave the inner generator to the
    # garbage collector, which rolls back later on a connection nobody waits for.
    async with session_scope(request.app.state.sessionmaker) as session:
        yield session


def get_cipher(request: Request) -> PersonalDataCipher:
    cipher: PersonalDataCipher = request.app.state.cipher
    return cipher


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ClockDep = Annotated[Clock, Depends(get_clock)]
# scope="function": commit (or roll back) before the response is sent, so a 201 means the row is stored.
DbSession = Annotated[AsyncSession, Depends(get_db, scope="function")]
CipherDep = Annotated[PersonalDataCipher, Depends(get_cipher)]


async def get_optional_principal(request: Request, db: DbSession, clock: ClockDep) -> Principal | None:
    """Bearer token first (devices, API clients), then the browser's session cookie (with CSRF on writes)."""
    authorization = request.headers.get("authorization", "")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
        principal = await principal_from_bearer(db, token.strip(), clock.now())
        if principal is None:
            raise Unauthenticated("the bearer token is unknown, revoked or expired")
        return principal
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    principal = await principal_from_session_cookie(db, cookie, clock.now())
    if principal is None:
        raise Unauthenticated("your session has expired; please sign in again")
    if request.method not in _SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or principal.csrf_token is None or not same(sent, principal.csrf_token):
            raise Forbidden(f"missing or wrong {CSRF_HEADER} header for a cookie-authenticated request")
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(get_optional_principal)]


async def get_principal(principal: OptionalPrincipal) -> Principal:
    if principal is None:
        raise Unauthenticated("sign in first (session cookie) or send 'Authorization: Bearer <token>'")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require_roles(*admitted: str) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """A dependency that admits only these roles, and says which role was needed when it refuses."""
    allowed = frozenset(str(r) for r in admitted)

    async def _check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            needed = " or ".join(sorted(allowed))
            raise Forbidden(f"this needs the role {needed}; you are signed in as {principal.role}")
        return principal

    return _check


# One alias per role set of `app.auth.roles`.
Counselor = Annotated[Principal, Depends(require_roles(*roles.COUNSELORS))]
Front = Annotated[Principal, Depends(require_roles(*roles.FRONT))]
CaseReader = Annotated[Principal, Depends(require_roles(*roles.CASE_READERS))]
Office = Annotated[Principal, Depends(require_roles(*roles.OFFICE))]
Staff = Annotated[Principal, Depends(require_roles(*roles.STAFF))]
Counter = Annotated[Principal, Depends(require_roles(*roles.COUNTER))]
Interpreter = Annotated[Principal, Depends(require_roles(*roles.INTERPRETERS))]
PoolMember = Annotated[Principal, Depends(require_roles(*roles.POOL_MEMBERS))]
ReportReader = Annotated[Principal, Depends(require_roles(*roles.REPORT_READERS))]
Admin = Annotated[Principal, Depends(require_roles(*roles.ADMINS))]


def get_desk(connection: HTTPConnection) -> LiveDesk:
    """The live desk the lifespan started (routing, queue, offers)."""
    desk: LiveDesk = connection.app.state.desk
    return desk


def get_gateway(connection: HTTPConnection) -> Gateway:
    """The interpreter gateway the lifespan started (pool connections, presence)."""
    gateway: Gateway = connection.app.state.gateway
    return gateway


DeskDep = Annotated[LiveDesk, Depends(get_desk)]
GatewayDep = Annotated[Gateway, Depends(get_gateway)]


__all__ = [
    "CSRF_HEADER",
    "DEVICE",
    "SESSION_COOKIE",
    "CaseReader",
    "CipherDep",
    "ClockDep",
    "Counselor",
    "Counter",
    "CurrentPrincipal",
    "DbSession",
    "DeskDep",
    "Front",
    "GatewayDep",
    "Interpreter",
    "Office",
    "OptionalPrincipal",
    "PoolMember",
    "ReportReader",
    "SettingsDep",
    "Staff",
    "Via",
    "require_roles",
]


# --- Idempotency-Key on create routes (the rule itself is app.idempotency) ---

KeyHeader = Annotated[
    str | None,
    Header(description="8-128 characters [A-Za-z0-9_.:-]; a retry with the same key returns the same case"),
]
ResidentKeyHeader = Annotated[str, Header(description="generated once by the resident's page")]


@dataclass(frozen=True, slots=True)
class KeyedRequest:
    """A create request's key, and the response on which a replay is answered."""

    key: IdempotencyKey | None
    response: Response

    def answer(self, created: bool) -> None:
        """A replay answers 200 (not 201) and says so."""
        if not created:
            self.response.status_code = status.HTTP_200_OK
            self.response.headers["Idempotent-Replayed"] = "true"


async def _caller_keyed(
    response: Response, principal: CurrentPrincipal, idempotency_key: KeyHeader = None
) -> KeyedRequest:
    return KeyedRequest(IdempotencyKey.from_header(idempotency_key, principal), response)


async def _resident_keyed(response: Response, idempotency_key: ResidentKeyHeader) -> KeyedRequest:
    return KeyedRequest(IdempotencyKey.from_header(idempotency_key, None), response)


# The signed-in caller's optional key, and an anonymous resident's required one.
CallerKeyed = Annotated[KeyedRequest, Depends(_caller_keyed)]
ResidentKeyed = Annotated[KeyedRequest, Depends(_resident_keyed)]
