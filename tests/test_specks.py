"""Dust read as punctuation (`digitize.ocr.specks`): what is taken out of the text layer, and,
as much, what is not. The end-to-end effect on dusty 150-dpi pages is in tests/test_low_dpi.py."""

from __future__ import annotations

import pytest

from hoso.digitize.models import Word
from hoso.digitize.ocr.specks import without_specks


def word(text: str, confidence: float = 0.9, left: int = 100, width: int = 160) -> Word:
    return Word(text, left, 50, left + width, 80, confidence, 0)


def texts(words: list[Word]) -> list[str]:
    return [w.text for w in words]


def test_an_unsure_word_of_marks_only_is_dust() -> None:
    read = [word("Họ"), word(":", 0.2), word("và"), word("~", 0.55), word("..", 0.0)]
    assert texts(without_specks(read)) == ["Họ", "và"]
    # an underscore is a mark too; a fill-in line read surely stays
    read = [word("tên"), word("_[", 0.0), word("___", 0.3), word("______", 0.95)]
    assert texts(without_specks(read)) == ["tên", "______"]


def test_an_unsure_lone_consonant_is_dust() -> None:
    """Dust on a blank part of the page reads as one letter; no Vietnamese word is one
    consonant."""
    read = [word("dân"), word("s", 0.3), word("ñ", 0.1), word("S", 0.35), word("x", 0.2)]
    assert texts(without_specks(read)) == ["dân"]


@pytest.mark.parametrize(
    "kept",
    [
        ("ở", 0.2),  # one-letter Vietnamese words are vowels: kept however unsure
        ("à", 0.1),
        ("ý", 0.3),
        ("a", 0.3),
        ("V", 0.85),  # a consonant read surely: a Roman numeral, an initial
        ("Đ", 0.5),
        ("B.", 0.2),  # an initial with its full stop is no lone letter
    ],
)
def test_one_letter_words_that_may_be_words_stay(kept: tuple[str, float]) -> None:
    text, confidence = kept
    read = [word("Chương"), word(text, confidence)]
    assert texts(without_specks(read)) == ["Chương", text]


@pytest.mark.parametrize("mark", ["-", "–", "“", ":", "*"])
def test_a_mark_read_with_confidence_stays(mark: str) -> None:
    """The dashes of "Độc lập - Tự do - Hạnh phúc" and list bullets read at 0.9 and more."""
    read = [word("lập"), word(mark, 0.92), word("Tự")]
    assert texts(without_specks(read)) == ["lập", mark, "Tự"]


@pytest.mark.parametrize(
    ("glued", "words"),
    [
        ("cơ.quan", ["cơ", "quan"]),
        ("lời:khai", ["lời", "khai"]),
        ("giấy;tờ,hợp", ["giấy", "tờ", "hợp"]),
        ("Ủy.ban", ["Ủy", "ban"]),  # one Vietnamese letter either side is enough
    ],
)
def test_a_mark_in_place_of_a_space_in_vietnamese_prose_is_dust(
    glued: str, words: list[str]
) -> None:
    assert texts(without_specks([word(glued)])) == words


@pytest.mark.parametrize(
    "kept",
    [
        "dichvucong.gov.vn",  # addresses are ASCII
        "hoso@ubnd.vn",
        "e.g",
        "NĐ-CP",  # document numbers and abbreviations are upper case
        "30/2020/NĐ-CP",
        "TP.HCM",
        "Q.Đống",
        "1.000.000",  # numbers and times
        "12:30",
        "Bà Rịa-Vũng",
        "Mát-xcơ-va",  # hyphens: transliterations and ethnic names, in lower case
        "Ê-đê",
        "kinh tế-xã",
        "tr.đồng",  # abbreviations of one or two letters
        "P.trưởng",
        "nguyễn.van@gmail.com",  # an address with a Vietnamese letter in it
        "www.hànội.vn",
        "hành.",  # a mark at the end of a word
        "(xã)",
    ],
)
def test_addresses_numbers_and_abbreviations_keep_their_marks(kept: str) -> None:
    assert texts(without_specks([word(kept)])) == [kept]


def test_a_word_read_with_confidence_is_left_whole() -> None:
    assert texts(without_specks([word("cơ.quan", 0.97)])) == ["cơ.quan"]


def test_decomposed_marks_are_read_as_letters() -> None:
    """Text in NFD (a base letter and a combining mark) is cut as its NFC form is."""
    assert texts(without_specks([word("Nghe\u0301.quận")])) == ["Nghé", "quận"]


def test_the_pieces_of_a_cut_word_share_its_box_in_order() -> None:
    """The text layer puts each piece where its letters are: a search finds "quan" on the
    right half of the box, not over "cơ"."""
    first, second = without_specks([word("cơ.quan", 0.7, left=100, width=70)])
    assert (first.left, first.right) == (100, 120)  # 2 of 7 characters
    assert (second.left, second.right) == (130, 170)  # after the mark
    assert first.top == second.top == 50 and first.confidence == second.confidence == 0.7
