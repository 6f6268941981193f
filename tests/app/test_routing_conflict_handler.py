"""One handler turns routing's conflicts into 409, so no route catches them itself."""

from __future__ import annotations

from httpx import ASGITransport, AsyncClient

from app.clock import ControlledClock
from app.config import Settings
from app.main import create_app
from routing import RoutingConflict, UnknownRequest


async def test_routing_conflict__any_route_answers_409_with_the_message(
    settings: Settings, clock: ControlledClock
) -> None:
    app = create_app(settings, clock=clock)

    @app.get("/conflict/{kind}")
    async def conflict(kind: str) -> None:
        raise (UnknownRequest if kind == "unknown" else RoutingConflict)(f"{kind} makes no sense now")

    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client,
    ):
        for kind in ("plain", "unknown"):
            response = await client.get(f"/conflict/{kind}")
            assert response.status_code == 409
            assert response.json() == {"detail": f"{kind} makes no sense now"}
