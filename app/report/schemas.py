"""What the report endpoints return: exact figures for the dashboard (exports add suppression on top)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Category(BaseModel):
    code: str = Field(description="reference code; '' means not recorded")
    label_ja: str
    label_en: str
    color: str | None = Field(
        default=None, description="the category's fixed chart colour (#RRGGBB), the same in every chart"
    )


class AppliedFilters(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_month: str = Field(alias="from", description="first month, YYYY-MM (desk time zone)")
    to_month: str = Field(alias="to", description="last month, YYYY-MM")
    municipality: str | None
    language: str | None
    channel: str | None
    topic: str | None
    scope_municipality: str | None = Field(
        description="the caller's own scope; every figure is limited to it (null: the whole area)"
    )


class CasesMatrix(BaseModel):
    """Cases per month by one dimension; by topic, a case with several topics counts once in each."""

    filters: AppliedFilters
    by: str
    counting: str = Field(description="'cases', or 'topic_mentions' when counted per topic")
    months: list[str]
    categories: list[Category]
    counts: list[list[int]] = Field(description="counts[month index][category index]")
    month_totals: list[int]
    category_totals: list[int]
    total: int


class ServiceFigures(BaseModel):
    month: str = Field(description="YYYY-MM, or 'total' for the whole period")
    cases: int
    answered: int = Field(description="connected to a counselor")
    abandoned: int = Field(description="left before being connected")
    abandoned_resident_left: int = Field(
        default=0, description="of abandoned: the resident's screen went away and did not come back"
    )
    abandoned_staff_removed: int = Field(default=0, description="of abandoned: staff took it off the queue")
    other: int = Field(description="neither: cancelled, sent to a fallback (text chat, callback) or waiting")
    answer_rate: float | None = Field(description="answered / cases, percent")
    abandonment_rate: float | None = Field(description="abandoned / cases, percent")
    fallback_audio: int = Field(description="cases whose video call fell back to audio")
    interpreted: int = Field(description="cases an interpreter joined")
    mean_talk_minutes: float | None


class ServiceView(BaseModel):
    filters: AppliedFilters
    months: list[ServiceFigures]
    total: ServiceFigures


class WaitFigures(BaseModel):
    count: int
    median_seconds: float | None
    p90_seconds: float | None


class WaitMonth(BaseModel):
    month: str
    wait: WaitFigures = Field(description="request to connection, answered cases")
    time_to_interpreter: WaitFigures = Field(description="request to the first interpreter joining")


class WaitsView(BaseModel):
    filters: AppliedFilters
    definition: str
    months: list[WaitMonth]
    total: WaitMonth


class InterpreterRow(BaseModel):
    vendor: str
    language: Category
    legs: int
    minutes: float = Field(description="sum of leg durations, one decimal")
    billable_minutes: int = Field(description="each leg rounded up to a whole minute")


class InterpreterView(BaseModel):
    filters: AppliedFilters
    vendors: list[str]
    languages: list[Category]
    rows: list[InterpreterRow]
    vendor_totals: list[InterpreterRow]
    total: InterpreterRow


class ResidentShare(BaseModel):
    municipality: Category
    cases: int
    share: float | None = Field(description="percent of all cases in the period")


class ResidentsView(BaseModel):
    filters: AppliedFilters
    rows: list[ResidentShare]
    total: int


class Dashboard(BaseModel):
    filters: AppliedFilters
    cases_by_municipality: CasesMatrix
    cases_by_language: CasesMatrix
    cases_by_channel: CasesMatrix
    cases_by_topic: CasesMatrix
    service: ServiceView
    waits: WaitsView
    interpreter_minutes: InterpreterView
    residents: ResidentsView


class BillingRow(BaseModel):
    vendor: str
    month: str = Field(description="YYYY-MM, or 'total' on a vendor's subtotal")
    legs: int
    milliseconds: int = Field(description="exact sum of the interpreter legs' durations")
    minutes: float = Field(description="milliseconds / 60000, one decimal")
    billable_minutes: int = Field(description="each leg rounded up to a whole minute, as vendors invoice")


class BillingView(BaseModel):
    """Interpreter minutes per vendor and month for invoices: exact, never suppressed (admins only)."""

    filters: AppliedFilters
    months: list[str]
    vendors: list[str]
    rows: list[BillingRow]
    vendor_totals: list[BillingRow]
    total: BillingRow
