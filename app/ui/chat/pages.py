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
    "error.link_expired",
)


@router.get("/chat/{consultation_id}", response_class=HTMLResponse)
async def resident_chat_page(
    consultation_id: str,
    request: Request,
    lang: Annotated[str, Query(max_length=8)] = "en",
) -> Response:
    """The resident's chat page in `lang`. The watch ticket travels in the URL fragment (#ticket=...), which
    browsers never send, so it stays out of access logs and Referer headers; the page's script reads it and
    sends it in the X-Watch-Ticket header, and says the link expired when the desk refuses it."""
    i18n = translator(lang if lang in SUPPORTED else "en")
    strings = {key: i18n.t(key) for key in RESIDENT_KEYS}
    return templates.TemplateResponse(
        request,
        "chat_resident.html",
        {
            "i18n": i18n,
            "lang": i18n.bcp47,
            "consultation_id": consultation_id,
            "strings": json.dumps(strings, ensure_ascii=False).replace("</", "<\\/"),
        },
        headers={"Cache-Control": "no-store"},
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
