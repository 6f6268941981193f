"""Reference data from shared/design/DOMAIN.md: the wide area, its sites, languages and topics."""

from __future__ import annotations

from dataclasses import dataclass

from app.enums import MunicipalityKind, ServiceMode, SiteKind


@dataclass(frozen=True, slots=True)
class MunicipalitySeed:
    code: str
    name_ja: str
    name_en: str
    kind: MunicipalityKind


@dataclass(frozen=True, slots=True)
class SiteSeed:
    code: str
    name_ja: str
    name_en: str
    kind: SiteKind
    municipality_code: str


@dataclass(frozen=True, slots=True)
class LanguageSeed:
    code: str
    native_name: str
    name_ja: str
    name_en: str
    service_mode: ServiceMode


@dataclass(frozen=True, slots=True)
class TopicSeed:
    code: str
    name_ja: str
    name_en: str


CENTRAL_MUNICIPALITY = "33202"
OUTSIDE_AREA = "outside"

MUNICIPALITIES: tuple[MunicipalitySeed, ...] = (
    MunicipalitySeed("33202", "倉敷市", "Kurashiki", MunicipalityKind.city),
    MunicipalitySeed("33205", "笠岡市", "Kasaoka", MunicipalityKind.city),
    MunicipalitySeed("33207", "井原市", "Ibara", MunicipalityKind.city),
    MunicipalitySeed("33208", "総社市", "Soja", MunicipalityKind.city),
    MunicipalitySeed("33209", "高梁市", "Takahashi", MunicipalityKind.city),
    MunicipalitySeed("33210", "新見市", "Niimi", MunicipalityKind.city),
    MunicipalitySeed("33216", "浅口市", "Asakuchi", MunicipalityKind.city),
    MunicipalitySeed("33423", "早島町", "Hayashima", MunicipalityKind.town),
    MunicipalitySeed("33445", "里庄町", "Satosho", MunicipalityKind.town),
    MunicipalitySeed("33461", "矢掛町", "Yakage", MunicipalityKind.town),
    MunicipalitySeed(OUTSIDE_AREA, "圏域外", "Outside the area", MunicipalityKind.outside),
)


def _sites() -> tuple[SiteSeed, ...]:
    sites = [
        SiteSeed(
            "kurashiki-desk",
            "倉敷市役所 本庁舎1階 19番窓口(外国人相談窓口)",
            "Kurashiki City Hall, main building 1F, counter 19 (central desk)",
            SiteKind.central_desk,
            CENTRAL_MUNICIPALITY,
        )
    ]
    for m in MUNICIPALITIES:
        if m.code in (CENTRAL_MUNICIPALITY, OUTSIDE_AREA):
            continue
        office = "市役所" if m.kind is MunicipalityKind.city else "町役場"
        office_en = "City Hall" if m.kind is MunicipalityKind.city else "Town Office"
        sites.append(
            SiteSeed(
                f"{m.name_en.lower()}-counter",
                f"{m.name_ja.removesuffix('市').removesuffix('町')}{office} サテライト窓口",
                f"{m.name_en} {office_en} satellite counter",
                SiteKind.satellite_counter,
                m.code,
            )
        )
    return tuple(sites)


SITES: tuple[SiteSeed, ...] = _sites()

LANGUAGES: tuple[LanguageSeed, ...] = (
    LanguageSeed("en", "English", "英語", "English", ServiceMode.on_site),
    LanguageSeed("zh", "中文", "中国語", "Chinese", ServiceMode.on_site),
    LanguageSeed("vi", "Tiếng Việt", "ベトナム語", "Vietnamese", ServiceMode.on_site),
    LanguageSeed("ko", "한국어", "韓国語", "Korean", ServiceMode.remote),
    LanguageSeed("pt", "Português", "ポルトガル語", "Portuguese", ServiceMode.remote),
    LanguageSeed("es", "Español", "スペイン語", "Spanish", ServiceMode.remote),
    LanguageSeed("ne", "नेपाली", "ネパール語", "Nepali", ServiceMode.remote),
    LanguageSeed("fil", "Filipino", "フィリピン語", "Filipino", ServiceMode.remote),
    LanguageSeed("id", "Bahasa Indonesia", "インドネシア語", "Indonesian", ServiceMode.remote),
    LanguageSeed("hi", "हिन्दी", "ヒンディー語", "Hindi", ServiceMode.remote),
    LanguageSeed("th", "ไทย", "タイ語", "Thai", ServiceMode.remote),
    LanguageSeed("fr", "Français", "フランス語", "French", ServiceMode.remote),
    LanguageSeed("ru", "Русский", "ロシア語", "Russian", ServiceMode.remote),
    LanguageSeed("uk", "Українська", "ウクライナ語", "Ukrainian", ServiceMode.reservation),
    LanguageSeed("ja", "やさしい日本語", "やさしい日本語", "Easy Japanese", ServiceMode.on_site),
)

TOPICS: tuple[TopicSeed, ...] = (
    TopicSeed("residence", "在留手続", "Residence procedures"),
    TopicSeed("employment", "雇用・労働", "Employment and labour"),
    TopicSeed("medical", "医療", "Medical"),
    TopicSeed("welfare", "福祉", "Welfare"),
    TopicSeed("childcare", "出産・子育て", "Childbirth and childcare"),
    TopicSeed("education", "子どもの教育", "Children's education"),
    TopicSeed("social_insurance", "社会保険・年金", "Social insurance and pension"),
    TopicSeed("tax", "税金", "Tax"),
    TopicSeed("housing", "住宅", "Housing"),
    TopicSeed("family", "家族・婚姻", "Family and marriage"),
    TopicSeed("japanese_learning", "日本語学習", "Learning Japanese"),
    TopicSeed("disaster", "防災・災害", "Disaster prevention and disasters"),
    TopicSeed("transport", "交通・運転免許", "Transport and driving licence"),
    TopicSeed("interpretation", "通訳・翻訳依頼", "Interpretation and translation requests"),
    TopicSeed("general_admin", "行政手続一般", "General administrative procedures"),
    TopicSeed("other", "その他", "Other"),
)
