"""Domain errors and the one place that turns them into HTTP answers."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.routing import BaseRoute

from routing import RoutingConflict


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"detail": self.message}

    def headers(self) -> dict[str, str] | None:
        return None


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class InvalidField(DomainError):
    """A value that passed the schema but names something we do not have (422, FastAPI's error shape)."""

    status_code = 422

    def __init__(self, loc: Sequence[str | int], message: str, accepted: Sequence[str] | None = None) -> None:
        super().__init__(message)
        self.loc = tuple(loc)
        self.accepted = list(accepted) if accepted is not None else None

    def body(self) -> dict[str, Any]:
        item: dict[str, Any] = {"loc": list(self.loc), "msg": self.message, "type": "invalid_reference"}
        if self.accepted is not None:
            item["ctx"] = {"accepted": self.accepted}
        return {"detail": [item]}


class Unauthenticated(DomainError):
    status_code = 401

    def headers(self) -> dict[str, str] | None:
        return {"WWW-Authenticate": "Bearer"}


class Forbidden(DomainError):
    status_code = 403


class ServiceUnavailable(DomainError):
    """This process cannot do it right now (e.g. another process leads routing); the client retries soon."""

    status_code = 503

    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": "1"}


class TooManyRequests(DomainError):
    """A throttle said no; the answer says when to try again."""

    status_code = 429

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

    def body(self) -> dict[str, Any]:
        return {"detail": self.message, "retry_after_s": math.ceil(self.retry_after_s)}

    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(math.ceil(self.retry_after_s))}


def install_error_handlers(app: FastAPI) -> None:
    """Domain errors answer with their own status; routing's conflicts (an event that makes no sense in the
    desk's current state) answer 409, so no route needs to catch them."""

    async def _domain(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers())

    async def _routing_conflict(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RoutingConflict)
        return JSONResponse({"detail": str(exc)}, status_code=Conflict.status_code)

    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RoutingConflict, _routing_conflict)


# --- the error answers, as the OpenAPI document shows them ------------------------------------------------


class ErrorRead(BaseModel):
    """The body of every error but 422 and 429: what went wrong, in words (401, 403, 404, 409, 503)."""

    detail: str


class ThrottledRead(BaseModel):
    """A throttle's answer (429); the Retry-After header says the same in whole seconds."""

    detail: str
    retry_after_s: int = Field(description="whole seconds to wait before trying again")


_DESCRIBED: dict[int, tuple[type[BaseModel], str]] = {
    400: (ErrorRead, "The body cannot be read as JSON (e.g. it is not UTF-8)"),
    401: (ErrorRead, "Not signed in, or the token or session is unknown, revoked or expired"),
    403: (
        ErrorRead,
        "Signed in without the role or scope this needs, or a cookie write without its CSRF token",
    ),
    404: (ErrorRead, "Nothing of that id within your scope"),
    409: (ErrorRead, "Conflicts with the current state (of the case, the desk or a reused Idempotency-Key)"),
    429: (ThrottledRead, "Too many requests from this address; retry after Retry-After seconds"),
    503: (ErrorRead, "This process cannot do it now (routing leader unreachable, or busy); retry soon"),
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a router or route: each error code with its typed body and what it means."""
    return {code: {"model": _DESCRIBED[code][0], "description": _DESCRIBED[code][1]} for code in codes}


THROTTLED = error_responses(429)
UNAVAILABLE = error_responses(503)
SIGN_IN_ERRORS = error_responses(401, 429)
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def errors_of(route: APIRoute) -> tuple[int, ...]:
    """The errors a route can answer, read from what it depends on: a body (400: not readable as JSON), a
    principal (401; a role check, a cookie write's CSRF check or a read of one record: 403), a path parameter
    (404), a write with a database session by someone signed in, on a record or under an Idempotency-Key (409:
    not a sign-in, which changes no state anyone else holds)."""
    names = {getattr(call, "__qualname__", "") for call in _calls(route.dependant)}
    signed_in = "get_optional_principal" in names
    writes = bool((route.methods or set()) & _WRITES)
    codes: list[int] = []
    if route.dependant.body_params:
        codes.append(400)
    if signed_in:
        codes.append(401)
    role_checked = any(name.startswith("require_roles") for name in names)
    if role_checked or (signed_in and (writes or route.dependant.path_params)):
        codes.append(403)
    if route.dependant.path_params:
        codes.append(404)
    keyed = bool(names & {"_caller_keyed", "_resident_keyed"})  # a key reused for another request
    if writes and "get_db" in names and (signed_in or keyed or route.dependant.path_params):
        codes.append(409)
    return tuple(codes)


def _api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every API route, also inside included routers (FastAPI keeps those as their router, mounted lazily)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _api_routes(included.routes)


def document_errors(app: FastAPI) -> None:
    """Add the errors each API route can answer to its OpenAPI responses (a route's own declarations win).

    Called once every router is mounted, before the document is first built."""
    for route in _api_routes(app.routes):
        if route.include_in_schema:
            for code, response in error_responses(*errors_of(route)).items():
                route.responses.setdefault(code, response)
