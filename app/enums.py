"""Closed vocabularies shared by models, schemas and reports."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum as SAEnum


def db_enum(enum_cls: type[StrEnum]) -> SAEnum:
    """Store enums as checked strings so adding a value never needs a PostgreSQL type migration."""
    return SAEnum(
        enum_cls,
        native_enum=False,
        length=32,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
        create_constraint=False,
    )


class MunicipalityKind(StrEnum):
    city = "city"
    town = "town"
    outside = "outside"


class SiteKind(StrEnum):
    central_desk = "central_desk"
    satellite_counter = "satellite_counter"


class ServiceMode(StrEnum):
    on_site = "on_site"
    remote = "remote"
    reservation = "reservation"


class Role(StrEnum):
    counter_staff = "counter_staff"
    counselor = "counselor"
    coordinator = "coordinator"
    admin = "admin"
    interpreter = "interpreter"


class Channel(StrEnum):
    counter = "counter"
    satellite = "satellite"
    phone = "phone"
    video = "video"


class ConsultationStatus(StrEnum):
    requested = "requested"
    queued = "queued"
    offered = "offered"
    connected = "connected"
    ended = "ended"
    cancelled = "cancelled"
    abandoned = "abandoned"
    fallback = "fallback"


class Outcome(StrEnum):
    resolved = "resolved"
    referred = "referred"
    follow_up = "follow_up"
    abandoned = "abandoned"


class AbandonReason(StrEnum):
    """Why a case was abandoned before being served (the statistics count each apart)."""

    resident_left = "resident_left"  # the resident's screen went away and did not come back in time
    staff_removed = "staff_removed"  # staff took it off the queue, with a reason in the audit log
    hung_up = "hung_up"  # a phone caller hung up while waiting


class Gender(StrEnum):
    female = "female"
    male = "male"
    other = "other"
    no_answer = "no_answer"
    not_asked = "not_asked"


class InterpreterGender(StrEnum):
    female = "female"
    male = "male"


class ResidenceStatusGroup(StrEnum):
    permanent_resident = "permanent_resident"  # 永住者
    long_term_resident = "long_term_resident"  # 定住者
    spouse_of_japanese = "spouse_of_japanese"  # 日本人の配偶者等
    special_permanent_resident = "special_permanent_resident"  # 特別永住者
    technical_intern = "technical_intern"  # 技能実習
    specified_skilled_worker = "specified_skilled_worker"  # 特定技能
    student = "student"  # 留学
    dependent = "dependent"  # 家族滞在
    engineer_specialist = "engineer_specialist"  # 技術・人文知識・国際業務
    other = "other"  # その他
    unknown = "unknown"  # 不明
    not_asked = "not_asked"


class AgeBand(StrEnum):
    under_20 = "under_20"
    from_20_to_29 = "20s"
    from_30_to_39 = "30s"
    from_40_to_49 = "40s"
    from_50_to_59 = "50s"
    from_60_to_69 = "60s"
    over_70 = "70_plus"
    not_asked = "not_asked"


class CallRole(StrEnum):
    resident = "resident"
    counter_tablet = "counter_tablet"
    counselor = "counselor"
    interpreter = "interpreter"
    satellite_staff = "satellite_staff"
    phone = "phone"


class MediaMode(StrEnum):
    video = "video"
    audio = "audio"
