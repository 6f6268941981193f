"""Security finding 10: the chat watch ticket never travels in a URL. The resident page links to the chat
with the ticket in the fragment (never sent to the server); the chat page is served without one and its
script sends it in the X-Watch-Ticket header."""

from __future__ import annotations

from pathlib import Path

from httpx import AsyncClient

from tests.conftest import resident_link

STATIC = Path(__file__).resolve().parents[2] / "app" / "ui"


async def test_chat_page__needs_no_ticket_in_the_url_and_carries_none(client: AsyncClient) -> None:
    created = await client.post(
        "/api/v1/resident/consultations",
        json={"language": "th", "link": resident_link()},
        headers={"Idempotency-Key": "ticket-url-0001"},
    )
    assert created.status_code == 201, created.text
    case_id, ticket = created.json()["id"], created.json()["live"]["watch_ticket"]
    page = await client.get(f"/chat/{case_id}", params={"lang": "th"})
    assert page.status_code == 200
    assert ticket not in page.text and 'id="expired"' in page.text
    assert page.headers["referrer-policy"] == "no-referrer" and page.headers["cache-control"] == "no-store"
    # a ticket put in the query by an old link is neither needed nor echoed
    old = await client.get(f"/chat/{case_id}", params={"lang": "th", "ticket": ticket})
    assert ticket not in old.text
    # what the page's script does with the fragment's ticket: the header, accepted by the chat API
    status = await client.get(
        f"/api/v1/consultations/{case_id}/chat/status", headers={"X-Watch-Ticket": ticket}
    )
    assert status.status_code == 200
    refused = await client.get(
        f"/api/v1/consultations/{case_id}/chat/status", headers={"X-Watch-Ticket": "x"}
    )
    assert refused.status_code in (401, 403)


def test_scripts__put_the_ticket_in_the_fragment_and_read_it_from_there() -> None:
    resident = (STATIC / "resident" / "static" / "resident.js").read_text()
    chat = (STATIC / "chat" / "static" / "chat.js").read_text()
    assert "#${fragment}" in resident and "ticket: state.ticket, lang" not in resident
    assert "location.hash" in chat and "history.replaceState" in chat and "dataset.ticket" not in chat
