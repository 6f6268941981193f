"""Chat and case-summary API: staff with their session or token, residents with their watch ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Request, status
from pydantic import BaseModel

from app.audit.service import record
from app.auth.principal import Principal
from app.chat import service
from app.chat.models import CaseSummary
from app.chat.schemas import (
    ChatMessageIn,
    ChatMessageRead,
    ChatRead,
    ChatStatusRead,
    FallbackChoiceIn,
    SummaryIn,
    SummaryRead,
)
from app.chat.service import PURGED, Actor, Line
from app.consultation.models import Consultation
from app.deps import CipherDep, Counselor, DbSession, OptionalPrincipal
from app.live.desk import LiveDesk
from app.live.hub import Hub
from app.mt.service import TranslatorDep
from app.security.crypto import PersonalDataCipher

router = APIRouter(tags=["machine-translated chat"])
cases = APIRouter(prefix="/consultations")

Ticket = Annotated[
    str | None,
    Header(
        alias="X-Watch-Ticket", description="the resident's watch ticket from the intake's live.watch_ticket"
    ),
]


async def _case(
    request: Request, db: DbSession, principal: Principal | None, consultation_id: str, ticket: str | None
) -> tuple[Consultation, Actor]:
    return await service.case_for(
        db,
        principal,
        consultation_id,
        ticket,
        request.app.state.settings.room_secret,
        request.app.state.clock.now(),
    )


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def _read(line: Line, side: service.Sender) -> ChatMessageRead:
    return ChatMessageRead(
        id=line.id,
        sender=line.sender,
        text=line.text_for(side),
        original=line.original,
        original_language=line.original_language,
        translated=line.translated,
        target_language=line.target_language,
        route=">".join(line.route),
        machine_translated=line.machine_translated,
        created_at=line.created_at,
    )


@cases.get("/{consultation_id}/chat/status", response_model=ChatStatusRead)
async def chat_status(
    consultation_id: str,
    request: Request,
    db: DbSession,
    principal: OptionalPrincipal,
    translator: TranslatorDep,
    ticket: Ticket = None,
) -> ChatStatusRead:
    """Whether a fallback was offered, whether the chat is open and whether the language can be translated."""
    case, _actor = await _case(request, db, principal, consultation_id, ticket)
    return ChatStatusRead(
        consultation_id=case.public_id,
        language=case.language_code,
        status=case.status.value,
        open=await service.chat_is_open(db, case.public_id),
        fallback=await service.fallback_offer(db, case.public_id),
        machine_translation=await service.mt_status(translator, case.language_code),
    )


@cases.post("/{consultation_id}/chat/accept-fallback", response_model=ChatStatusRead)
async def accept_fallback(
    consultation_id: str,
    body: FallbackChoiceIn,
    request: Request,
    db: DbSession,
    principal: OptionalPrincipal,
    translator: TranslatorDep,
    ticket: Ticket = None,
) -> ChatStatusRead:
    """The resident (watch ticket) or the front desk takes a fallback; mt_chat opens the chat.

    409 with `missing_pair` when machine translation is not available for the resident's language.
    """
    case, _actor = await _case(request, db, principal, consultation_id, ticket)
    desk: LiveDesk = request.app.state.desk
    await service.accept_fallback(db, desk, _hub(request), translator, case, body.option)
    await db.refresh(case)  # the desk moved the case along in its own session
    return await chat_status(consultation_id, request, db, principal, translator, ticket)


@cases.post("/{consultation_id}/chat", status_code=status.HTTP_201_CREATED, response_model=ChatMessageRead)
async def post_chat_message(
    consultation_id: str,
    body: ChatMessageIn,
    request: Request,
    db: DbSession,
    cipher: CipherDep,
    principal: OptionalPrincipal,
    translator: TranslatorDep,
    ticket: Ticket = None,
) -> ChatMessageRead:
    """Write one line: a counselor in Japanese, the resident in their language; it is machine translated."""
    case, actor = await _case(request, db, principal, consultation_id, ticket)
    line = await service.send_message(db, cipher, translator, case, actor, body.text)
    await db.commit()
    service.publish_line(_hub(request), line)
    return _read(line, actor.sender)


@cases.get("/{consultation_id}/chat", response_model=ChatRead)
async def read_chat(
    consultation_id: str,
    request: Request,
    db: DbSession,
    cipher: CipherDep,
    principal: OptionalPrincipal,
    ticket: Ticket = None,
) -> ChatRead:
    """The transcript, each line in your language with its original; staff reads are audited."""
    case, actor = await _case(request, db, principal, consultation_id, ticket)
    lines = await service.transcript(db, cipher, case)
    client_ip = request.client.host if request.client else None
    # every read is audited: staff by name, the resident's own (with the watch ticket) as anonymous
    await record(
        db,
        actor.principal,
        "chat.read",
        "consultation",
        case.public_id,
        None,
        client_ip,
        anonymous=actor.principal is None,
    )
    return ChatRead(
        consultation_id=case.public_id,
        language=case.language_code,
        open=await service.chat_is_open(db, case.public_id),
        messages=[_read(line, actor.sender) for line in lines],
    )


def _summary(row: CaseSummary, cipher: PersonalDataCipher) -> SummaryRead:
    return SummaryRead(
        id=row.id,
        original=cipher.decrypt(row.original_enc) or PURGED,
        language=row.original_language,
        japanese=cipher.decrypt(row.japanese_enc) or PURGED,
        route=row.route,
        machine_translated=row.machine_translated,
        created_at=row.created_at,
    )


@cases.post("/{consultation_id}/summary", status_code=status.HTTP_201_CREATED, response_model=SummaryRead)
async def add_summary(
    consultation_id: str,
    body: SummaryIn,
    request: Request,
    db: DbSession,
    cipher: CipherDep,
    principal: Counselor,
    translator: TranslatorDep,
) -> SummaryRead:
    """Store a case summary with its machine translation into Japanese (409 names a missing pair)."""
    case, _actor = await _case(request, db, principal, consultation_id, None)
    row = await service.add_summary(db, cipher, translator, case, principal, body.text, body.language)
    return _summary(row, cipher)


@cases.get("/{consultation_id}/summary", response_model=list[SummaryRead])
async def list_summaries(
    consultation_id: str, request: Request, db: DbSession, cipher: CipherDep, principal: Counselor
) -> list[SummaryRead]:
    """Every stored summary of the case, oldest first, each with its Japanese translation."""
    case, _actor = await _case(request, db, principal, consultation_id, None)
    client_ip = request.client.host if request.client else None
    await record(db, principal, "summary.read", "consultation", case.public_id, None, client_ip)
    return [_summary(row, cipher) for row in await service.summaries(db, case)]


class OpenChatRead(BaseModel):
    consultation_id: str
    language: str
    status: str
    opened_at: datetime


@router.get("/chats", response_model=list[OpenChatRead])
async def list_open_chats(db: DbSession, principal: Counselor) -> list[OpenChatRead]:
    """The counselor console's list: consultations whose resident chose machine-translated chat."""
    return [
        OpenChatRead(
            consultation_id=case.public_id,
            language=case.language_code,
            status=case.status.value,
            opened_at=opened_at,
        )
        for case, opened_at in await service.open_chats(db)
    ]


router.include_router(cases)
