"""One language order for residents (Easy Japanese first, then the desk's order) and the operator line."""

from __future__ import annotations

from app.i18n import SUPPORTED, translator
from app.i18n.languages import EASY_JAPANESE, resident_order
from app.resident.operator import operator_line

PLACES = [("倉敷市", "Kurashiki"), ("総社市", "Soja"), ("矢掛町", "Yakage")]


def test_order__easy_japanese_first_then_the_others_in_the_desks_order() -> None:
    order = resident_order(SUPPORTED)
    assert order[0] == EASY_JAPANESE and sorted(order) == sorted(SUPPORTED)
    assert order[1:] == [c for c in SUPPORTED if c != EASY_JAPANESE]


def test_order__easy_japanese_moves_to_the_front_from_anywhere() -> None:
    assert resident_order(("en", "uk", "ja", "th"))[0] == EASY_JAPANESE
    assert resident_order(("en", "th")) == ["en", "th"]


def test_operator_line__japanese_names_for_japanese_and_chinese_readers_english_for_the_rest() -> None:
    ja = operator_line(translator("ja"), "高梁川流域窓口", "River desk", PLACES)
    assert "高梁川流域窓口" in ja and "倉敷市" in ja and "Kurashiki" not in ja
    zh = operator_line(translator("zh"), "高梁川流域窓口", "River desk", PLACES)
    assert "倉敷市" in zh and "矢掛町" in zh
    en = operator_line(translator("en"), "高梁川流域窓口", "River desk", PLACES)
    assert en == "This service is run by River desk for people living in Kurashiki, Soja, and Yakage."
    th = operator_line(translator("th"), "高梁川流域窓口", "River desk", PLACES)
    assert "River desk" in th and "Yakage" in th and "倉敷" not in th
