"""Sentence splitting for ja/en/ne/th and friends, and the lossless round trip."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from app.mt.splitter import rejoin, segment, split_sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        # Japanese: full-width terminators need no space; closing brackets stay with their sentence.
        ("こんにちは。元気ですか？はい！", ["こんにちは。", "元気ですか？", "はい！"]),
        (
            "在留カードを持ってきてください．窓口は１９番です．",
            ["在留カードを持ってきてください．", "窓口は１９番です．"],
        ),
        ("「はい。」「いいえ。」", ["「はい。」", "「いいえ。」"]),
        ("彼は「そうです。」と言った。", ["彼は「そうです。」と言った。"]),
        ("本当!?すごい", ["本当!?", "すごい"]),
        ("体温は３．５度上がった。", ["体温は３．５度上がった。"]),
        ("税金について", ["税金について"]),
        # English: abbreviations, initials and decimals do not end a sentence.
        ("Hello. How are you? Fine!", ["Hello.", "How are you?", "Fine!"]),
        ("Mr. Tanaka met Dr. Sato at 3.5 p.m. today.", ["Mr. Tanaka met Dr. Sato at 3.5 p.m. today."]),
        ("I paid 3.5 yen. Then I left.", ["I paid 3.5 yen.", "Then I left."]),
        ("J. Smith lives in the U.S. now.", ["J. Smith lives in the U.S. now."]),
        ("Bring e.g. a passport. Thanks", ["Bring e.g. a passport.", "Thanks"]),
        ("Go to counter No. 19 on Jan. 5 please.", ["Go to counter No. 19 on Jan. 5 please."]),
        ("The answer was no. Then we left.", ["The answer was no.", "Then we left."]),
        ("Llegué el 5 de mar. Es todo.", ["Llegué el 5 de mar.", "Es todo."]),
        ('He said "Stop." Then he left.', ['He said "Stop."', "Then he left."]),
        ("Wait... what?", ["Wait...", "what?"]),
        ("See example.com/a.b for details", ["See example.com/a.b for details"]),
        # Nepali and Hindi: the danda, with or without a space.
        ("नमस्ते। तपाईंलाई कस्तो छ?", ["नमस्ते।", "तपाईंलाई कस्तो छ?"]),
        ("मेरो नाम राम हो।म नेपालबाट आएँ॥", ["मेरो नाम राम हो।", "म नेपालबाट आएँ॥"]),
        # Thai: no sentence punctuation, so spaces between Thai words are the fallback.
        ("สวัสดีครับ ผมชื่อสมชาย ยินดีที่ได้รู้จัก", ["สวัสดีครับ", "ผมชื่อสมชาย", "ยินดีที่ได้รู้จัก"]),
        ("สวัสดี ok ขอบคุณ", ["สวัสดี ok ขอบคุณ"]),
        # Lines always split; blank and whitespace-only texts have no sentences.
        ("first line\nsecond line\r\n\r\nthird", ["first line", "second line", "third"]),
        ("  \n\t ", []),
        ("", []),
        # Mixed scripts in one chat line.
        ("Hello. こんにちは。नमस्ते।", ["Hello.", "こんにちは。", "नमस्ते।"]),
        ("Thanks!ありがとう", ["Thanks!", "ありがとう"]),
    ],
)
def test_split_sentences__table(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_segment__keeps_lead_and_gaps() -> None:
    seg = segment("  Hi.  Bye.\n\nOk ")

    assert seg.lead == "  "
    assert [(s.text, s.gap) for s in seg.sentences] == [("Hi.", "  "), ("Bye.", "\n\n"), ("Ok", " ")]


def test_segment__long_sentence_is_cut_at_whitespace() -> None:
    text = "word " * 30 + "end"

    parts = split_sentences(text, max_chars=20)

    assert all(len(p) <= 20 for p in parts)
    assert " ".join(parts) == text.strip()


def test_segment__long_unspaced_sentence_is_cut_hard() -> None:
    parts = split_sentences("あ" * 25, max_chars=10)

    assert parts == ["あ" * 10, "あ" * 10, "あ" * 5]


def test_segment__refuses_zero_max_chars() -> None:
    with pytest.raises(ValueError, match="max_chars"):
        segment("x", max_chars=0)


@pytest.mark.parametrize(
    ("parts", "gaps", "lang", "joined"),
    [
        (["こんにちは。", "元気です。"], [" ", ""], "ja", "こんにちは。元気です。"),
        (["Hello.", "Fine."], ["", " "], "en", "Hello.Fine."),  # a hard cut had no gap: none is added
        (["Hello.", "Fine."], [" ", ""], "en", "Hello. Fine."),
        (["Hello.", "Fine."], ["\r\n\r\n", ""], "en", "Hello.\r\n\r\nFine."),
        ([" 你好。 ", "谢谢。"], [" ", "\n"], "zh", "你好。谢谢。"),
        ([], [], "en", ""),
    ],
)
def test_rejoin__table(parts: list[str], gaps: list[str], lang: str, joined: str) -> None:
    assert rejoin(parts, gaps, lang) == joined


# Text made of the pieces the rules look at, so that the boundary cases come up often.
SCRIPT_TEXT = st.lists(
    st.sampled_from([*"abc XYZ.!?…。．｡！？।॥「」\"')\n\r\t\u3000\u2028กขあ१क", "Mr", "3.5", "U.S", "  "]),
    max_size=60,
).map("".join)


@given(text=st.one_of(st.text(max_size=120), SCRIPT_TEXT), max_chars=st.integers(min_value=1, max_value=50))
@example(text="Mr. A. 3.5. こんにちは。\nสวัสดี ครับ", max_chars=400)
def test_segment__round_trip_is_lossless(text: str, max_chars: int) -> None:
    seg = segment(text, max_chars)

    assert seg.join() == text
    assert "".join("".join(s.text for s in seg.sentences).split()) == "".join(text.split())
    for sentence in seg.sentences:
        assert sentence.text and sentence.text == sentence.text.strip()
        assert len(sentence.text) <= max_chars
        assert sentence.gap.strip() == ""
        assert not any(ch in sentence.text for ch in "\n\r\u2028")
