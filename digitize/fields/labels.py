"""Printed labels, found anywhere on an OCR line, diacritics folded and small OCR errors forgiven.

Real forms put several `label: value` pairs on one line (Circular 04/2020 extracts: "Giới tính:
Nữ  Dân tộc: Kinh  Quốc tịch: Việt Nam"), cards print each label twice ("Giới tính / Sex:"), and
OCR merges the two columns of a heading into one line. So a line is cut at *every* label it
holds, not only at the first, and a value runs from its label to the next one. Labels of things
hoso does not extract (ethnicity, nationality, place of birth…) are known too: they end the
value before them. The vocabulary comes from the official templates (Circular 04/2020/TT-BTP
civil-status forms, the 2016/2021 citizen-ID cards and the 2024 identity card, Circular 66/2023
residence forms, Decree 30/2020 headings), not from one generator's wording.

Matching is by words: the folded line is cut into words, and a label matches a run of words
when each word differs by at most one edit (words of one or two letters must be exact, unless
one letter is misread where the words around hold it in place: inside the label, "Họ, chữ đệm
ÿa tên", or first in a long one, "Hạ, chữ đệm, tên"; words OCR glued together, "Giớitính",
still match) and the whole label by at most one edit per six letters, two at most: "TRÍCH LUC
KHAl SINH" still says what it is, while "Họ tên" never matches "Họ tên cha" (a longer label
wins where they overlap). A label read with errors never spans a colon nor reaches right into
its value; a colon right after it is what lets one word be two letters off ("Giới unh:").
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from hoso.digitize.fields.places import ADMINISTRATIVE_UNITS, PROVINCES
from hoso.digitize.fields.textutil import fold_keep_digits

WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Phrase:
    """A printed phrase as words of folded text; `key` is what a match stands for (a field name,
    a document type, or None for a label hoso reads past)."""

    key: str | None
    words: tuple[str, ...]

    @property
    def letters(self) -> int:
        return sum(len(w) for w in self.words)


@dataclass(frozen=True)
class Hit:
    phrase: Phrase
    start: int  # character offsets in the (NFC) line
    end: int
    edits: int


def phrase(key: str | None, printed: str) -> Phrase:
    return Phrase(key, tuple(WORD.findall(fold_keep_digits(printed))))


def phrases(table: Mapping[str | None, Iterable[str]]) -> tuple[Phrase, ...]:
    return tuple(phrase(key, printed) for key, texts in table.items() for printed in texts)


# The name labels of another person a form asks about: the household head on a residence
# form (Circular 66/2023, CT01). Their values are not the applicant's (`extract` also starts
# that person's particulars there).
OTHER_PERSONS_NAME_LABELS = (
    "Họ, chữ đệm và tên chủ hộ", "Họ và tên chủ hộ", "Họ tên chủ hộ",
    "Họ, chữ đệm và tên của vợ/chồng", "Họ, chữ đệm và tên vợ/chồng", "Họ và tên vợ/chồng",
    "Họ và tên của vợ/chồng",
)  # fmt: skip
# Field labels as the official templates print them, Vietnamese and English (cards).
FIELD_LABELS: dict[str | None, tuple[str, ...]] = {
    "full_name": (
        "Họ và tên", "Họ tên", "Họ, chữ đệm và tên", "Họ, chữ đệm, tên", "Full name",
        "Họ, chữ đệm và tên khai sinh", "Surname, middle and given name", "Tên tôi là",
        "Tôi tên là", "Tôi là",
        "Họ, chữ đệm, tên người yêu cầu", "Họ và tên người yêu cầu", "Họ và tên người đề nghị",
        "Họ, chữ đệm và tên người đề nghị", "Họ và tên người làm đơn",
        "Họ, chữ đệm, tên người khai", "Tên người nộp thuế", "Họ và tên người nộp thuế",
        "Họ, chữ đệm và tên người nộp thuế",
    ),
    "father_name": (
        "Họ, chữ đệm, tên người cha", "Họ, chữ đệm, tên cha", "Họ và tên cha", "Họ tên cha",
        "Họ và tên người cha", "Họ tên người cha", "Họ, chữ đệm và tên cha",
        "Họ, chữ đệm và tên của cha", "Họ, chữ đệm, tên của cha", "Họ và tên của cha",
    ),
    "mother_name": (
        "Họ, chữ đệm, tên người mẹ", "Họ, chữ đệm, tên mẹ", "Họ và tên mẹ", "Họ tên mẹ",
        "Họ và tên người mẹ", "Họ tên người mẹ", "Họ, chữ đệm và tên mẹ",
        "Họ, chữ đệm và tên của mẹ", "Họ, chữ đệm, tên của mẹ", "Họ và tên của mẹ",
    ),
    "date_of_birth": ("Ngày, tháng, năm sinh", "Ngày sinh", "Sinh ngày", "Date of birth"),
    "sex": ("Giới tính", "Sex"),
    "id_number": (
        "Số định danh cá nhân", "Personal identification number", "Số căn cước công dân",
        "Số căn cước", "Số thẻ căn cước", "Căn cước công dân số", "Căn cước số", "Số CCCD",
        "CCCD số", "Số CMND/CCCD", "Số CCCD/CMND", "CMND/CCCD số", "CCCD/CMND số",
        "Số định danh", "Số / No",
    ),
    "id_issue_date": ("Ngày cấp", "Cấp ngày", "Ngày, tháng, năm cấp", "Date of issue"),
    "date_of_expiry": (
        "Có giá trị đến", "Có giá trị sử dụng đến", "Date of expiry", "Ngày, tháng, năm hết hạn",
    ),
    "address": (
        "Nơi thường trú", "Nơi cư trú", "Địa chỉ", "Địa chỉ liên hệ", "Địa chỉ thường trú",
        "Place of residence", "Nơi ở hiện tại", "Chỗ ở hiện nay",
        # before the Law on Residence 2020 (household books): older forms and the 9-digit card
        "Hộ khẩu thường trú", "Nơi đăng ký hộ khẩu thường trú", "Nơi ĐKHK thường trú",
        "Nơi đăng ký thường trú", "Địa chỉ đăng ký thường trú",
    ),
    "phone": (
        "Số điện thoại", "Điện thoại", "Số điện thoại liên hệ", "Điện thoại liên hệ", "SĐT",
        "Số ĐT", "Phone", "Tel",
    ),
    "tax_code": ("Mã số thuế", "MST"),
    None: (  # labels whose values hoso does not read; they end the value printed before them
        "Dân tộc", "Ethnicity", "Quốc tịch", "Nationality", "Tôn giáo", "Nơi sinh",
        "Place of birth", "Quê quán", "Place of origin", "Nơi đăng ký khai sinh", "Năm sinh",
        "Nơi cấp", "Nghề nghiệp", "Email", "Thư điện tử", "Ghi bằng chữ", "Bằng chữ",
        "Đặc điểm nhân dạng", "Personal identification", "Quan hệ với chủ hộ", "Nơi tạm trú",
        "Quan hệ với người được cấp bản sao", "Ngày, tháng, năm đăng ký", "Số hộ chiếu",
        "Kính gửi", "Giấy tờ tùy thân", "Nơi làm việc", "Số lượng bản sao", "Quyển số",
        "Nơi đăng ký", "Ngày đăng ký", "Lý do", "Nội dung đề nghị", "Mối quan hệ với chủ hộ",
        "Số định danh cá nhân của chủ hộ", *OTHER_PERSONS_NAME_LABELS,
        # a business's seat is not its owner's address
        "Địa chỉ trụ sở", "Địa chỉ trụ sở chính", "Địa chỉ trụ sở hộ kinh doanh",
        "Địa điểm kinh doanh",
        "Mã số BHXH", "Mã số bảo hiểm xã hội",
        "Địa chỉ tạm trú", "Địa chỉ nhận kết quả", "Địa chỉ cơ quan", "Tên và địa chỉ cơ quan",
    ),
}  # fmt: skip
LABELS = phrases(FIELD_LABELS)


def _budget(letters: int) -> int:
    """Edits a phrase of so many letters may carry and still be itself."""
    return 0 if letters < 6 else 1 if letters < 12 else 2


# Letters OCR splits into two that look like them in noisy print ("đệrn", "đệni" for "đệm";
# "cl" for "d"): one misreading, so one edit, not the two that Levenshtein counts.
OCR_SPLITS = (("rn", "m"), ("rh", "m"), ("ni", "m"), ("in", "m"), ("nn", "m"), ("cl", "d"),
              ("li", "h"), ("vv", "w"))  # fmt: skip


@lru_cache(maxsize=65536)
def word_distance(a: str, b: str) -> int:
    """Levenshtein distance, capped at 2 (only 0 and 1 are ever accepted); one letter read as
    two (`OCR_SPLITS`) counts as one edit."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) > 1:
        return 2
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    if previous[-1] >= 2 and (_split_letter(a, b) or _split_letter(b, a)):
        return 1
    return min(previous[-1], 2)


def _split_letter(longer: str, shorter: str) -> bool:
    """Whether `longer` is `shorter` with one letter read as the two of an `OCR_SPLITS` pair."""
    if len(longer) != len(shorter) + 1:
        return False
    for pair, letter in OCR_SPLITS:
        at = longer.find(pair)
        while at >= 0:
            if longer[:at] + letter + longer[at + 2 :] == shorter:
                return True
            at = longer.find(pair, at + 1)
    return False


def _edits(tokens: Sequence[str], at: int, words: tuple[str, ...], budget: int) -> int | None:
    """Edits between the tokens from `at` and a phrase's words, or None if too many."""
    if at + len(words) > len(tokens):
        return None
    total = 0
    for place, (token, word) in enumerate(zip(tokens[at : at + len(words)], words, strict=True)):
        if token == word:
            continue
        distance = word_distance(token, word)
        if distance > 1 or (len(word) <= 2 and not _may_misread(place, len(words), token, word)):
            return None
        total += distance
        if total > budget:
            return None
    return total


LONG_PHRASE = 4  # words; a phrase this long holds a misread first word in place too


def _may_misread(place: int, length: int, token: str, word: str) -> bool:
    """A word of one or two letters may carry one misread letter where the phrase's other
    words hold it in place: inside the phrase ("Họ, chữ đệm ÿa tên"), or first in a long one
    ("Hạ, chữ đệm, tên"), never last (it tells "Họ tên mẹ" from "Họ tên cha")."""
    held = place > 0 or length >= LONG_PHRASE
    return held and place < length - 1 and len(token) == len(word)


def _glued_edits(token: str, words: tuple[str, ...], budget: int) -> int | None:
    """Edits between one token and a phrase whose words OCR ran together ("Giớitính"): the
    missing spaces are not counted, a misread letter is."""
    joined = "".join(words)
    if len(words) < 2 or len(joined) < 6:
        return None
    edits = word_distance(token, joined)
    return edits if edits <= min(budget, 1) else None


GLUED_WORDS = 3  # at most, run together in one token


def _partly_glued_edits(
    tokens: Sequence[str], at: int, words: tuple[str, ...], budget: int
) -> tuple[int, int] | None:
    """Edits between the tokens from `at` and a phrase some of whose words, not the first, OCR
    ran together ("Họ chữđệm và tên", "Họ, chữ đệm, tênngườicha"), and how many tokens it
    covers: each token stands for one word, or for two or three run together (five letters at
    least), within one edit; the missing spaces are not counted. None unless some words were
    run together (`_edits` reads the rest)."""
    best: dict[tuple[int, int], int] = {(0, 0): 0}  # (tokens, words) read: fewest edits
    for used in range(len(words)):
        for (taken, read), edits in sorted(best.items()):
            if taken != used or at + taken >= len(tokens):
                continue
            token = tokens[at + taken]
            for glued in range(1, GLUED_WORDS + 1):
                if read + glued > len(words):
                    break
                joined = "".join(words[read : read + glued])
                if glued > 1 and (read == 0 or len(joined) < 5):
                    continue
                distance = 0 if token == joined else word_distance(token, joined)
                if distance > 1 or (distance and len(joined) <= 2):
                    continue
                key = (taken + 1, read + glued)
                if edits + distance <= budget and edits + distance < best.get(key, budget + 1):
                    best[key] = edits + distance
    ends = [(edits, taken) for (taken, read), edits in best.items() if read == len(words)]
    glued_somewhere = [(e, t) for e, t in ends if t < len(words)]
    return min(glued_somewhere) if glued_somewhere else None


@dataclass(frozen=True)
class _Index:
    """Where each phrase of a vocabulary can start: a phrase is only tried at a word within one
    edit of its first word (a word of one or two letters: the same word), or glued, at a word as
    long as all its words, give or take a letter. Most (word, phrase) pairs end there, unread.
    First words are found through their one-edit neighbourhoods (`_near_forms`): a word and a
    token one edit apart always share a form, so a token is compared only with the few first
    words it shares one with, not with every first word of its length (a cold process paid
    ~0.1 s a page comparing them all)."""

    first_words: Mapping[str, tuple[int, ...]]  # first word: phrases starting with it
    near: Mapping[str, tuple[str, ...]]  # a one-edit form: first words that have it
    glued: Mapping[int, tuple[int, ...]]  # by joined length: phrases that can be read glued
    budgets: tuple[int, ...]
    long: frozenset[int]  # phrases whose short first word may be misread


def _near_forms(word: str) -> set[str]:
    """The word, the word less any one letter, and the word with one `OCR_SPLITS` pair read
    back as its letter: two words within one edit (`word_distance`) share one of these."""
    forms = {word, *(word[:at] + word[at + 1 :] for at in range(len(word)))}
    for pair, letter in OCR_SPLITS:
        at = word.find(pair)
        while at >= 0:
            forms.add(word[:at] + letter + word[at + 2 :])
            at = word.find(pair, at + 1)
    return forms


@lru_cache(maxsize=64)
def _index(vocabulary: tuple[Phrase, ...]) -> _Index:
    by_first: dict[str, list[int]] = {}
    glued: dict[int, list[int]] = {}
    for number, entry in enumerate(vocabulary):
        if entry.words:
            by_first.setdefault(entry.words[0], []).append(number)
        joined = sum(len(word) for word in entry.words)
        if len(entry.words) >= 2 and joined >= 6:
            glued.setdefault(joined, []).append(number)
    near: dict[str, set[str]] = {}
    for word in by_first:
        for form in _near_forms(word):
            near.setdefault(form, set()).add(word)
    return _Index(
        {word: tuple(numbers) for word, numbers in by_first.items()},
        {form: tuple(sorted(words)) for form, words in near.items()},
        {length: tuple(numbers) for length, numbers in glued.items()},
        tuple(_budget(entry.letters) for entry in vocabulary),
        frozenset(n for n, entry in enumerate(vocabulary) if len(entry.words) >= LONG_PHRASE),
    )


def _may_start(token: str, index: _Index) -> list[int]:
    """The phrases (by position, in vocabulary order) that can match from this word."""
    numbers: list[int] = []
    candidates = {word for form in _near_forms(token) for word in index.near.get(form, ())}
    for word in candidates:
        starting = index.first_words[word]
        if token == word or (len(word) > 2 and word_distance(token, word) <= 1):
            numbers.extend(starting)
        elif len(word) == len(token) and word_distance(token, word) == 1:
            numbers.extend(n for n in starting if n in index.long)
    for length in (len(token) - 1, len(token), len(token) + 1):  # one edit: one letter more or less
        numbers.extend(index.glued.get(length, ()))
    return sorted(set(numbers))


def find_all(line: str, vocabulary: Sequence[Phrase]) -> list[Hit]:
    """Every phrase of the vocabulary on the line, overlaps included. A phrase read with errors
    never spans a colon: "Họ và tên: Chu Văn An" is a name label and a value, not "Họ và tên
    cha" misread."""
    text = unicodedata.normalize("NFC", line)
    folded = fold_keep_digits(text)
    spans = [(m.group(), m.start(), m.end()) for m in WORD.finditer(folded)]
    tokens = [token for token, _, _ in spans]
    vocabulary = tuple(vocabulary)
    index = _index(vocabulary)
    hits: list[Hit] = []
    for at in range(len(tokens)):
        for number in _may_start(tokens[at], index):
            entry, budget = vocabulary[number], index.budgets[number]
            edits = _edits(tokens, at, entry.words, budget)
            end = spans[at + len(entry.words) - 1][2] if edits is not None else 0
            if edits is None:
                edits, end = _glued_edits(tokens[at], entry.words, budget), spans[at][2]
            if edits is None and (partly := _partly_glued_edits(tokens, at, entry.words, budget)):
                edits, end = partly[0], spans[at + partly[1] - 1][2]
            if edits is None and _colon_after(folded, spans, at + len(entry.words) - 1):
                edits = _before_colon_edits(tokens, at, entry.words)
                end = spans[at + len(entry.words) - 1][2] if edits is not None else 0
            if edits is not None and not (edits and ":" in folded[spans[at][1] : end]):
                hits.append(Hit(entry, spans[at][1], end, edits))
    return hits


def _colon_after(folded: str, spans: list[tuple[str, int, int]], last: int) -> bool:
    """Whether a colon follows the word at `last` at once (spaces aside)."""
    return last < len(spans) and folded[spans[last][2] :].lstrip(" ").startswith(":")


def _before_colon_edits(tokens: Sequence[str], at: int, words: tuple[str, ...]) -> int | None:
    """Two edits for a label of two words or more with one word of four letters or more read
    two letters off ("Giới unh:" for "Giới tính:"), the others exact: only where a colon
    follows it at once (`_colon_after`), which says a label ends there. Without the colon the
    same reading is a value's words ("… Hà Giới unh Nam"), and the label ran into the value
    before it (a noisy form's name came back as "Phạm Ngọc Hà Giới unh Nam", its sex lost)."""
    if len(words) < 2 or at + len(words) > len(tokens):
        return None
    misread = [(t, w) for t, w in zip(tokens[at : at + len(words)], words, strict=True) if t != w]
    if len(misread) != 1:
        return None
    token, word = misread[0]
    if len(word) < 4 or len(token) < 3:
        return None
    return 2 if Levenshtein.distance(token, word, score_cutoff=2) <= 2 else None


def find(line: str, vocabulary: Sequence[Phrase] = LABELS) -> list[Hit]:
    """The labels on the line, in line order, none overlapping: where two overlap, the exact
    one wins, then the longer ("Năm sinh" inside "Ngày, tháng, năm sinh"). A longer label read
    with errors that *ends* where an exact one does still wins ("Ngãy thánh, năm sinh"): it
    reaches left, over words before the value, never right into the value ("Họ và tên Chu Văn
    An" is no misread "Họ và tên cha"), unless a further word of its own is read exactly
    ("Họ, chữ đệm, tên igười cha" is the father's label, not the child's with a value)."""
    return list(_found(line, tuple(vocabulary)))


# Extraction asks about the same lines many times (whose name label, a relative's item, a
# label line, the values after the labels): one extraction of an 8-page form called `find`
# 587 times for 37 lines. Hits are frozen, so the answers are shared.
@lru_cache(maxsize=4096)
def _found(line: str, vocabulary: tuple[Phrase, ...]) -> tuple[Hit, ...]:
    folded = fold_keep_digits(unicodedata.normalize("NFC", line))
    hits = [
        hit
        for hit in find_all(line, vocabulary)
        if not _a_place_name(hit, folded) and not _an_instruction(hit, folded)
    ]
    hits = [
        hit
        for hit in hits
        if hit.edits
        or not any(
            (h.edits and h.start < hit.start and h.end == hit.end) or _reads_on(h, hit, folded)
            for h in hits
        )
    ]
    candidates = sorted(hits, key=lambda h: (h.edits > 0, -h.phrase.letters, h.start))
    chosen: list[Hit] = []
    for hit in candidates:
        if all(hit.end <= kept.start or hit.start >= kept.end for kept in chosen):
            chosen.append(hit)
    return tuple(sorted(chosen, key=lambda h: h.start))


_PLACE_UNIT_BEFORE = re.compile(
    rf"(?:^|\W)(?:{'|'.join(fold_keep_digits(unit) for unit in ADMINISTRATIVE_UNITS)})\W*$"
)
_PROVINCE_FOLDS = frozenset(fold_keep_digits(name) for name in PROVINCES)


def _a_place_name(hit: Hit, folded: str) -> bool:
    """A label read with errors that is a place's name: right after a unit word ("tỉnh Nam
    Định", "xã …") or a province's name itself, with no colon after it. "Nam Định" is "Năm sinh"
    one letter off, and an address cut there lost its province ("…, huyện Hải Hậu, tỉnh ").
    Or a place before its date ("Quảng Ninh, ngày 15 tháng 4 …" is "Sinh ngày" one letter
    off: the decision's date became a birth date)."""
    if not hit.edits or folded[hit.end :].lstrip(" ").startswith(":"):
        return False
    read = " ".join(WORD.findall(folded[hit.start : hit.end]))
    if _PLACE_THEN_DATE.match(folded, hit.start):
        return True
    return bool(_PLACE_UNIT_BEFORE.search(folded[: hit.start])) or read in _PROVINCE_FOLDS


_PLACE_THEN_DATE = re.compile(r"[a-z]+\s*,\s*ngay\s+\d")


def _an_instruction(hit: Hit, folded: str) -> bool:
    """A label inside a signature's instruction, "(Ký, ghi rõ họ, chữ đệm, tên, chức vụ…)",
    names no field (a birth extract's name came out "Vụ"). Only a parenthesis opening on "Ký"
    or "ghi rõ" is one: OCR reads specks as brackets too ("hế(*hgpn Date of expiry")."""
    opened = folded.rfind("(", 0, hit.start)
    if opened < folded.rfind(")", 0, hit.start) or opened < 0:
        return False
    return bool(_INSTRUCTION.match(folded, opened + 1))


_INSTRUCTION = re.compile(r"\s*(?:ky\b|ghi\b|viet\b)")

# Labels that are also how a sentence opens ("Tôi là chủ hộ…"): a label only before a colon,
# or an instruction in brackets and then a colon ("Tôi là (ghi họ tên bằng chữ in hoa): …").
_SENTENCE_OPENINGS = {("toi", "la")}
_COLON_NEXT = re.compile(r"\s*(?:\([^)]*\))?\s*:")


def _in_a_sentence(hit: Hit, text: str) -> bool:
    return hit.phrase.words in _SENTENCE_OPENINGS and not _COLON_NEXT.match(text, hit.end)


def _reads_on(longer: Hit, exact: Hit, folded: str) -> bool:
    """`longer`, read with errors, starts where `exact` does and goes on past it with a word
    of three letters or more read exactly: the words past `exact` are its own, not a value."""
    if not longer.edits or longer.start != exact.start or longer.end <= exact.end:
        return False
    further = WORD.findall(folded[exact.end : longer.end])
    own = longer.phrase.words[len(longer.phrase.words) - len(further) :]
    return any(len(word) >= 3 and word == read for word, read in zip(own, further, strict=False))


_ENUMERATOR = re.compile(r"\s+\(?\d{1,2}[.)]?\s*$")  # "… 2." before the next numbered label
# OCR reads a bilingual label's thin slash as one of these ("Họ và tên ƒ Full name:").
_SLASH_MISREADS = frozenset("/ƒfFjJlI|!1ýÝ")


# The words of the cards' English labels, to know their second half when OCR lost the slash.
_ENGLISH_WORDS = frozenset(
    word
    for printed in itertools.chain.from_iterable(FIELD_LABELS.values())
    if printed.isascii()
    for word in WORD.findall(printed.lower())
    if len(word) >= 4
)


def _english_half(value: str) -> bool:
    """A bilingual label's English half before a colon, its slash lost ("Họ, chữ đệm và tên
    khai sinh Surnamre, middle and given name: …"): the value starts after that colon."""
    colon = value.find(":")
    if not 0 < colon <= 50:
        return False
    return any(_english_word(word) for word in WORD.findall(fold_keep_digits(value[:colon])))


def _english_word(word: str) -> bool:
    """A word of the cards' English labels, or one letter off it when five letters or more."""
    return word in _ENGLISH_WORDS or (
        len(word) >= 5 and any(word_distance(word, known) <= 1 for known in _ENGLISH_WORDS)
    )


def _only_english_half(value: str) -> bool:
    """A bilingual label's English half with its colon lost too, the value on the next line
    ("Họ, chữ đệm và tên khai sinh Surnamne, 4nidiie and given namet,"): no colon, and at
    least two of its words, and half of those of three letters or more, are the labels' own."""
    if ":" in value:
        return False
    words = [w for w in WORD.findall(fold_keep_digits(value)) if len(w) >= 3]
    known = sum(_english_word(word) for word in words)
    return known >= 2 and 2 * known >= len(words)


def labelled_values(line: str) -> list[tuple[str | None, str]]:
    """(field or None, raw value) for each label on the line, the value running to the next
    label. A bilingual label's second half ("Giới tính / Sex:") is read past, up to its colon."""
    text = unicodedata.normalize("NFC", line)
    hits = [hit for hit in find(text) if not _in_a_sentence(hit, text)]
    out: list[tuple[str | None, str]] = []
    for hit, following in zip(hits, [*hits[1:], None], strict=False):
        raw = text[hit.end : following.start if following else len(text)]
        stripped = raw.lstrip(" .")
        if following is not None and stripped.strip() in _SLASH_MISREADS:
            raw = ""  # the slash between a label's two halves, the value after the second
        elif stripped.startswith("/"):
            colon = stripped.find(":")
            raw = stripped[colon + 1 :] if 0 <= colon <= 40 else ""
        elif _english_half(stripped):
            raw = stripped[stripped.find(":") + 1 :]
        elif _only_english_half(stripped):
            raw = ""
        else:
            raw = stripped.lstrip(" :")
        if following is not None:
            raw = _ENUMERATOR.sub("", raw)
        out.append((hit.phrase.key, _BRACKETED_FIRST.sub("", raw)))
    return out


# What a form says in brackets right after a label is how to fill it in ("(viết chữ in hoa)",
# "(dd/mm/yyyy)", "(nếu có)"), never the value: a blank form's name came out "(viết chữ in
# hoa)" at 0.9 (a helper's passport and insurance forms). No value opens with a bracket.
_BRACKETED_FIRST = re.compile(r"^\s*\([^()]{0,60}\)\s*:?\s*")
