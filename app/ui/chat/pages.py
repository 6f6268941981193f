"""The chat screens: the resident's page in their language (watch ticket), the counselor's panel (Japanese).

Both pages are thin: the browser script talks to the chat API and the websocket (chat.* frames).
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from app.auth import roles
from app.chat.service import open_chats
from app.deps import DbSession, OptionalPrincipal
from app.i18n.languages import SUPPORTED
from app.i18n.runtime import translator
from app.language.models import Language
from app.live.tickets import TicketError, verify_watch_ticket
from app.ui.templating import templates

router = APIRouter(include_in_schema=False)
RESIDENT_KEYS = (
    "waiting.please_wait",
    "alt.mt_chat",
    "alt.mt_warning",
    "alt.mt_unavailable",
    "alt.callback",
    "alt.reserve",
    "chat.machine_translated",
    "chat.show_original",
    "chat.placeholder",
    "chat.send",
    "error.generic",
    "error.offline",
)


@router.get("/chat/{consultation_id}", response_class=HTMLResponse)
async def resident_chat_page(
    consultation_id: str,
    request: Request,
    ticket: Annotated[str, Query(min_length=1)],
    lang: Annotated[str, Query()] = "en",
) -> Response:
    """The resident's chat page; `ticket` is the watch ticket from the intake, `lang` the page language."""
    i18n = translator(lang if lang in SUPPORTED else "en")
    try:
        verify_watch_ticket(
            request.app.state.settings.room_secret, ticket, consultation_id, request.app.state.clock.now()
        )
    except TicketError:
        return templates.TemplateResponse(
            request, "chat_expired.html", {"i18n": i18n, "lang": i18n.bcp47}, status_code=403
        )
    strings = {key: i18n.t(key) for key in RESIDENT_KEYS}
    return templates.TemplateResponse(
        request,
        "chat_resident.html",
        {
            "i18n": i18n,
            "lang": i18n.bcp47,
            "consultation_id": consultation_id,
            "ticket": ticket,
            "strings": json.dumps(strings, ensure_ascii=False),
        },
    )


@router.get("/counselor/chats", response_class=HTMLResponse)
async def counselor_chat_list(request: Request, db: DbSession, principal: OptionalPrincipal) -> Response:
    """The console's list of machine-translated chats; it reloads when a resident opens a new one."""
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    if principal.role not in roles.COUNSELORS:
        return HTMLResponse("相談員と管理者のみ利用できます (counselors and admins only)", status_code=403)
    names = {code: name for code, name in (await db.execute(select(Language.code, Language.name_ja))).all()}
    zone = request.app.state.settings.zone
    chats = [
        {
            "id": case.public_id,
            "language": case.language_code,
            "language_ja": names.get(case.language_code, case.language_code),
            "opened_at": opened_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        }
        for case, opened_at in await open_chats(db)
    ]
    return templates.TemplateResponse(
        request, "chat_list.html", {"chats": chats, "display_name": principal.display_name}
    )


@router.get("/counselor/chat/{consultation_id}", response_class=HTMLResponse)
async def counselor_chat_page(
    consultation_id: str, request: Request, principal: OptionalPrincipal
) -> Response:
    """The counselor's chat panel for one consultation (Japanese first)."""
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    if principal.role not in roles.COUNSELORS:
        return HTMLResponse("相談員と管理者のみ利用できます (counselors and admins only)", status_code=403)
    return templates.TemplateResponse(
        request,
        "chat_counselor.html",
        {
            "consultation_id": consultation_id,
            "csrf_token": principal.csrf_token or "",
            "display_name": principal.display_name,
        },
    )
