"""Every table's model, imported in one place so metadata (and Alembic) sees them all."""

from app.audit.models import AuditEvent
from app.chat.models import CaseSummary, ChatMessage
from app.cluster.models import ClusterProcess, RoutingLease
from app.consultation.models import CallLeg, Consultation, consultation_topic
from app.consultation.record_models import ConsultationMediaChange
from app.db import Base
from app.device.models import Device
from app.geography.models import Municipality, Site
from app.interpreter.models import Interpreter, Vendor, interpreter_language
from app.language.models import Language
from app.live.desk_calendar.models import DeskCalendar
from app.live.models import RoutingCheckpoint, RoutingDecision, RoutingEvent, RoutingPolicy
from app.report.models import ReportMonthlyCase, ReportMonthlyInterpreter, ReportRollupMonth, ReportStaleHour
from app.reservation.models import Reservation
from app.resident.link_models import ResidentLinkRecord
from app.staff.models import ApiToken, SignInLock, StaffSession, StaffUser, staff_user_language
from app.topic.models import Topic

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Base",
    "CallLeg",
    "CaseSummary",
    "ChatMessage",
    "ClusterProcess",
    "Consultation",
    "ConsultationMediaChange",
    "DeskCalendar",
    "Device",
    "Interpreter",
    "Language",
    "Municipality",
    "ReportMonthlyCase",
    "ReportMonthlyInterpreter",
    "ReportRollupMonth",
    "ReportStaleHour",
    "Reservation",
    "ResidentLinkRecord",
    "RoutingCheckpoint",
    "RoutingDecision",
    "RoutingEvent",
    "RoutingLease",
    "RoutingPolicy",
    "SignInLock",
    "Site",
    "StaffSession",
    "StaffUser",
    "Topic",
    "Vendor",
    "consultation_topic",
    "interpreter_language",
    "staff_user_language",
]
