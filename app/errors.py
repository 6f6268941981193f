"""Domain errors and the one place that turns them into HTTP answers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

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
