"""Classify a document and extract its fields from text (and a chip-ID QR code when present).

Layout and keywords first, no model: Vietnamese administrative papers are formulaic (Decree
30/2020 layouts, printed labels such as "Họ và tên:"). Labels are matched on folded text, so OCR
that drops a tone mark still finds "Ho va ten". Each value gets a confidence: how it was found
(QR > printed label > position), lowered by every validation problem, with the reasons kept.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from rapidfuzz.distance import Levenshtein

from hoso.contract import FIELDS_BY_TYPE, ExtractedFields, id_holder
from hoso.digitize.fields import card_dates, identifiers, labels, mrz
from hoso.digitize.fields.dates import (
    WORDED_DATE,
    find_dates,
    find_dates_tolerant,
    parse_birth_date,
    parse_date,
    read_labelled_date,
    to_date,
)
from hoso.digitize.fields.places import (
    ADMINISTRATIVE_UNITS,
    correct_address,
    ends_in_a_province,
    ends_on_a_unit,
    joined_across_lines,
    province_after_its_unit,
    splits_a_province,
    without_trailing_specks,
)
from hoso.digitize.fields.problems import (
    ID_TWO_BIRTHS,
    ID_TWO_NAMES,
    NAME_TWO_IDS,
    NOT_TEXT,
    REPAIRED,
    ZONE_DISAGREES,
)
from hoso.digitize.fields.textutil import (
    FINALS,
    NEVER_LAST,
    ONSETS,
    VOWELS,
    clean_value,
    fold_keep_digits,
    syllable_shaped,
)

FROM_QR, FROM_LABEL, FROM_LAYOUT = 0.99, 0.9, 0.7
FROM_ZONE = 0.95  # a card's machine-readable zone, its check digit holding (`mrz`)
# Values read where a check says they were read right: no OCR doubt nor card-date rule moves them.
CHECKED_SOURCES = frozenset({"qr", "mrz"})
PROBLEM_PENALTY = 0.5


@dataclass
class FieldValue:
    value: str
    confidence: float
    source: str  # "qr" | "label" | "layout"
    problems: list[str] = field(default_factory=list)
    line: str | None = None  # the text line it was read from, to find it on the page
    page: int | None = None  # where it stands, for a reviewer's crop (set by the pipeline)
    box: tuple[int, int, int, int] | None = None  # left, top, right, bottom in page pixels

    def doubt(self, *problems: str) -> None:
        """Say what is wrong with the value; each problem costs it `PROBLEM_PENALTY`."""
        self.problems.extend(problems)
        self.confidence *= PROBLEM_PENALTY ** len(problems)

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {"value": self.value, "confidence": round(self.confidence, 3)}
        if self.problems:
            data["problems"] = self.problems
        if self.page is not None and self.box is not None:
            data["page"], data["box"] = self.page, list(self.box)
        return data


@dataclass
class DocumentFields:
    doc_type: str
    doc_type_confidence: float
    fields: dict[str, FieldValue]


# --- classification ------------------------------------------------------------------------------

# Weak signals per type: title words, labels only that type prints, its closing formulas. Each
# counts once; the type with the most weight wins if it has enough. No single exact title
# decides, so a noisy title ("TRÍCH LUC KHAl SINH") or a missing one still leaves the rest.
SIGNALS: dict[str, tuple[tuple[str, float], ...]] = {
    "id_card": (
        ("Căn cước công dân", 2), ("Citizen identity card", 3), ("Identity card", 3),
        ("Có giá trị đến", 3), ("Date of expiry", 3), ("Full name", 2), ("Date of birth", 2),
        ("Place of residence", 2), ("Place of origin", 2), ("Nationality", 1), ("Quê quán", 1),
        ("Nơi thường trú", 1), ("Personal identification number", 2),
        ("Ngày, tháng, năm hết hạn", 2),
    ),
    "birth_extract": (
        ("Trích lục khai sinh", 6), ("Giấy khai sinh", 5), ("Khai sinh", 1),
        ("Họ, chữ đệm, tên người cha", 2), ("Họ, chữ đệm, tên người mẹ", 2), ("Họ và tên cha", 2),
        ("Họ và tên mẹ", 2), ("Họ, chữ đệm, tên cha", 2), ("Họ, chữ đệm, tên mẹ", 2),
        ("Ngày, tháng, năm đăng ký", 2), ("Nơi đăng ký khai sinh", 1), ("Nơi sinh", 1),
        ("Dân tộc", 1), ("TLKS", 2), ("Người ký trích lục", 2),
    ),
    "decision": (
        ("Quyết định", 2), ("Căn cứ", 1), ("Nơi nhận", 2), ("Quyết định này có hiệu lực", 3),
        ("TM. Ủy ban nhân dân", 2), ("Điều 1", 1), ("QĐ-UBND", 2), ("Chịu trách nhiệm thi hành", 2),
    ),
    "application": (
        ("Đơn đề nghị", 4), ("Tờ khai", 4), ("Đơn xin", 3), ("Kính gửi", 2), ("Xin cam đoan", 2),
        ("Tôi cam đoan", 2), ("Người làm đơn", 2), ("Người khai", 2), ("Người viết đơn", 2),
        ("Đề nghị", 1), ("Số điện thoại", 1), ("Người yêu cầu", 2), ("Người đề nghị", 2),
        # titles as strong as a birth extract's: such forms ask for civil-status papers and
        # name the parents ("Phiếu yêu cầu trích lục hộ tịch")
        ("Phiếu đề nghị", 6), ("Giấy đề nghị", 6), ("Phiếu yêu cầu", 6), ("Đơn yêu cầu", 6),
        ("Bản khai", 6),
    ),
    # Civil-status and land papers hoso reads no fields of: their titles say so, where the
    # parents or the spouses they name would make them look like a birth extract.
    "other": (
        ("Giấy chứng nhận kết hôn", 6), ("Trích lục kết hôn", 6), ("Giấy chứng tử", 6),
        ("Trích lục khai tử", 6), ("Giấy xác nhận tình trạng hôn nhân", 6),
        ("Giấy chứng nhận quyền sử dụng đất", 6),
    ),
}  # fmt: skip
_SIGNAL_PHRASES = labels.phrases({t: [p for p, _ in signals] for t, signals in SIGNALS.items()})
_WEIGHT = {(t, labels.phrase(t, p).words): w for t, signals in SIGNALS.items() for p, w in signals}


TITLE_WEIGHT = 4  # a signal this strong is a title: it counts in full where a title stands


def _at_line_start(line: str, start: int) -> bool:
    """Nothing but punctuation and OCR specks (one- or two-letter scraps) before `start`."""
    return all(len(word) <= 2 for word in labels.WORD.findall(fold_keep_digits(line[:start])))


def classify(text: str, card_code: bool = False) -> tuple[str, float]:
    """A title phrase weighs in full only at the start of its line: a decision about a birth
    extract says "cấp bản sao trích lục khai sinh" in its subject, and when noise has eaten the
    decision's own signals that phrase must not make it a birth extract. `card_code`: the
    page holds a citizen card's own code (its chip's QR, its machine-readable zone)."""
    seen: dict[tuple[str | None, tuple[str, ...]], float] = {}
    for line in text.splitlines():
        for hit in labels.find_all(line, _SIGNAL_PHRASES):
            key = (hit.phrase.key, hit.phrase.words)
            weight = _WEIGHT[(str(hit.phrase.key), hit.phrase.words)]
            if weight >= TITLE_WEIGHT and not _at_line_start(line, hit.start):
                weight = 1
            seen[key] = max(seen.get(key, 0.0), weight)
    scores = dict.fromkeys(SIGNALS, 0.0)
    for (doc_type, _), weight in seen.items():
        scores[str(doc_type)] += weight
    if card_code:
        scores["id_card"] += 5
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, runner_up) = ranked[0], ranked[1]
    if top < 3:
        return "other", 0.5
    return best, round(min(0.99, 0.5 + (top - runner_up) / (2 * top)), 3)


# --- extraction -----------------------------------------------------------------------

ID_RUN = re.compile(r"(?<![\d])(\d[\d .]{10,16}\d)(?![\d])")
# Decree 30 number/symbol: "1657/QĐ-UBND", "118/2025/NĐ-CP", OCR spaces around / and - allowed;
# a ministry's number in thousands may carry a dot ("2.345/QĐ-BCA": never just "345/QĐ-BCA").
NUMBER_TOKEN = re.compile(
    r"(?<!\d)(?<!\d\.)(?:\d{1,3}(?:\.\d{3})+|\d{1,6})\s*/\s*(?:\d{4}\s*/\s*)?[A-ZĐ][A-ZĐa-z0-9]*(?:\s*-\s*[A-ZĐ0-9][A-ZĐa-z0-9]*)*"
)


@dataclass(frozen=True)
class Labelled:
    value: str
    line: str
    repairs: int = 0  # OCR errors undone to read it (letters read back as digits, date words)
    raw: str = ""  # what stood after the label, as OCR read it
    in_a_column: bool = False  # under its label in a table's header row: read by where it stood


def _labelled(
    lines: list[str], today: dt.date, theirs: frozenset[int], unread: dict[str, str] | None = None
) -> dict[str, Labelled]:
    """Each field's value after its label, the first that reads as one winning (a form states a
    field once; a bilingual card states the label twice, the second half holding the value). A
    label ending its line with nothing after it takes the next line when that holds no label:
    cards print long values under their label. A value that does not read as its field's
    grammar, or a past date read after `today` (born "2071"), is read again through OCR's usual
    errors (`REPAIRERS`), and says so; if that finds nothing, the value stays as read and its
    check says what is wrong with it. What stood after a label and read as nothing goes in
    `unread`, for checks that know more than the line (a card's expiry, from the birthday).
    On the lines `theirs` (`_other_persons_lines`), a person's own fields are another's."""
    found: dict[str, Labelled] = {}
    for at, line in enumerate(lines):
        pairs = labels.labelled_values(line)
        for index, (name, raw) in enumerate(pairs):
            if name is None or name in found or (at in theirs and name in _PERSONS_OWN):
                continue
            source, value_at = line, at
            last = index == len(pairs) - 1 and at + 1 < len(lines)
            if last and not clean_value(raw) and not _label_line(lines[at + 1]):
                raw, source, value_at = lines[at + 1], lines[at + 1], at + 1
            if raw.islower() and _UNKNOWN_LABEL.fullmatch(raw.strip()):
                continue  # "Địa chỉ tạm trú:": a label hoso does not know, after one it does
            value = CONVERTERS.get(name, clean_value)(raw)
            following = lines[value_at + 1] if last and value_at + 1 < len(lines) else None
            if value and name in WRAPPING_FIELDS and following:
                following = clean_value(without_trailing_specks(following))
                beside = _LEADING_DATE.match(following)  # the left column's expiry before it
                rest = following[beside.end() :] if beside else following
                if _continues_place(raw, rest):
                    value = clean_value(joined_across_lines(raw, rest))
                    if (
                        beside
                        and "date_of_expiry" in dict(pairs)
                        and (expiry := parse_date(beside.group(1)))
                    ):
                        found.setdefault("date_of_expiry", Labelled(expiry, following, 1))
            impossible = value is not None and name in PAST_DATES and to_date(value) > today
            if value and not impossible:
                cut = _glued_words(raw) if name in NAME_FIELDS else 0  # names given spaces back
                found[name] = Labelled(value, source, cut, raw)
            elif name in REPAIRERS and (repaired := REPAIRERS[name](raw, today)):
                found[name] = Labelled(repaired[0], source, repaired[1], raw)
            elif value:
                found[name] = Labelled(value, source, raw=raw)
            elif unread is not None and raw.strip():
                unread.setdefault(name, raw)
        for name, raw, row_at in _table_row(lines, at, pairs):
            value = CONVERTERS.get(name, clean_value)(raw)
            mine = row_at not in theirs or name not in _PERSONS_OWN
            if value and mine and name not in found:
                found[name] = Labelled(value, lines[row_at], raw=raw, in_a_column=True)
    return found


# A table prints its labels side by side in a header row and the values in the row below, in
# the same order ("Họ và tên  Ngày sinh  Giới tính  Số CCCD" over "NGÔ THỊ THANH HƯƠNG
# 30/11/1981 Nữ 027181006358"; a card's "Giới tính/Sex  Quốc tịch/Nationality" over "Nam  Việt
# Nam"). OCR gives the row as one line: the values with a shape of their own mark the columns,
# and a column without one holds the words between its neighbours.
_DATE_CELL = re.compile(r"(?<!\d)\d{1,2}\s?[/.-]\s?\d{1,2}\s?[/.-]\s?\d{4}(?!\d)")
_CELL_SHAPES: dict[str, re.Pattern[str]] = {
    **dict.fromkeys(("date_of_birth", "id_issue_date", "date_of_expiry"), _DATE_CELL),
    "sex": re.compile(r"(?<!\w)(?:Nam|Nữ)(?!\w)"),
    "id_number": re.compile(r"(?<!\d)\d{12}(?!\d)"),
    "phone": re.compile(r"(?<!\d)0\d{2,3}[ .]?\d{3}[ .]?\d{3,4}(?!\d)"),
    "tax_code": re.compile(r"(?<!\d)\d{10}(?:-\d{3})?(?!\d)"),
}


def _table_row(
    lines: list[str], at: int, pairs: list[tuple[str | None, str]]
) -> list[tuple[str, str, int]]:
    """(field, raw value, line index) for each column of a header row at `at` (`pairs`: its
    labels), from the row below it; nothing where line `at` is no header row or the row below
    does not divide into its columns."""
    columns = [
        name for index, (name, _) in enumerate(pairs) if not index or pairs[index - 1][0] != name
    ]
    header = len(columns) >= 2 and all(_header_cell(name, raw) for name, raw in pairs)
    row_at = _row_below(lines, at) if header else None
    if row_at is None:
        return []
    return [(name, raw, row_at) for name, raw in _cells(lines[row_at], columns) if name]


def _header_cell(name: str | None, raw: str) -> bool:
    """What stands after a label in a header row: nothing, or a word or two saying which paper
    ("Ngày cấp CCCD"), never a value."""
    rest = raw.strip(" /|:")
    return (
        len(rest) <= 12
        and not any(c.isdigit() for c in rest)
        and not (name and CONVERTERS.get(name, clean_value)(rest))
    )


def _row_below(lines: list[str], at: int) -> int | None:
    """The line under a header row, past a header label's last word wrapped onto a line of its
    own ("Số CCCD / Số định" over "danh"); None if that line is labels again."""
    below = at + 1
    if below < len(lines) and re.fullmatch(r"[^\W\d]+( [^\W\d]+)?", lines[below].strip()):
        below += 1  # a header cell's wrapped word: a lone word or two, no digit
    if below >= len(lines) or labels.find(lines[below]):
        return None
    return below


def _cells(row: str, columns: list[str | None]) -> list[tuple[str | None, str]]:
    """Each column's text in `row`. A shaped column (`_CELL_SHAPES`) is its value's match: the
    first after the column before, or, after a column without shape, the last before the next
    shaped value (a name ending in "Nam" before the sex). A column without shape holds the text
    between its neighbours. Nothing where a shaped value is missing, or two columns without
    shape stand side by side (no telling where one ends)."""
    shapes = [_CELL_SHAPES.get(name) if name else None for name in columns]
    if any(a is None and b is None for a, b in itertools.pairwise(shapes)):
        return []
    spans: list[tuple[int, int]] = []  # of the shaped values, in order
    cursor = 0
    for value_shape in filter(None, shapes):
        found = value_shape.search(row, cursor)
        if found is None:
            return []
        spans.append(found.span())
        cursor = found.end()
    bounds = [0, *(edge for span in spans for edge in span), len(row)]
    cells: list[tuple[str | None, str]] = []
    value = 0  # the next shaped value's index in `spans`
    for index, (name, shape) in enumerate(zip(columns, shapes, strict=True)):
        if shape is None:  # the text between the values around it
            cells.append((name, row[bounds[2 * value] : bounds[2 * value + 1]].strip(" |")))
            continue
        if index and shapes[index - 1] is None:
            after, before = bounds[2 * value], bounds[2 * value + 3]
            last = [m.span() for m in shape.finditer(row, after, before) if m.start() > after]
            spans[value] = last[-1] if last else spans[value]
            bounds[2 * value + 1 : 2 * value + 3] = spans[value]
            cells[-1] = (cells[-1][0], row[bounds[2 * value] : bounds[2 * value + 1]].strip(" |"))
        cells.append((name, row[slice(*spans[value])]))
        value += 1
    return cells


def _labelled_value(found: Labelled) -> FieldValue:
    if found.in_a_column:  # which column a value stands in is less sure than a label before it
        return FieldValue(found.value, FROM_LAYOUT, "layout", line=found.line)
    return FieldValue(found.value, FROM_LABEL, "label", line=found.line)


def _expiry_beside_residence(labelled: dict[str, Labelled], lines: list[str]) -> None:
    """A card prints its expiry in the left column beside the residence ("Có giá trị đến:" over
    the date, "Nơi thường trú:" over the address), and OCR runs the date into the address's
    first line ("27/06/2036. Số 9 kiệt 15 …"). No address opens with a date: it is taken off,
    and is the expiry where the card's expiry label was read with no date of its own (a person
    checks it: it was read by where it stood)."""
    address = labelled.get("address")
    stray = _LEADING_DATE.match(address.value) if address else None
    if address is None or stray is None:
        return
    labelled["address"] = replace(address, value=clean_value(address.value[stray.end() :]))
    expiry = parse_date(stray.group(1))
    printed = any(hit.phrase.key == "date_of_expiry" for line in lines for hit in labels.find(line))
    if expiry and printed and "date_of_expiry" not in labelled:
        labelled["date_of_expiry"] = Labelled(expiry, address.line, repairs=1)


_LEADING_DATE = re.compile(r"\s*(\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{4})(?!\d)[\s.,;:]*")


# What a form states about the person it names; a second person's name label starts what the
# form states about them (a birth registration's child after its requester, a household
# head after the applicant), and their values are not the first person's.
_PERSONS_OWN = frozenset({"date_of_birth", "sex", "id_number", "id_issue_date", "address", "phone"})


def _other_persons_lines(lines: list[str]) -> frozenset[int]:
    """The lines where a form states another person's particulars: a relative's item
    (`_relatives_items`), and everything from the line of a second name label on
    (`_names_a_person`; none when the form names one person), unless that label opens a
    numbered item of a relative, which ends at the next number."""
    relatives = _relatives_items(lines)
    naming = [
        at
        for at, line in enumerate(lines)
        if _names_a_person(line)
        and not _left_blank(lines, at)
        and not (at in relatives and _ITEM_NUMBER.match(line))  # an item of its own: bounded
    ]
    # the next line naming again is the same label broken by OCR ("Họ và tên /" over "Tên:"),
    # where the first holds no name; after a name it is another person's label
    broken = bool(naming) and not _names_someone(lines[naming[0]])
    first = _name_on(lines[naming[0]]) if naming else ""
    later = [
        at
        for at in naming[1:]
        if (at > naming[0] + 1 or not broken) and _name_on(lines[at]) != first
    ]
    return relatives | frozenset(range(later[0] if later else len(lines), len(lines)))


# A form's numbered item ("12.", "12)") opening its line.
_ITEM_NUMBER = re.compile(r"\s*[\[(]?\d{1,2}\s*[.)\]](?!\d)")  # not a date's "03.04.1968"
# An item number whose dot OCR lost ("12 Cha: …"), read so only before a relative's label.
_BARE_ITEM_NUMBER = re.compile(r"\s*\d{1,2}\s+(?=\D)")
# A relative named by one word and its colon ("12. Cha: …", "Mẹ:", "Vợ (chồng):"), folded.
_RELATIVE_WORD = re.compile(
    r"\W*(?:\d{1,2}\W{1,3})?(?:cha|me|vo|chong)(?:\W{1,3}(?:vo|chong))?\W*:"
)
_RELATIVES_LABELS = frozenset(
    labels.phrase(None, printed).words
    for printed in labels.OTHER_PERSONS_NAME_LABELS
    if "vợ" in printed
)
RELATIVE_ITEM_LINES = 2  # a relative's item wraps onto a line or two at most
# What a relative's item states of them on a line of its own; any other label opening a line
# is the applicant's own item again, its number lost by OCR ("Số điện thoại: …").
RELATIVES_PARTICULARS = frozenset({"id_number", "date_of_birth"})


def _relatives_items(lines: list[str]) -> frozenset[int]:
    """The lines of the items a form gives to the applicant's parents and spouse: a line opening
    with such a label, and, when it is a numbered item, the lines it wraps onto up to the next
    number. What they hold ("12. Cha: … sinh ngày 03/04/1968", "Họ, chữ đệm và tên cha: …
    Số định danh: 0…") is the relative's, and the applicant's own items go on after them (an
    ID card application's phone, item 18, after the parents and spouse, items 12-14): the
    father's birth date and ID had been taken for the applicant's, and the phone dropped."""
    items: set[int] = set()
    for at, line in enumerate(lines):
        if not _opens_with_relative(line):
            continue
        items.add(at)
        if _ITEM_NUMBER.match(line) or _BARE_ITEM_NUMBER.match(line):
            for after in range(at + 1, min(len(lines), at + 1 + RELATIVE_ITEM_LINES)):
                if _ITEM_NUMBER.match(lines[after]) or _opens_with_applicants_label(lines[after]):
                    break
                items.add(after)
    return frozenset(items)


def _opens_with_applicants_label(line: str) -> bool:
    return any(
        hit.phrase.key is not None
        and hit.phrase.key not in RELATIVES_PARTICULARS
        and _at_line_start(line, hit.start)
        for hit in labels.find(line)
    )


def _opens_with_relative(line: str) -> bool:
    return bool(_RELATIVE_WORD.match(fold_keep_digits(line))) or any(
        (hit.phrase.key in PARENTS or hit.phrase.words in _RELATIVES_LABELS)
        and _at_line_start(line, hit.start)
        for hit in labels.find(line)
    )


def _names_someone(line: str) -> bool:
    return any(clean_value(raw) for key, raw in labels.labelled_values(line) if key == "full_name")


def _name_on(line: str) -> str:
    """The name a name label's line gives, folded ("" for none): a second label naming the same
    person ("Tôi là: X" then "Họ và tên người đề nghị: X", a card's label read twice) starts
    no one else's particulars."""
    named = [raw for key, raw in labels.labelled_values(line) if key in ("full_name", None)]
    return fold_keep_digits(clean_value(named[0]) or "").strip() if named else ""


def _left_blank(lines: list[str], at: int) -> bool:
    """Whether the name label on line `at` names no one: nothing after it, and the next line
    is labels again (a form's section left empty, "[01]. Họ và tên" over "[02]. Ngày sinh"). It
    had made the next section's own name label another person's, and every value after it was
    dropped (a helper's insurance form)."""
    named = [raw for key, raw in labels.labelled_values(lines[at]) if key == "full_name"]
    following = lines[at + 1] if at + 1 < len(lines) else ""
    return (
        bool(named)
        and not any(clean_value(raw) for raw in named)
        and (not following or _label_line(following))
    )


# The rest of a label hoso does not know, after one it does: two to four words in lower case,
# then its colon ("tạm trú:"); a value ending on a speck read as a colon is capitalised
# ("Vũ Ngọc Quyên:") or holds digits.
_UNKNOWN_LABEL = re.compile(r"[^\W\d_]+(?:[ /][^\W\d_]+){1,3}\s*:")


def _label_line(line: str) -> bool:
    """A line of labels, not a value: one hoso knows, or any that ends on its colon ("[02]. Mã
    số BHXH:"), which no value does."""
    return bool(labels.find(line)) or line.rstrip(" .…_").endswith(":")


def _names_a_person(line: str) -> bool:
    """A name label read exactly, opening its line (an item's number before it aside; a
    signature's "(Ký, ghi rõ họ tên)" names no one), and not a card's English half ("Full
    name:" on a line of its own is the label above it, broken by OCR)."""
    return any(
        (hit.phrase.key == "full_name" or hit.phrase.words in _OTHER_PERSONS_NAME_LABELS)
        and not hit.edits
        and hit.phrase.words not in _ENGLISH_NAME_LABELS
        and _at_line_start(line, hit.start)
        for hit in labels.find(line)
    )


_OTHER_PERSONS_NAME_LABELS = frozenset(
    labels.phrase(None, printed).words for printed in labels.OTHER_PERSONS_NAME_LABELS
)
_ENGLISH_NAME_LABELS = frozenset(
    labels.phrase(None, printed).words
    for printed in labels.FIELD_LABELS["full_name"]
    if printed.isascii()
)


PARENTS = ("father_name", "mother_name")
# What OCR left of "cha", "mẹ", "người mẹ" at the end of a parent's label: a word or two, short.
_PARENT_WORD_MISREAD = re.compile(r"^\s*(\S{1,6})(\s+\S{1,6})?\s*:\s*(.+)$")


def _parent_by_elimination(
    lines: list[str], found: dict[str, Labelled]
) -> tuple[str, Labelled] | None:
    """The parent whose label's last word OCR misread, found because the paper names the other.

    A birth extract prints "Họ, chữ đệm, tên" three times: the child's, "… tên cha" and "… tên
    mẹ". The last word is what tells the parents apart, so it is never read through an error
    ("tên tn‹:" for "tên mẹ:" is no label of the mother, `labels.find`), and the line read as a
    second name label. But where the child and one parent are read, a further line opening with
    the name label, a word or two of six letters at most and a colon, then a name, can only be
    the other parent. Such a value is found by layout, and repaired: it goes to a person."""
    missing = [name for name in PARENTS if name not in found]
    if len(missing) != 1 or "full_name" not in found:
        return None
    taken = {found[name].line for name in ("full_name", *PARENTS) if name in found}
    for line in lines:
        if line in taken:
            continue
        for name, raw in labels.labelled_values(line):
            misread = _PARENT_WORD_MISREAD.match(raw) if name == "full_name" else None
            value = _name(misread.group(3)) if misread else ""
            if misread and value and any(c.isupper() for c in value):
                return missing[0], Labelled(value, line)
    return None


# Dates a paper states about the past: none can fall after the day it is scanned.
PAST_DATES = frozenset({"date_of_birth", "id_issue_date"})


# Values a form or card prints over two lines when long (the ID card's residence always may).
WRAPPING_FIELDS = frozenset({"address"})
_UNIT_FOLDS = frozenset(fold_keep_digits(w) for unit in ADMINISTRATIVE_UNITS for w in unit.split())
_PLACE_WORDS = _UNIT_FOLDS | {
    "so", "to", "thon", "ap", "ban", "khu", "pho", "duong", "ngo", "hem", "kiet", "ngach", "kp",
}  # fmt: skip


# The words of an address's second line at most: a card's residence carries on with street,
# ward, district and province ("Phố Hoàng Hoa Thám, Thụy Khuê, Tây Hồ, Hà Nội": ten).
PLACE_LINE_WORDS = 14


def _continues_place(value: str, line: str) -> bool:
    """A line that carries on the place `value` began: shaped like a piece of an address (no
    label, no colon, no date, a few words, each a capitalised name, a number or a word of an
    address, not a heading in capitals; a sentence, "Tôi xin cam đoan…", never is) and with
    something saying it belongs to the value: a comma or an address word of its own ("Nghé,
    Khánh Hòa"; a name alone, "Việt Nam" or "Nam", is another value), the value ending on a
    comma ("…, xã Hòa Vang," / "Nghệ An"), or a province cut in two ("…, Hải" / "Phòng")."""
    text = clean_value(line)
    words = re.sub(r"[,.;]", " ", text).split()
    if not words or len(words) > PLACE_LINE_WORDS or ":" in text or text.isupper():
        return False
    if labels.find(line):
        return False
    if find_dates(text):
        return False
    if not all(word[:1].isupper() or word[:1].isdigit() or _is_place_word(word) for word in words):
        return False
    if _family_name_run(text) == text.strip(" ,.;"):
        return False  # a person's name on its own line is another value ("Nguyễn Văn An")
    return (
        "," in text
        or any(_is_place_word(w) for w in words)
        or value.rstrip().endswith(",")
        or ends_on_a_unit(value)
        or (not ends_in_a_province(value) and splits_a_province(value, text))
    )


def _is_place_word(word: str) -> bool:
    return fold_keep_digits(word) in _PLACE_WORDS


def document_number(line: str, heading: bool = False) -> tuple[str, int] | None:
    """The number/symbol after "Số:", ending where its grammar ends: OCR that puts the place and
    date of the right column on the same line ("1657/QĐ-UBND  Huế, ngày…") or runs the two
    together ("QĐ-UBNDHuế") does not lengthen it. Where "Số:" opens its line (the heading's
    number, not "biển số: 29A-123.45" in the body), a number whose slash OCR lost is read too.
    Returns the number and how many OCR errors were undone to read it (a lost slash, a lost
    bar of Đ, a speck inside the symbol): a repaired number goes to a person to check, as other
    repaired values do."""
    line, specks = _SPECK_IN_SYMBOL.subn(r"/\1\2", line)
    line, slashes = _Z_FOR_SLASH.subn("/", line)
    specks += slashes
    line, dots = _DOT_FOR_DASH.subn(r"\1-", line)
    specks += dots
    line, letters = _TYPE_DIGIT_MISREADS.subn(_type_letter, line)
    specks += letters
    match = NUMBER_TOKEN.search(line) or (_slash_lost(line) if heading else None)
    if match is None:
        return None
    token = re.sub(r"\s+", "", match.group())
    repairs = specks
    if "/" not in token:  # the thin slash OCR lost: the digits end where the letters begin
        digits = re.match(r"\d+", token)
        token = f"{digits.group()}/{token[digits.end() :]}" if digits else token
        repairs += 1
    token, bars = _TYPE_MISREADS.subn(lambda m: m.group()[0] + "Đ", token)
    repairs += bars
    for at in range(token.index("/") + 1, len(token) - 2):
        if token[at].isupper() and token[at + 1].islower() and token[at + 2].islower():
            return token[:at].rstrip("-"), repairs  # a capitalised word ("Huế") glued on
    if token[-1:].islower() and token[-2:-1].isupper() and len(token) > 1:
        following = line[match.end() : match.end() + 1]
        if following.isalpha():  # "UBNDHuế" cut mid-word by the pattern
            return token[:-2].rstrip("-"), repairs
    rest = line[match.end() :]
    head, dash, last = token.rpartition("-")
    if dash and (symbol := _body_symbol(last)) and symbol != last:
        return f"{head}-{symbol}", repairs + 1  # "820/QĐ-UBNĐ"
    if _cut_short(rest):
        read = _BODY_SYMBOL_READ.match(rest)
        if read and (symbol := _body_symbol(read.group(1))):
            return f"{token}-{symbol}", repairs + 1  # "902/QĐ-jBND", "430/QĐ-ƯEND"
        repairs += 1  # "502/FLK$-BS": the rest was unreadable, a person looks
    return token, repairs


# A people's committee's or council's number ends on the body's symbol ("…/QĐ-UBND",
# "…/NQ-HĐND"), where OCR misreads a letter ("jBND", "ƯEND", "UBNĐ"): that ended the number
# early or misspelled it. A symbol one letter off one of these is that one: no other symbol of
# a state body is one letter from either (Decree 30, Appendix I).
_BODY_SYMBOLS = ("UBND", "HĐND")
_BODY_SYMBOL_READ = re.compile(r"\s*-\s*([^\s.,;:*'\"”’]{3,5})(?=$|[\s.,;:*'\"”’])")


def _body_symbol(read: str) -> str | None:
    """The body's symbol `read` is, read with at most one letter wrong or lost."""
    folded = fold_keep_digits(read).upper()
    return next(
        (
            s
            for s in _BODY_SYMBOLS
            if Levenshtein.distance(folded, fold_keep_digits(s).upper()) <= 1
        ),
        None,
    )


def _cut_short(rest: str) -> bool:
    """The number's grammar ended at a character no number/symbol holds, not at its end."""
    return bool(rest) and not rest[0].isspace() and rest[0] not in ".,;:)\"'”’"


# The slash is the thinnest stroke of a number/symbol and the first OCR loses ("718QĐ-UBND"):
# read right after "Số:", digits then a hyphenated symbol are still one, its slash given back.
_SLASHLESS = re.compile(r"\d{1,6}\s?[A-ZĐ]{2,4}(?:\s*-\s*[A-ZĐ][A-ZĐa-zÀ-ỹ]*)+(?!\d|\.\w)")
# A slash read as "Z" ("987ZQĐ-UBND", a helper's noisy 150-dpi decision): Vietnamese writes
# no Z, and no type abbreviation of Decree 30 begins with one.
_Z_FOR_SLASH = re.compile(r"(?<=\d)[Zz](?=[A-ZĐ]{2})")
# A speck read as a mark inside the type abbreviation ("502/TL.KS-BS", "251/T†LKS-BS", or a
# space: "38/TL KS-BS"): symbols are letters and hyphens, nothing else.
_SPECK_IN_SYMBOL = re.compile(
    r"/([A-ZĐ]{1,4})(?:[^\w\s/-]| (?=[A-ZĐ]{2}-))(?=[A-ZĐ]{1,4}-)([A-ZĐ]{1,4})"
)
# The dash between a symbol's parts read (or typed) as a stop or a colon: "07/QĐ.UBND" is
# 07/QĐ-UBND, "319/TLKS:BS" is 319/TLKS-BS (a symbol holds neither).
_DOT_FOR_DASH = re.compile(r"(/[A-ZĐ][A-ZĐ0-9]*)[.:;](?=[A-ZĐ]{2})")
# Decree 30's type abbreviations with Đ, where the one read without it is no abbreviation at all
# (QĐ quyết định, NĐ nghị định; "HD"/"HĐ" and "DA"/"ĐA" are both real, so are left as read).
_TYPE_MISREADS = re.compile(r"(?<=/)[QN]D(?=-)")


# Decree 30/2020 (Appendix III) type abbreviations that open a symbol, and the letters OCR reads
# as digits in noisy print ("38/9Đ-UBND" for "38/QĐ-UBND"). A digit right after the slash is
# read back only where that makes one of these abbreviations, followed by its hyphen: a number
# of the "118/2025/NĐ-CP" kind has four digits there and is left alone.
_TYPE_ABBREVIATIONS = frozenset(
    ("NQ", "QĐ", "CT", "QC", "QyĐ", "TC", "TB", "HD", "HĐ", "CTr", "KH", "PA", "ĐA", "DA", "BC",
     "BB", "TTr", "CĐ", "BGN", "BTT", "GUQ", "GM", "GGT", "GNP", "PG", "PC", "PB", "NĐ", "TT")
)  # fmt: skip
_LETTER_OF_DIGIT = {"9": "Q", "0": "Q", "8": "B", "6": "G", "5": "S"}
_TYPE_DIGIT_MISREADS = re.compile(r"(?<=/)([09865])([A-ZĐa-y]{0,2})(?=-)")


def _type_letter(found: re.Match[str]) -> str:
    """The abbreviation a digit misread in it spells, or what was read (`_TYPE_DIGIT_MISREADS`)."""
    digit, rest = found.group(1), found.group(2)
    spelled = _LETTER_OF_DIGIT[digit] + rest
    return spelled if spelled in _TYPE_ABBREVIATIONS else found.group()


def _slash_lost(line: str) -> re.Match[str] | None:
    """The slashless number/symbol, only where it opens what follows "Số:" (specks aside)."""
    start = len(line) - len(line.lstrip(" .,:;'\"“”~"))
    return _SLASHLESS.match(line, start) if start <= 3 else None


def _id_number_repaired(lines: list[str]) -> tuple[str, int, str] | None:
    """A citizen ID with letters for digits on a line whose ID label was found but gave no
    value ("Số định danh / Perspnal ideitiReation rummber+U92161236896": the English half's
    colon lost). Lines without the label are not searched: a bank account or a spouse's ID is
    not the holder's."""
    for line in lines:
        if any(hit.phrase.key == "id_number" for hit in labels.find(line)):
            repaired = identifiers.repair_citizen_id(line)
            if repaired:
                return repaired[0], repaired[1], line
    return None


# Letters no Vietnamese paper prints, that OCR reads for its own with a speck on them: Ð (Latin
# eth) for Đ, Ñ for N, a diaeresis for a plain vowel ("khaï", "saö"); fraction and division
# slashes for "/"; a hooked f ("Date oƒ expiry").
LOOKALIKE_CHARACTERS = str.maketrans(
    {"Ð": "Đ", "ð": "đ", "Ñ": "N", "ñ": "n", "⁄": "/", "∕": "/", "ƒ": "f"}
    | dict(zip("ÄËÏÖÜŸäëïöüÿ", "AEIOUYaeiouy", strict=True))
)


def _id_number(raw: str) -> str | None:
    for match in ID_RUN.finditer(raw):
        digits = re.sub(r"\D", "", match.group(1))
        if len(digits) == 12:
            return digits
    return None


# Forms print the ID in twelve boxes (CT01 residence form, Circular 66/2023): OCR reads the
# digits spaced out, the boxes' sides as bars or brackets between them ("|0|4|8|…|"). One
# class of characters, so a long line is matched in one pass (a pattern of optional
# separators between digits backtracked for seconds on a line of spaced digits).
_BOXED_RUN = re.compile(r"[\d|\[\]][\d|\[\]\s]*")


def _labelled_id_number(raw: str) -> str | None:
    """The ID after its label: a run of digits, or twelve boxed ones, exactly (a thirteenth is
    a box's side read as a 1: nothing is taken). Never searched for without the label: a
    table's column of numbers reads alike."""
    if number := _id_number(raw):
        return number
    for run in _BOXED_RUN.finditer(raw):
        digits = re.sub(r"\D", "", run.group())
        if len(digits) == 12:
            return digits
    return None


_SEXES = {"nam": "Nam", "nu": "Nữ", "male": "Nam", "female": "Nữ"}


def _sex(raw: str) -> str | None:
    """ "Nam"/"Nữ", a form's dotted leader around it or not ("..Nữ......"); none where the form
    prints both to tick one (`_both_sexes`)."""
    folded = fold_keep_digits(clean_value(raw)).lstrip(" .…_")
    if _both_sexes(raw):
        return None
    return next((value for word, value in _SEXES.items() if folded.startswith(word)), None)


def _both_sexes(raw: str) -> bool:
    """Whether a sex's value is the form's two boxes, "Nam ☐ Nữ ☒": which one is ticked OCR
    does not say ("Nam L] Nữ" was taken for Nam at 0.9 on a helper's forms)."""
    words = set(labels.WORD.findall(fold_keep_digits(raw)))
    return {"nam", "nu"} <= words


def _sex_repaired(raw: str) -> tuple[str, int] | None:
    """A sex OCR misread by one letter ("Nai", "Hữ") is still one of two words: taken when it
    is one letter from one of them and two or more from the other ("Na" is neither)."""
    words = labels.WORD.findall(fold_keep_digits(raw))
    if not words or len(words[0]) < 2 or _both_sexes(raw):  # "N", "N/A": cut short or n/a
        return None
    near = {value for word, value in _SEXES.items() if labels.word_distance(words[0], word) <= 1}
    return (near.pop(), 1) if len(near) == 1 else None


def _sex_by_id(raw: str, number: str) -> str | None:
    """A sex read one letter from both words ("Na": "Nam" cut short, or "Nữ" misread), or
    both boxes of a form with the tick unread, told by the citizen ID the paper carries: its
    fourth digit is even for a man, odd for a woman. Only a number that passes its own checks
    tells; what it tells is a repair, for a person to see."""
    words, holder = labels.WORD.findall(fold_keep_digits(raw)), id_holder(number)
    if not words or len(words[0]) < 2 or holder is None or identifiers.citizen_id_problems(number):
        return None
    near = {value for word, value in _SEXES.items() if labels.word_distance(words[0], word) <= 1}
    if near != {"Nam", "Nữ"} and not _both_sexes(raw):
        return None
    return holder.sex


def _date_repaired(raw: str, latest: dt.date | None) -> tuple[str, int] | None:
    """A date through OCR errors, one that can be so before the scan (`latest`) if there is
    one, else as read (its check then says it is in the future): never lost for being odd."""
    return read_labelled_date(raw, latest) or (read_labelled_date(raw, None) if latest else None)


# What OCR leaves around and between the words of a name: specks read as punctuation.
_NAME_SPECKS = re.compile(r"[.,:;'\"`“”‘’\[\](){}|_*°„~¬?!«»‹›…-]")


# Ê Đê, Gia Rai and K'Ho names open with a capital and an apostrophe ("H'Hen Niê", "K'Pa"),
# printed with or without a space after it. The apostrophe is held as a letter (U+02BC, the
# modifier letter apostrophe) while specks are dropped, and given back in the name.
_NAME_PREFIX = re.compile(r"(?<![\w'’ʼ])([A-ZĐ])\s?['’]\s?(?=\w)")
_HELD_APOSTROPHE = "\u02bc"


def _held_prefix(match: re.Match[str]) -> str:
    following = match.string[match.end()]
    return match.group(1) + _HELD_APOSTROPHE if following.isupper() else match.group()


def _name_words(raw: str) -> list[str]:
    """The words of a name as read, the specks around and between them dropped."""
    text = _NAME_PREFIX.sub(_held_prefix, unicodedata.normalize("NFC", raw))
    return _NAME_SPECKS.sub(" ", text).split()


def _name(raw: str) -> str:
    """A name as printed (`_name_as_read`); where a colon stands before a whole name, what came
    before it was a label OCR misread ("Họ và tên /:Furiame: ĐỒ NGỌC MỸ": "Full name"), never a
    part of the name."""
    _, colon, after = raw.rpartition(":")
    named = _name_as_read(after) if colon else ""
    if len(named.split()) >= 2 and all(_name_word(word) for word in named.split()):
        return named
    return _name_as_read(raw)


def _name_as_read(raw: str) -> str:
    """A name as printed: OCR specks and punctuation around it dropped ("VÕ THU LINH: hi",
    "HUỲNH .XUÂN.CƯỜNG", "Đặng] Minh Phúc Ễ"), each word capitalised unless the paper prints it
    in capitals. Every Vietnamese syllable has a vowel and a name's words start with a capital,
    so a scrap without one, before or after, is not part of the name; a first word in small
    letters stays only if it is a family name ("phạm Đức Yến"), and a name printed in capitals
    ends at its first word that is not."""
    words = [part for word in _name_words(raw) for part in _unglued(word)]
    while words and not _name_word(words[0]):
        if fold_keep_digits(words[0]) in _SURNAME_BY_FOLD and words[0].isalpha():
            words[0] = words[0][:1].upper() + words[0][1:]
            break
        words.pop(0)
    if words and words[0].isupper():
        capitals = list(itertools.takewhile(str.isupper, words))
        words = capitals if len(capitals) >= 2 else words
    while words and not _name_word(words[-1]):
        words.pop()
    if not words:
        return clean_value(raw)
    if " ".join(words).isupper():
        return " ".join(words).replace(_HELD_APOSTROPHE, "'")
    return " ".join(w[:1].upper() + w[1:] for w in words).replace(_HELD_APOSTROPHE, "'")


def _unglued(word: str) -> list[str]:
    """The names OCR ran together, given their space back: at a capital after a small letter
    ("ĐứcUyên"), and in capitals where the word holds two syllables and only one cut leaves a
    syllable's end before it and a syllable's start after it ("ĐỨCTHẢO" → "ĐỨC THẢO", "XUÂNÁNH"
    → "XUÂN ÁNH"; "HOÀNGANH" could be cut three ways and stays whole). Every piece must be
    shaped as a Vietnamese syllable, so a letter OCR read big inside one ("TrẦn", "HoÀng") is
    no cut, and a word in capitals is cut only if it carries Vietnamese marks: Khmer, Cham and
    foreign names ("SOKHA", "ANNA", "MARIA") and minority names ("ALĂNG": a one-letter piece)
    stay whole."""
    folded = fold_keep_digits(word)
    vowel = [c in VOWELS for c in folded]
    cuts = [
        at
        for at in range(1, len(word))
        if word[at - 1].islower() and word[at].isupper() and not (vowel[at - 1] and vowel[at])
    ]
    if not cuts and word.isupper() and word.isalpha() and _marked(word):
        groups = [at for at in range(len(folded)) if vowel[at] and (at == 0 or not vowel[at - 1])]
        for left, right in itertools.pairwise(groups):
            end = left
            while vowel[end]:
                end += 1
            between = folded[end:right]
            fits = [
                end + k
                for k in range(len(between) + 1)
                if between[:k] in FINALS
                and between[k:] in ONSETS
                and (k or word[end - 1] not in NEVER_LAST)
            ]
            if len(fits) != 1:
                return [word]
            cuts.append(fits[0])
    pieces = [word[a:b] for a, b in itertools.pairwise([0, *cuts, len(word)])]
    if len(pieces) > 1 and all(len(piece) >= 2 and syllable_shaped(piece) for piece in pieces):
        return pieces
    return [word]


def _marked(word: str) -> bool:
    """Written with Vietnamese marks: a tone, a vowel's hat or horn, or Đ."""
    return any(len(unicodedata.normalize("NFD", c)) > 1 or c in "Đđ" for c in word)


def _glued_words(raw: str) -> int:
    """How many words of a name `_unglued` cut: each is a repair a person confirms."""
    return sum(len(_unglued(word)) > 1 for word in _name_words(raw))


def _name_word(word: str) -> bool:
    return (
        word.isalpha()
        and word[:1].isupper()
        and any(c in VOWELS for c in fold_keep_digits(word))
        # one-letter names exist ("Như Ý"), and Ê Đê men's names open with Y ("Y Bih Alêô")
        and (len(word) > 1 or word in "AÁÀẢÃẠYÝỲỶỸỴƯÔƠÊ")
    )


# A Vietnamese phone number: 0 (or +84, the same) and 9-10 digits, grouped as people write.
_PHONE = re.compile(r"(?<![\d+])(?:\+\s*84|0)((?:[ .\-]?\d){8,10})(?!\d)")


def _phone(raw: str) -> str | None:
    """The first number shaped as a phone, in its national form ("+84 905 123 456" is
    0905123456, as the same person's other papers write it), so two numbers on one line are
    not run together; else the digits as read (OCR may have broken the shape)."""
    number = _PHONE.search(raw)
    if number:
        return "0" + re.sub(r"\D", "", number.group(1))
    return re.sub(r"\D", "", raw) or None


def _address(raw: str) -> str | None:
    """An address as read; one that points elsewhere on the form ("Địa chỉ liên lạc: như
    trên", "same as above") or a sentence's "tại địa chỉ trên" names no place, and a desk
    prefilled with it would reuse "như trên" as the person's address."""
    value = clean_value(raw)
    if value and fold_keep_digits(value).strip(" .") in _SAME_AS_ABOVE:
        return None
    return value


_SAME_AS_ABOVE = {"nhu tren", "tren", "nt", "nhu dia chi tren", "nhu dia chi thuong tru"}


CONVERTERS: dict[str, Callable[[str], str | None]] = {
    "id_number": _labelled_id_number,
    "sex": _sex,
    "date_of_birth": parse_birth_date,
    "id_issue_date": parse_date,
    "date_of_expiry": parse_date,
    "phone": _phone,
    "tax_code": lambda r: re.sub(r"[^\d-]", "", r).strip("-") or None,
    **{name: _name for name in ("full_name", "father_name", "mother_name")},
    "address": _address,
}


# Second readings for values with a numeric grammar, tried only when the first found nothing
# that can be so; they are given the scan's day (the latest a past date can be).
REPAIRERS: dict[str, Callable[[str, dt.date], tuple[str, int] | None]] = {
    "id_number": lambda raw, _today: identifiers.repair_citizen_id(raw),
    "sex": lambda raw, _today: _sex_repaired(raw),
    "date_of_birth": _date_repaired,
    "id_issue_date": _date_repaired,
    "date_of_expiry": lambda raw, _today: _date_repaired(raw, None),
}

# The most common Vietnamese family names (about nine in ten people). Their folded forms are
# distinct, so a surname OCR read without its marks ("PHAM", "NGUYEN") has one correct spelling.
SURNAMES = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
    "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Đoàn", "Lương", "Trương", "Mai",
)  # fmt: skip
_SURNAME_BY_FOLD = {fold_keep_digits(name): name for name in SURNAMES}
SURNAME_FOLDS = frozenset(_SURNAME_BY_FOLD)
NAME_FIELDS = ("full_name", "father_name", "mother_name", "signer")


def correct_surname(name: str) -> str:
    """Restore the marks of a common family name that OCR dropped or changed, keeping case. A
    name is printed in one case: when most of its words are in capitals, all are ("Vũ THU
    CƯỜNG", a dusty "VŨ" read in small letters). Initials and one-letter names ("Trần A B",
    "Phạm T. H.") are capitals in either case and do not vote."""
    words = [w for w in name.split(" ") if sum(c.isalpha() for c in w) > 1]
    capitals = sum(w.isupper() for w in words)
    if capitals >= 2 and capitals * 2 > len(words):
        name = name.upper()
    first, _, rest = name.partition(" ")
    canonical = _SURNAME_BY_FOLD.get(fold_keep_digits(first))
    if canonical is None or not rest:
        return name
    fixed = canonical.upper() if first.isupper() else canonical
    return f"{fixed} {rest}"


def _sentence_case(heading: str) -> str:
    """ "ỦY BAN NHÂN DÂN TỈNH LÀO CAI" → "Ủy ban nhân dân tỉnh Lào Cai": lower case, capital first
    letter, place names after an administrative unit word capitalised. Unit words are matched
    without diacritics and written correctly, since OCR often slips a tone mark ("TÍNH"), a
    two-word one also with a letter of its second word misread ("THÀNH EHỔ")."""
    words = " ".join(heading.split()).lower().split()
    if not words:
        return ""
    folded = [fold_keep_digits(w) for w in words]
    for unit in ADMINISTRATIVE_UNITS:
        unit_words = unit.split()
        size = len(unit_words)
        key = [fold_keep_digits(w) for w in unit_words]
        for at in range(1, len(words) - size + 1):
            if _society(folded, at):
                continue
            if folded[at : at + size] == key or _second_word_misread(folded[at : at + size], key):
                place = [w[:1].upper() + w[1:] for w in words[at + size :]]
                words = [*words[:at], *unit_words, *place]
                break
        else:
            continue
        break
    sentence = " ".join(words)
    return sentence[:1].upper() + sentence[1:]


def _second_word_misread(read: list[str], unit: list[str]) -> bool:
    """A two-word unit whose second word OCR read one letter off ("THÀNH EHỔ" for "THÀNH
    PHỐ"): its first word, read right, says which unit it is."""
    return len(unit) == 2 and read[:1] == unit[:1] and labels.word_distance(read[1], unit[1]) == 1


# The place, a comma and the worded date.
_PLACE_DATE = re.compile(rf"[a-z)][a-z .)]{{0,40}},\s*{WORDED_DATE.pattern}")
# The same with the comma read as "." or ";", as OCR does on noisy pages. A sentence's end
# reads so too ("… đã nộp đủ hồ sơ. Ngày 5 tháng 3 …"), so such a line counts only when no line
# has the comma and when the place opens it.
_PLACE_DATE_MISREAD = re.compile(rf"^[^a-z0-9]*[a-z][a-z ]{{0,30}}[.;]\s*{WORDED_DATE.pattern}")


_CITATION = labels.phrases({None: ("Căn cứ", "Xét đề nghị", "Theo đề nghị")})


def _document_date(lines: list[str], exclude: set[str]) -> tuple[str, str, int] | None:
    """The place-and-date line ("Lào Cai, ngày 05 tháng 3 năm 2025"), also where OCR ran it
    into the number on its left; failing that, the first worded date of a line that carries no
    label (so not a registration or issue date), cites no law ("Căn cứ Luật … ngày 19 tháng 6
    năm 2015") and is not one of the person's dates. Only when no date reads exactly, a date
    read through OCR errors (third item: how many). A date later than the scan is not read
    again there: a body may say when it takes effect ("có hiệu lực từ ngày 01 tháng 7 năm
    2027"), which is no signing date misread."""
    uncited = _uncited(lines)
    # Not a birth date's line; a label before the place ("Nơi sinh: … . ngày") cannot match
    # the misread pattern, which wants the place to open its line ("Cai ngày" in "Lào Cai.
    # ngày" reads like the label "Cấp ngày", so labels cannot rule a line out here).
    unborn = [line for line in uncited if "sinh" not in fold_keep_digits(line)]
    for pattern, where in ((_PLACE_DATE, uncited), (_PLACE_DATE_MISREAD, unborn)):
        for line in where:
            match = pattern.search(fold_keep_digits(line))
            if match:
                value = parse_date(line[match.start() : match.end()])
                if value and value not in exclude:
                    return value, line, 0
    candidates = [line for line in uncited if not labels.find(line)]
    for line in candidates:
        folded = fold_keep_digits(line)
        if "ngay" in folded and "thang" in folded and "nam" in folded and "sinh" not in folded:
            for value in find_dates(line):
                if value not in exclude:
                    return value, line, 0
    for line in candidates:
        if "sinh" not in fold_keep_digits(line):
            for value, repairs in find_dates_tolerant(line):
                if value not in exclude and not re.search(r"\d\s*/", line):
                    return value, line, repairs
    return None


def _uncited(lines: list[str]) -> list[str]:
    """The lines that cite nothing: a citation's lines ("Căn cứ Luật Tổ chức chính quyền địa
    phương ngày 19 tháng 6 năm 2015;"), the further instruments it lists on lines of their own
    ("Luật sửa đổi, bổ sung … của Luật Tổ"), and those that carry its sentence on ("chức chính
    quyền địa phương ngày 22 tháng 11 năm 2019;"), state when a law was made, not the paper."""
    kept: list[str] = []
    citing = False
    for line in lines:
        citing = bool(labels.find_all(line, _CITATION)) or (
            citing and (_carries_on_sentence(line) or _lists_an_instrument(line))
        )
        if not citing:
            kept.append(line)
    return kept


# What a citation lists: each instrument by its kind, opening its line in a decision's preamble
_INSTRUMENTS = labels.phrases(
    {None: ("Luật", "Bộ luật", "Nghị định", "Nghị quyết", "Thông tư", "Pháp lệnh", "Quyết định số")}
)


def _lists_an_instrument(line: str) -> bool:
    """A line of a citation's list opening on an instrument's kind in sentence case ("Luật sửa
    đổi…"; the title "QUYẾT ĐỊNH:" after the preamble is in capitals, and ends it)."""
    text = line.strip(" '\"“”`.,;")
    return not text.isupper() and any(
        _at_line_start(line, hit.start) for hit in labels.find_all(line, _INSTRUMENTS)
    )


_MOTTO = labels.phrases(
    {
        None: (
            "Cộng hòa xã hội chủ nghĩa Việt Nam", "Độc lập - Tự do - Hạnh phúc",
            "Cộng hòa xã hội", "Tự do - Hạnh phúc",  # what is left when OCR glues the rest
        )
    }
)  # fmt: skip
_TITLE = labels.phrases({None: ("Quyết định", "Trích lục khai sinh", "Trích lục")})


def _without_motto(line: str) -> str:
    """The left column of a heading line: OCR often runs the national motto on its right into
    the same line."""
    hits = labels.find_all(line, _MOTTO)
    return line[: min(h.start for h in hits)] if hits else line


def _capitals(line: str) -> str:
    """The run of words in capitals a line starts with, OCR specks before and after it dropped
    ("_ TỈNH LÀO CAI - . Ễ" → "TỈNH LÀO CAI")."""
    run: list[str] = []
    for word in _SPECK_BETWEEN_SYLLABLES.sub(_space_for_speck, line).split():
        if word in ("-", "–") and run:
            run.append(word)  # "LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI": one name
            continue
        letters = [c for c in word if c.isalpha()]
        if not letters and not run:
            continue  # punctuation before the heading
        if run and len(word) == 1:
            if _a_vowel(word) and word.isupper():
                run.append(word)  # "HUYỆN A LƯỚI", "XÃ IA O": a name's one-letter word
            continue  # else a speck read as a consonant ("TỈNH H LÀO CAI")
        capitals = sum(c.isupper() for c in letters)
        if len(letters) < 2 or 2 * capitals < len(letters) or re.search(r"\d", word):
            break  # "Ủy" counts: OCR often reads the Ỷ of "ỦY" small
        run.append(word.strip(".,:;'\"`“”_-"))
    while run and run[-1] in ("-", "–"):
        run.pop()
    return " ".join(run) if len(run) >= 2 else ""


def _a_vowel(letter: str) -> bool:
    """A one-letter word a place's name may hold: a vowel ("huyện A Lưới", "xã Y Wang")."""
    return fold_keep_digits(letter) in VOWELS


# A speck read as a stop between two words of a heading ("XÃ HẢI.MINH"); an abbreviation's
# stop ("TP.HCM": no vowel on its left) stays.
_SPECK_BETWEEN_SYLLABLES = re.compile(r"(\w+)[.,·](?=(\w+))")


def _space_for_speck(found: re.Match[str]) -> str:
    left, right = found.group(1), found.group(2)
    both_words = syllable_shaped(left) and syllable_shaped(right)
    return f"{left} " if both_words else found.group()


def _issuer(lines: list[str]) -> str | None:
    """Decree 30 heading: the body's name in capitals above the title, often on two lines
    ("ỦY BAN NHÂN DÂN", "TỈNH …"), beside or interleaved with the motto and the place/date
    (whichever column OCR read first)."""
    heading = []
    for line in lines[:10]:
        if labels.find_all(line, _TITLE):
            break
        left = clean_value(_without_motto(line))
        kept = _capitals(left)
        # "Số: /QĐ-UBND" with its number left blank is no body, "SỞ TƯ PHÁP" (folded alike) is;
        # nor is the place of the place and date read as a line apart ("TP. Hồ Chí Minh, ngày")
        blank_number = re.match(r"so\b(?!\s+[a-z])", fold_keep_digits(kept))
        if kept and not blank_number and not _PLACE_DATE.match(fold_keep_digits(left)):
            heading.append(kept)
    if not heading:
        return None
    superior, issuing = _superior_and_issuing(heading)
    issuer = _body_name(" ".join(issuing))
    if superior and not _UNIT_AND_PLACE.search(issuer):
        # "UBND HUYỆN X" over "PHÒNG TƯ PHÁP": the Phòng Tư pháp of huyện X
        place = _UNIT_AND_PLACE.search(_body_name(" ".join(superior)))
        issuer = f"{issuer} {place.group()}" if place else issuer
    return issuer


def _superior_and_issuing(heading: list[str]) -> tuple[list[str], list[str]]:
    """Decree 30 prints a body under another in two lines, the superior above ("UBND TỈNH
    QUẢNG NAM" over "SỞ TƯ PHÁP"): the issuer is the lower, told by its kind of body opening
    a line. "ỦY BAN NHÂN DÂN" over "TỈNH LÀO CAI" is one body over two lines."""
    for at in range(len(heading) - 1, 0, -1):
        if _opens_with(heading[at], _SUBORDINATE_BODIES):
            return heading[:at], heading[at:]
    return [], heading


def _opens_with(text: str, kinds: Sequence[labels.Phrase]) -> labels.Hit | None:
    """The kind of body `text` opens with, read exactly."""
    return next((h for h in labels.find_all(text, kinds) if h.start == 0 and not h.edits), None)


def _body_name(heading: str) -> str:
    """A body's name from its heading in capitals, in the case its text writes it: the kind
    in its one spelling ("ỦY BAN'ÑHÂN DÂN", "UBND" → "Ủy ban nhân dân"), the place after
    its unit capitalised, the field after a subordinate body's kind too ("Sở Tư pháp"), and
    abbreviations kept ("Cục Cảnh sát QLHC về TTXH")."""
    body = [h for h in labels.find_all(heading, _BODIES) if _at_line_start(heading, h.start)]
    if body:
        heading = f"{body[0].phrase.key or ''}{heading[body[0].end :]}"
    words = _sentence_case(heading).split()
    printed = " ".join(heading.split()).split()
    if len(printed) == len(words):
        words = [
            read if _abbreviation(read) and word.casefold() == read.casefold() else word
            for word, read in zip(words, printed, strict=True)
        ]
    kind = _opens_with(" ".join(words), _SUBORDINATE_BODIES)
    if kind:  # its kind spelled, its fields capitalised up to its place ("Sở Lao động - …")
        size = len(kind.phrase.words)
        words = [*str(kind.phrase.key).split(), *words[size:]]
        for at in range(size, len(words)):
            if _a_unit_at(words, at):
                break
            if at == size or words[at - 1] in ("và", "-", "–"):
                words[at] = words[at][:1].upper() + words[at][1:]
    return province_after_its_unit(" ".join(words))


def _a_unit_at(words: list[str], at: int) -> bool:
    """Whether an administrative unit's word stands at `at` (`_society` is none)."""
    folded = [fold_keep_digits(w) for w in words[at : at + 2]]
    return folded[0] in _UNIT_FOLDS and not _society(folded, 0)


def _society(folded: list[str], at: int) -> bool:
    """ "xã hội" at `at` (folded words): society, not a commune ("trật tự xã hội", "Lao động -
    Thương binh và Xã hội")."""
    return folded[at : at + 2] == ["xa", "hoi"]


def _abbreviation(word: str) -> bool:
    """A word in capitals that is no syllable: "QLHC", "TTXH" (never "TƯ", "PHÁP")."""
    return len(word) > 1 and word.isupper() and not syllable_shaped(word.lower())


_BODIES = (
    *(labels.phrase(name, name) for name in ("Ủy ban nhân dân", "Hội đồng nhân dân")),
    labels.phrase("Ủy ban nhân dân", "UBND"),
    labels.phrase("Hội đồng nhân dân", "HĐND"),
)
# Bodies that issue papers under a superior printed above them (Decree 30, Appendix I).
_SUBORDINATE_BODIES = tuple(
    labels.phrase(kind, kind)  # keyed by its spelling: "SỎ TƯ PHÁP" is the Sở Tư pháp
    for kind in (
        "Sở", "Phòng", "Cục", "Chi cục", "Vụ", "Công an", "Văn phòng", "Thanh tra",
        "Trung tâm", "Bệnh viện", "Trường", "Tòa án nhân dân", "Viện kiểm sát nhân dân",
        "Kho bạc nhà nước", "Bảo hiểm xã hội", "Chi nhánh", "Ban quản lý",
    )
)  # fmt: skip
_UNIT_AND_PLACE = re.compile(
    rf"(?<!\w)(?:{'|'.join(u for u in ADMINISTRATIVE_UNITS)})(?!\s+hội)\s+\S.*$", re.IGNORECASE
)


def _subject(line: str) -> str | None:
    """ "Về việc …" (or "V/v …"), however many specks OCR put before it. The opening words are
    the template's own, so they are given back their marks ("Vẽ việc" is OCR's)."""
    folded = fold_keep_digits(line)
    match = re.search(r"\b(ve\W{0,2}viec|v/v)\b", folded)
    if match is None or not _at_line_start(line, match.start()):
        return None
    read = line[match.start() : match.end()]
    opening = read if read.startswith(("V/", "v/")) else "VỀ VIỆC" if read.isupper() else "Về việc"
    words = (opening + line[match.end() :]).split()
    while words and not any(c.isalnum() for c in words[-1]):
        words.pop()  # specks after the sentence ("… năm 2025" keeps its year)
    subject = clean_value(" ".join(words))
    return subject[:1].upper() + subject[1:]


SUBJECT_WRAPS = 2  # a summary line runs over three lines at most


def _carries_on_sentence(line: str) -> bool:
    """A line that goes on with the sentence above it: it opens with a small letter and is
    words, not a label, a heading in capitals or a new clause ("Căn cứ …" opens with a
    capital): "Về việc thu hồi đất để thực hiện dự án xây dựng" / "đường giao thông liên xã"."""
    text = line.strip()
    words = [w for w in text.split() if any(c.isalpha() for c in w)]
    return (
        text[:1].isalpha()
        and text[:1].islower()
        and len(words) >= 2
        and ":" not in text
        and sum(syllable_shaped(w.strip(".,;()").lower()) for w in words) >= 0.8 * len(words)
    )


_SIGNING = labels.phrases({None: ("Chủ tịch", "Giám đốc", "Trưởng phòng", "Thủ trưởng")})


def _signer(lines: list[str]) -> str | None:
    """The name under the signer's title ("CHỦ TỊCH", "KT. GIÁM ĐỐC"): the first line below the
    last title that holds a name starting with a family name, specks around it dropped. Failing
    that, the last name-like line of the page's end."""
    titles = [at for at, line in enumerate(lines) if labels.find_all(line, _SIGNING)]
    if titles:
        for line in lines[titles[-1] + 1 : titles[-1] + 9]:
            name = _family_name_run(line)
            if name:
                return name
    names = [clean_value(line) for line in lines[-6:] if _looks_like_name(clean_value(line))]
    return names[-1] if names else None


def _family_name_run(line: str) -> str | None:
    words = [w.strip(".,:;'\"`“”‘’-") for w in line.split()]
    for at, word in enumerate(words):
        if fold_keep_digits(word) in _SURNAME_BY_FOLD and word[:1].isupper():
            run = [word]
            for following in words[at + 1 : at + 5]:
                if not _name_word(following):
                    break
                run.append(following)
            if len(run) >= 2:
                return " ".join(run)
    return None


# "Số:" before a number/symbol; on a heading's line also as noise leaves it ("Sẽ:", "Số 907/…").
# "Số" as OCR reads it in noisy print: "So", "Sẽ", "$o" (the S read as a dollar sign), "S0"
# (a birth extract turned a quarter and read upright, helper-68).
_NUMBER_LABEL = re.compile(r"(?:\bs|(?<!\S)\$)([oe0])\s*([:,;.]?)(?=\W{0,3}\d)")


def _decision_fields(lines: list[str]) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    for at, line in enumerate(lines):
        folded = fold_keep_digits(line)
        if "document_number" not in out:
            label = _NUMBER_LABEL.search(folded)
            heading = label is not None and _at_line_start(line, label.start())
            if label and not heading and (label.group(1) not in "o0" or not label.group(2)):
                label = None  # "Sẽ", or no colon: only where the heading's number stands
            read = document_number(line[label.end() :], heading) if label else None
            if read:
                number = FieldValue(read[0], FROM_LABEL, "label", line=line)
                out["document_number"] = repaired(number, read[1])
        subject = _subject(line) if "subject" not in out else None
        if subject:
            for following in lines[at + 1 : at + 1 + SUBJECT_WRAPS]:
                if not _carries_on_sentence(following):
                    break
                subject = f"{subject} {clean_value(following)}"
            out["subject"] = FieldValue(subject, FROM_LABEL, "label", line=line)
    issuer = _issuer(lines)
    if issuer:
        out["issuer"] = FieldValue(issuer, FROM_LAYOUT, "layout")
    signer = _signer(lines)
    if signer:
        out["signer"] = FieldValue(signer, FROM_LAYOUT, "layout")
    return out


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return (
        2 <= len(words) <= 5
        and all(w[:1].isupper() and w.isalpha() for w in words)
        and not any(
            fold_keep_digits(text).startswith(p)
            for p in ("tm", "kt", "chu tich", "noi nhan", "giam doc", "pho", "quyet dinh")
        )
    )


def as_read(text: str) -> str:
    """Text as the extractor reads it: NFC, look-alike letters of other scripts made the ones
    Vietnamese papers print (`LOOKALIKE_CHARACTERS`). A value's `line` is in this form."""
    return unicodedata.normalize("NFC", text).translate(LOOKALIKE_CHARACTERS)


def extract(
    text: str, qr_payloads: list[str] | None = None, today: dt.date | None = None
) -> DocumentFields:
    today = today or dt.date.today()
    # Positions in folded text map back to the line; letters and slashes OCR reads as their
    # look-alikes from other scripts are made the ones Vietnamese papers print.
    text = as_read(text)
    qr = next((p for p in (parse_id_qr(q) for q in qr_payloads or []) if p), None)
    zone = mrz.read_zone(text, today)
    doc_type, type_confidence = classify(text, card_code=qr is not None or zone is not None)
    lines = [line for line in text.splitlines() if line.strip()]
    unread: dict[str, str] = {}
    theirs = _other_persons_lines(lines)
    labelled = _labelled(lines, today, theirs, unread)
    _expiry_beside_residence(labelled, lines)
    parent = _parent_by_elimination(lines, labelled)
    values = {
        name: repaired(_labelled_value(found), found.repairs) for name, found in labelled.items()
    }
    if parent is not None:
        by_elimination = FieldValue(parent[1].value, FROM_LAYOUT, "layout", line=parent[1].line)
        values[parent[0]] = repaired(by_elimination, 1)
    if "id_number" not in values:  # cards print "Số / No.: 0…" with no telling label
        own = [line for at, line in enumerate(lines) if at not in theirs]
        number = _id_number("\n".join(own))
        read_back = None if number else _id_number_repaired(own)
        if number:
            values["id_number"] = FieldValue(number, FROM_LAYOUT, "layout")
        elif read_back:
            found = FieldValue(read_back[0], FROM_LAYOUT, "layout", line=read_back[2])
            values["id_number"] = repaired(found, read_back[1])
    if "sex" not in values and "sex" in unread and "id_number" in values:
        told = _sex_by_id(unread["sex"], values["id_number"].value)
        if told is not None:
            values["sex"] = repaired(FieldValue(told, FROM_LAYOUT, "layout"), 1)
    if doc_type in ("decision", "birth_extract"):
        for name, found in _decision_fields(lines).items():
            if doc_type == "decision" or name == "document_number":
                values.setdefault(name, found)
    personal = {
        v.value
        for k, v in values.items()
        if k in ("date_of_birth", "id_issue_date", "date_of_expiry")
    }
    dated = _document_date(lines, personal)
    if dated:
        date, line, repairs = dated
        found = repaired(FieldValue(date, FROM_LAYOUT, "layout", line=line), repairs)
        values.setdefault("document_date", found)
    if qr:
        for name, value in qr.items():
            printed = values.get(name)
            if name in NAME_FIELDS and printed is not None and printed.value.isupper():
                value = value.upper()  # the QR's letters, printed in capitals as the card does
            values[name] = FieldValue(value, FROM_QR, "qr")
    if zone is not None and doc_type == "id_card":
        _take_zone(values, zone)
    for name in NAME_FIELDS:
        if name in values and values[name].source != "qr":
            values[name].value = correct_surname(values[name].value)
    if "address" in values and values["address"].source != "qr":
        values["address"].value = correct_address(values["address"].value)
    citizen_card = qr is not None or _says_citizen_card(lines)
    if citizen_card and doc_type == "id_card":
        _reconcile_card_dates(values, labelled, unread, lines, today)
    wanted = FIELDS_BY_TYPE[doc_type]
    fields = {name: values[name] for name in wanted if name in values}
    validate(fields, today, citizen_card)
    return DocumentFields(doc_type, type_confidence, fields)


# Titles only a citizen-ID card (căn cước, 2016 and 2024 designs) prints: the renewal-age rule
# for its expiry is the card's alone (a passport runs ten years from issue, a driving licence
# by its class, and both can be read as `id_card`).
_CITIZEN_CARD_TITLES = labels.phrases(
    {"citizen_card": ["Căn cước", "Citizen identity card", "Identity card"]}
)


def _take_zone(values: dict[str, FieldValue], zone: mrz.Zone) -> None:
    """What the card's machine-readable zone says and checks, where the front was not read, or
    read a character or two otherwise (`ZONE_SLIP`: the front's print is read by OCR alone,
    the zone's digits are checked). Where they differ more, they are two cards (one's front and
    another's back on one copy), or the zone was misread past its checks: the front's value
    stands and says so, for a person. A value the front reads alike stands where it was read
    (its place on the page is shown to a reviewer)."""
    said = {
        "date_of_birth": zone.date_of_birth,
        "date_of_expiry": zone.date_of_expiry,
        "id_number": zone.id_number,
        "sex": zone.sex,
    }
    for name, value in said.items():
        held = values.get(name)
        if value is None or (held is not None and held.source == "qr"):
            continue
        slip = ZONE_SLIP if name != "sex" else 0  # "Nam" and "Nữ" are two letters apart
        if held is None or Levenshtein.distance(held.value, value) <= slip:
            values[name] = FieldValue(value, FROM_ZONE, "mrz")
        elif held.value != value:
            held.doubt(ZONE_DISAGREES.format(value=value))


ZONE_SLIP = 2  # characters a front reading may differ from the zone's by, misread


def _says_citizen_card(lines: list[str]) -> bool:
    return any(labels.find_all(line, _CITIZEN_CARD_TITLES) for line in lines)


def _reconcile_card_dates(
    values: dict[str, FieldValue],
    labelled: dict[str, Labelled],
    unread: dict[str, str],
    lines: list[str],
    today: dt.date,
) -> None:
    """A card's birth date and expiry, read together with its ID number (`card_dates`) when
    they do not agree as read: each date the readings decide, where it differs from what was
    read, replaces it as a repair (it goes to a person). A value from the chip's QR stands,
    and is the surest witness of the others."""
    birth, expiry = values.get("date_of_birth"), values.get("date_of_expiry")
    number = values.get("id_number")
    id_number = number.value if number else None
    as_read = (birth.value if birth else None, expiry.value if expiry else None)
    if card_dates.consistent(*as_read, id_number):
        return

    def reading(name: str) -> str | None:
        return labelled[name].raw if name in labelled else unread.get(name)

    known = birth.value if birth and birth.source in CHECKED_SOURCES else None
    labelled_birth = reading("date_of_birth")
    elsewhere = {} if labelled_birth else _other_dates(lines, values)
    decided = card_dates.decide(
        [labelled_birth] if labelled_birth else list(elsewhere),
        reading("date_of_expiry"),
        id_number,
        today,
        known_birth=known,
    )
    for name, value, edits in (
        ("date_of_birth", decided.date_of_birth, decided.birth_edits),
        ("date_of_expiry", decided.date_of_expiry, decided.expiry_edits),
    ):
        held = values.get(name)
        if held and held.source in CHECKED_SOURCES:
            continue
        if value is not None and (held is None or held.value != value):
            line = held.line if held else elsewhere.get(value)
            found = FieldValue(value, FROM_LAYOUT, "label" if held else "layout", line=line)
            values[name] = repaired(found, max(edits, 1))


def _other_dates(lines: list[str], values: dict[str, FieldValue]) -> dict[str, str]:
    """Dates read, through OCR's usual errors, on a card's lines that hold no other field's
    value, and the line each stands on: where the birth date stands when its label was lost to
    noise ("Muày sinh7 Dafe.of'birh: 13/09/1959", "-Nấ sinh 4Öate af binh: 2412 1974")."""
    taken = {v.line for v in values.values() if v.line}
    dates: dict[str, str] = {}
    for line in lines:
        if line not in taken and (found := _date_repaired(line, None)):
            dates.setdefault(found[0], line)
    return dates


_REPAIR_COUNT = re.compile(re.escape(REPAIRED).replace(re.escape("{count}"), r"(\d+)"))


def repaired(value: FieldValue, repairs: int) -> FieldValue:
    """A value read through OCR errors goes to a person: it says so and loses confidence. Repairs
    made at two steps (a name's spaces given back, then its marks) are one problem, counted."""
    if not repairs:
        return value
    for at, problem in enumerate(value.problems):
        if earlier := _REPAIR_COUNT.fullmatch(problem):
            value.problems[at] = REPAIRED.format(count=int(earlier.group(1)) + repairs)
            return value
    value.doubt(REPAIRED.format(count=repairs))
    return value


def validate(fields: dict[str, FieldValue], today: dt.date, citizen_card: bool = False) -> None:
    """Lower confidence, and say why, for every value that fails a check (a citizen-ID card's
    expiry against its holder's birthday, when the paper is one)."""

    def flag(name: str, problems: list[str]) -> None:
        if problems and name in fields:
            fields[name].doubt(*problems)

    birth = fields.get("date_of_birth")
    sex = fields.get("sex")
    if "id_number" in fields:
        flag(
            "id_number",
            identifiers.citizen_id_problems(
                fields["id_number"].value,
                birth.value if birth and not identifiers.date_problems(birth.value) else None,
                sex.value if sex else None,
                today,
            ),
        )
    for name in ("date_of_birth", "id_issue_date", "document_date"):
        if name in fields:
            flag(name, identifiers.date_problems(fields[name].value, not_after=today))
    if "date_of_expiry" in fields:
        expiry = fields["date_of_expiry"].value
        problems = identifiers.date_problems(expiry)
        if citizen_card and not problems and birth and not identifiers.date_problems(birth.value):
            problems = identifiers.card_expiry_problems(expiry, birth.value)
        flag("date_of_expiry", problems)
    if "document_number" in fields:
        flag(
            "document_number", identifiers.document_number_problems(fields["document_number"].value)
        )
    if "phone" in fields:
        flag("phone", identifiers.phone_problems(fields["phone"].value))
    if "tax_code" in fields:  # MST of a household business or enterprise: check digit (d10)
        flag("tax_code", identifiers.tax_code_problems(fields["tax_code"].value))


def value_problems(name: str, value: str, today: dt.date | None = None) -> list[str]:
    """What is wrong with one value on its own, by the same checks as a reading: an officer's
    correction is held to what an extracted value is (an unknown field has no check)."""
    alone = {name: FieldValue(value, 1.0, "officer")}
    validate(alone, today or dt.date.today())
    if re.search(r"[<>\x00-\x1f\x7f]", value):  # markup for the forms a prefill feeds
        alone[name].doubt(NOT_TEXT)
    return alone[name].problems


def parse_id_qr(payload: str) -> dict[str, str] | None:
    """Chip-ID QR: id|old ID|name|DDMMYYYY birth|Nam/Nữ|address|DDMMYYYY issue[|…]."""
    parts = payload.split("|")
    if len(parts) < 7 or not re.fullmatch(r"\d{12}", parts[0].strip()):
        return None
    out = {
        "id_number": parts[0].strip(),
        "full_name": clean_value(parts[2]),
        "address": clean_value(parts[5]),
    }
    birth, issued, sex = parse_date(parts[3]), parse_date(parts[6]), _sex(parts[4])
    if birth:
        out["date_of_birth"] = birth
    if issued:
        out["id_issue_date"] = issued
    if sex:
        out["sex"] = sex
    return out


def cross_check(documents: Sequence[ExtractedFields]) -> list[str]:
    """Problems between the papers of one dossier: one person must not carry two ID numbers or
    two dates of birth, and one ID number must not carry two names. Names are compared without
    case (cards print capitals), marks kept."""
    found: list[str] = []
    by_id: dict[str, tuple[str, str]] = {}
    by_name: dict[str, str] = {}
    births: dict[str, str] = {}
    for doc in documents:
        number = doc.fields.get("id_number")
        name = doc.fields.get("full_name")
        birth = doc.fields.get("date_of_birth")
        if number is None or name is None:
            continue
        key = " ".join(name.value.lower().split())
        if number.value in by_id and by_id[number.value][0] != key:
            found.append(
                ID_TWO_NAMES.format(
                    number=number.value, one=by_id[number.value][1], other=name.value
                )
            )
        by_id.setdefault(number.value, (key, name.value))
        if key in by_name and by_name[key] != number.value:
            found.append(NAME_TWO_IDS.format(name=name.value, one=by_name[key], other=number.value))
        by_name.setdefault(key, number.value)
        if birth is not None:
            if number.value in births and births[number.value] != birth.value:
                found.append(
                    ID_TWO_BIRTHS.format(
                        number=number.value, one=births[number.value], other=birth.value
                    )
                )
            births.setdefault(number.value, birth.value)
    return found
