"""Machine-translated chat and case summaries: who may write, translation, storage, and live pushes.

A chat opens when the resident accepts the `mt_chat` fallback (a FallbackAccepted event in the routing
journal). The counselor writes Japanese, the resident their consultation language; each line is translated
in the thread pool and stored encrypted with both texts; then the resident's side (consultation topic) and
the staff side (the chat's staff topic) each get the line in their own language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import roles
from app.auth.principal import Principal
from app.call.service import accept_fallback as accept_call_fallback
from app.chat import frames
from app.chat.models import CaseSummary, ChatMessage
from app.consultation.models import Consultation
from app.consultation.service import case_in_scope
from app.errors import Conflict, DomainError, Forbidden, InvalidField, NotFound
from app.language.models import Language
from app.live import topics
from app.live.desk import LiveDesk
from app.live.hub import Hub
from app.live.models import RoutingDecision, RoutingEvent
from app.live.tickets import TicketError, verify_watch_ticket
from app.mt.exceptions import ModelLoadError, PairUnavailable
from app.mt.service import STAFF_LANGUAGE
from app.mt.translator import AsyncMachineTranslator, Translation
from app.security.crypto import PersonalDataCipher
from realtime.protocol import encode
from routing import FallbackOption

Sender = frames.Sender

MAX_MESSAGE_CHARS = 2000
MAX_SUMMARY_CHARS = 20000
PURGED = "[purged]"


def staff_topic(public_id: str) -> str:
    """Counselors following one chat (they join it with a chat.join frame)."""
    return f"chat:{public_id}"


class TranslationUnavailable(Conflict):
    """409 naming the language pair that no installed model (nor the English pivot) covers."""

    def __init__(self, exc: PairUnavailable) -> None:
        super().__init__(str(exc))
        self.missing_pair = [exc.from_code, exc.to_code]

    def body(self) -> dict[str, Any]:
        return {"detail": self.message, "missing_pair": self.missing_pair}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who writes: a counselor (Japanese side) or the resident's side (own device, tablet)."""

    sender: Sender
    principal: Principal | None


@dataclass(frozen=True, slots=True)
class Line:
    """A stored chat line with its decrypted texts."""

    id: int
    consultation_id: str
    sender: Sender
    original: str
    original_language: str
    translated: str
    target_language: str
    route: list[str]
    machine_translated: bool
    created_at: datetime

    def text_for(self, side: Sender) -> str:
        return self.original if side == self.sender else self.translated

    def frame(self, audience: Sender) -> frames.ChatMessage:
        """The chat.message frame for one side; `text` is in that side's language."""
        return frames.ChatMessage(
            consultation_id=self.consultation_id,
            audience=audience,
            id=self.id,
            sender=self.sender,
            text=self.text_for(audience),
            original=self.original,
            original_language=self.original_language,
            language=self.original_language if audience == self.sender else self.target_language,
            machine_translated=self.machine_translated and audience != self.sender,
            route=">".join(self.route),
            created_at=self.created_at.isoformat(),
        )


# --- who may do what --------------------------------------------------------------------------------------


async def case_for(
    db: AsyncSession,
    principal: Principal | None,
    public_id: str,
    ticket: str | None,
    secret: bytes,
    now: datetime,
) -> tuple[Consultation, Actor]:
    """The consultation and the writer's side, or 404/403. A watch ticket makes you the resident."""
    if ticket:
        try:
            verify_watch_ticket(secret, ticket, public_id, now)
        except TicketError:
            raise Forbidden("this watch ticket is not valid for this consultation") from None
        case = await db.scalar(select(Consultation).where(Consultation.public_id == public_id))
        if case is None:
            raise NotFound(f"no consultation {public_id!r}")
        return case, Actor("resident", None)
    if principal is None:
        raise Forbidden("sign in, or send the consultation's watch ticket")
    if principal.role in roles.COUNSELORS:
        sender: Sender = "counselor"
    elif principal.role in roles.COUNTER:
        sender = "resident"  # the counter tablet is the resident's side
    else:
        raise Forbidden(f"chat transcripts are for counselors and the resident; you are {principal.role}")
    return await case_in_scope(db, principal, public_id), Actor(sender, principal)


async def resident_case(db: AsyncSession, public_id: str) -> Consultation:
    """The consultation a resident's socket already watches (its ticket was checked then)."""
    case = await db.scalar(select(Consultation).where(Consultation.public_id == public_id))
    if case is None:
        raise NotFound(f"no consultation {public_id!r}")
    return case


async def chat_is_open(db: AsyncSession, public_id: str) -> bool:
    """Whether the resident chose machine-translated chat for this consultation."""
    payloads = (
        await db.scalars(
            select(RoutingEvent.payload).where(
                RoutingEvent.request_id == public_id, RoutingEvent.kind == "FallbackAccepted"
            )
        )
    ).all()
    return any(p.get("option") == FallbackOption.MT_CHAT.value for p in payloads)


async def fallback_offer(db: AsyncSession, public_id: str) -> dict[str, Any] | None:
    """The latest fallback routing offered this consultation (its options and reason), if any."""
    payload = await db.scalar(
        select(RoutingDecision.payload)
        .where(RoutingDecision.request_id == public_id, RoutingDecision.kind == "FallbackOffered")
        .order_by(RoutingDecision.id.desc())
        .limit(1)
    )
    if payload is None:
        return None
    return {"reason": payload.get("reason"), "options": list(payload.get("options", []))}


async def mt_status(translator: AsyncMachineTranslator, language: str) -> dict[str, Any]:
    """Whether the language reaches Japanese and back, with the routes and the first missing pair."""
    if language == STAFF_LANGUAGE:
        return {"available": True, "to_ja": [language], "from_ja": [language], "missing_pair": None}
    reach = await translator.reachable(language, STAFF_LANGUAGE)
    missing = None
    if reach.to_hub is None:
        missing = [language, STAFF_LANGUAGE]
    elif reach.from_hub is None:
        missing = [STAFF_LANGUAGE, language]
    return {
        "available": reach.both_ways,
        "to_ja": list(reach.to_hub) if reach.to_hub else None,
        "from_ja": list(reach.from_hub) if reach.from_hub else None,
        "missing_pair": missing,
    }


async def accept_fallback(
    db: AsyncSession,
    desk: LiveDesk,
    hub: Hub,
    translator: AsyncMachineTranslator,
    case: Consultation,
    option: FallbackOption,
) -> bool:
    """The resident takes a fallback; for mt_chat, only if the language can be translated both ways.

    Returns whether the chat is open afterwards. Accepting mt_chat again is harmless.
    """
    if option is FallbackOption.MT_CHAT:
        if await chat_is_open(db, case.public_id):
            return True
        status = await mt_status(translator, case.language_code)
        if not status["available"]:
            pair = status["missing_pair"]
            raise TranslationUnavailable(PairUnavailable(pair[0], pair[1]))
    await accept_call_fallback(desk, case.public_id, option)
    if option is not FallbackOption.MT_CHAT:
        return False
    opened = encode(frames.ChatOpened(consultation_id=case.public_id, language=case.language_code))
    hub.publish(topics.DESK, opened)
    hub.publish(topics.consultation(case.public_id), opened)
    return True


# --- chat lines -------------------------------------------------------------------------------------------


def _languages(case: Consultation, sender: Sender) -> tuple[str, str]:
    resident = case.language_code
    return (STAFF_LANGUAGE, resident) if sender == "counselor" else (resident, STAFF_LANGUAGE)


def check_text(text: object, limit: int = MAX_MESSAGE_CHARS, field: str = "text") -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidField(("body", field), f"{field} must be a non-empty string")
    if len(text) > limit:
        raise InvalidField(
            ("body", field), f"{field} is {len(text)} characters; at most {limit} are accepted"
        )
    return text.strip()


class TranslationFailed(DomainError):
    """An installed model could not be loaded (a broken install): 503 until it is reinstalled."""

    status_code = 503


async def translate(translator: AsyncMachineTranslator, text: str, source: str, target: str) -> Translation:
    try:
        return await translator.translate_text(text, source, target)
    except PairUnavailable as exc:
        raise TranslationUnavailable(exc) from None
    except ModelLoadError as exc:
        raise TranslationFailed(str(exc)) from None


async def open_chats(db: AsyncSession) -> list[tuple[Consultation, datetime]]:
    """Consultations whose resident chose machine-translated chat, newest first, with when they chose it."""
    rows = (
        await db.execute(
            select(RoutingEvent.request_id, RoutingEvent.at, RoutingEvent.payload)
            .where(RoutingEvent.kind == "FallbackAccepted")
            .order_by(RoutingEvent.seq.desc())
        )
    ).all()
    opened = {r[0]: r[1] for r in rows if r[0] and r[2].get("option") == FallbackOption.MT_CHAT.value}
    if not opened:
        return []
    cases = (await db.scalars(select(Consultation).where(Consultation.public_id.in_(opened)))).all()
    found = [(case, opened[case.public_id]) for case in cases if case.personal_data_purged_at is None]
    return sorted(found, key=lambda item: item[1], reverse=True)


async def send_message(
    db: AsyncSession,
    cipher: PersonalDataCipher,
    translator: AsyncMachineTranslator,
    case: Consultation,
    actor: Actor,
    text: object,
) -> Line:
    """Translate and store one line (not yet committed); raises 409 if the chat is not open or no model."""
    body = check_text(text)
    if not await chat_is_open(db, case.public_id):
        raise Conflict("the chat is not open: the resident has not chosen machine-translated chat")
    source, target = _languages(case, actor.sender)
    result = await translate(translator, body, source, target)
    row = ChatMessage(
        consultation_id=case.id,
        sender=actor.sender,
        sender_staff_id=actor.principal.staff_user_id if actor.principal else None,
        original_enc=cipher.encrypt(body),
        original_language=source,
        translated_enc=cipher.encrypt(result.text),
        target_language=target,
        route=">".join(result.route),
        machine_translated=len(result.route) > 1,
    )
    db.add(row)
    await db.flush()
    return _line(row, case.public_id, cipher)


def publish_line(hub: Hub, line: Line) -> None:
    hub.publish(topics.consultation(line.consultation_id), encode(line.frame("resident")))
    hub.publish(staff_topic(line.consultation_id), encode(line.frame("counselor")))
    hub.publish(topics.DESK, encode(frames.ChatActivity(consultation_id=line.consultation_id, id=line.id)))


async def transcript(db: AsyncSession, cipher: PersonalDataCipher, case: Consultation) -> list[Line]:
    rows = (
        await db.scalars(
            select(ChatMessage).where(ChatMessage.consultation_id == case.id).order_by(ChatMessage.id)
        )
    ).all()
    return [_line(row, case.public_id, cipher) for row in rows]


def _line(row: ChatMessage, public_id: str, cipher: PersonalDataCipher) -> Line:
    return Line(
        id=row.id,
        consultation_id=public_id,
        sender="counselor" if row.sender == "counselor" else "resident",
        original=cipher.decrypt(row.original_enc) or PURGED,
        original_language=row.original_language,
        translated=cipher.decrypt(row.translated_enc) or PURGED,
        target_language=row.target_language,
        route=row.route.split(">"),
        machine_translated=row.machine_translated,
        created_at=row.created_at,
    )


# --- case summaries ---------------------------------------------------------------------------------------


async def check_language(db: AsyncSession, code: str) -> str:
    codes: Sequence[str] = (await db.scalars(select(Language.code).order_by(Language.code))).all()
    if code not in codes:
        raise InvalidField(("body", "language"), f"unknown language {code!r}", accepted=list(codes))
    return code


async def add_summary(
    db: AsyncSession,
    cipher: PersonalDataCipher,
    translator: AsyncMachineTranslator,
    case: Consultation,
    principal: Principal,
    text: str,
    language: str,
) -> CaseSummary:
    await check_language(db, language)
    result = await translate(translator, text, language, STAFF_LANGUAGE)
    row = CaseSummary(
        consultation_id=case.id,
        original_enc=cipher.encrypt(text),
        original_language=language,
        japanese_enc=cipher.encrypt(result.text),
        route=">".join(result.route),
        machine_translated=len(result.route) > 1,
        created_by_staff_id=principal.staff_user_id,
    )
    db.add(row)
    await db.flush()
    return row


async def summaries(db: AsyncSession, case: Consultation) -> Sequence[CaseSummary]:
    return (
        await db.scalars(
            select(CaseSummary).where(CaseSummary.consultation_id == case.id).order_by(CaseSummary.id)
        )
    ).all()


# --- retention --------------------------------------------------------------------------------------------


async def purge_texts(db: AsyncSession, consultation_ids: ColumnElement[bool]) -> None:
    """Null the encrypted chat and summary texts of the consultations matched by the condition."""
    ids = select(Consultation.id).where(consultation_ids)
    await db.execute(
        update(ChatMessage)
        .where(ChatMessage.consultation_id.in_(ids))
        .values(original_enc=None, translated_enc=None)
        .execution_options(synchronize_session=False)
    )
    await db.execute(
        update(CaseSummary)
        .where(CaseSummary.consultation_id.in_(ids))
        .values(original_enc=None, japanese_enc=None)
        .execution_options(synchronize_session=False)
    )
