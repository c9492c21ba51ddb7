"""Classify a document and extract its fields from text (and a chip-ID QR code when present).

Layout and keywords first, no model: Vietnamese administrative papers are formulaic (Decree
30/2020 layouts, printed labels such as "Họ và tên:"). Labels are matched on folded text, so OCR
that drops a tone mark still finds "Ho va ten". Each value gets a confidence: how it was found
(QR > printed label > position), lowered by every validation problem, with the reasons kept.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from hoso.contract import FIELDS_BY_TYPE, ExtractedFields
from hoso.digitize.fields import identifiers, labels
from hoso.digitize.fields.dates import find_dates, parse_date
from hoso.digitize.fields.textutil import clean_value, fold_keep_digits

FROM_QR, FROM_LABEL, FROM_LAYOUT = 0.99, 0.9, 0.7
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
    ),
}  # fmt: skip
_SIGNAL_PHRASES = labels.phrases({t: [p for p, _ in signals] for t, signals in SIGNALS.items()})
_WEIGHT = {(t, labels.phrase(t, p).words): w for t, signals in SIGNALS.items() for p, w in signals}


def classify(text: str, has_id_qr: bool = False) -> tuple[str, float]:
    seen = {
        (hit.phrase.key, hit.phrase.words)
        for line in text.splitlines()
        for hit in labels.find_all(line, _SIGNAL_PHRASES)
    }
    scores = dict.fromkeys(SIGNALS, 0.0)
    for doc_type, words in seen:
        scores[str(doc_type)] += _WEIGHT[(str(doc_type), words)]
    if has_id_qr:
        scores["id_card"] += 5
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, runner_up) = ranked[0], ranked[1]
    if top < 3:
        return "other", 0.5
    return best, round(min(0.99, 0.5 + (top - runner_up) / (2 * top)), 3)


# --- extraction -----------------------------------------------------------------------

ID_RUN = re.compile(r"(?<![\d])(\d[\d .]{10,16}\d)(?![\d])")
# Decree 30 number/symbol: "1657/QĐ-UBND", "118/2025/NĐ-CP", OCR spaces around / and - allowed.
NUMBER_TOKEN = re.compile(
    r"(?<!\d)\d{1,6}\s*/\s*(?:\d{4}\s*/\s*)?[A-ZĐ][A-ZĐa-z0-9]*(?:\s*-\s*[A-ZĐ0-9][A-ZĐa-z0-9]*)*"
)

ADMINISTRATIVE_UNITS = ("tỉnh", "thành phố", "huyện", "quận", "thị xã", "thị trấn", "xã", "phường")


def _labelled(lines: list[str]) -> dict[str, tuple[str, str]]:
    """Each field's value after its label, the first that reads as one winning (a form states a
    field once; a bilingual card states the label twice, the second half holding the value). A
    label ending its line with nothing after it takes the next line when that holds no label:
    cards print long values under their label."""
    found: dict[str, tuple[str, str]] = {}  # field -> (value, source line)
    for at, line in enumerate(lines):
        pairs = labels.labelled_values(line)
        for index, (name, raw) in enumerate(pairs):
            if name is None or name in found:
                continue
            source = line
            last = index == len(pairs) - 1 and at + 1 < len(lines)
            if last and not clean_value(raw) and not labels.find(lines[at + 1]):
                raw, source = lines[at + 1], lines[at + 1]
            value = CONVERTERS.get(name, clean_value)(raw)
            if value:
                found[name] = (value, source)
    return found


def document_number(line: str) -> str | None:
    """The number/symbol after "Số:", ending where its grammar ends: OCR that puts the place and
    date of the right column on the same line ("1657/QĐ-UBND  Huế, ngày…") or runs the two
    together ("QĐ-UBNDHuế") does not lengthen it."""
    match = NUMBER_TOKEN.search(line)
    if match is None:
        return None
    token = re.sub(r"\s+", "", match.group())
    for at in range(token.index("/") + 1, len(token) - 2):
        if token[at].isupper() and token[at + 1].islower() and token[at + 2].islower():
            return token[:at].rstrip("-")  # a capitalised word ("Huế") glued on by OCR
    if token[-1:].islower() and token[-2:-1].isupper() and len(token) > 1:
        following = line[match.end() : match.end() + 1]
        if following.isalpha():  # "UBNDHuế" cut mid-word by the pattern
            return token[:-2].rstrip("-")
    return token


def _id_number(raw: str) -> str | None:
    for match in ID_RUN.finditer(raw):
        digits = re.sub(r"\D", "", match.group(1))
        if len(digits) == 12:
            return digits
    return None


def _sex(raw: str) -> str | None:
    folded = fold_keep_digits(raw).strip()
    if folded.startswith(("nam", "male")):
        return "Nam"
    if folded.startswith(("nu", "female")):
        return "Nữ"
    return None


CONVERTERS: dict[str, Callable[[str], str | None]] = {
    "id_number": _id_number,
    "sex": _sex,
    "date_of_birth": parse_date,
    "id_issue_date": parse_date,
    "date_of_expiry": parse_date,
    "phone": lambda r: re.sub(r"\D", "", r) or None,
    "tax_code": lambda r: re.sub(r"[^\d-]", "", r).strip("-") or None,
}

# The most common Vietnamese family names (about nine in ten people). Their folded forms are
# distinct, so a surname OCR read without its marks ("PHAM", "NGUYEN") has one correct spelling.
SURNAMES = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
    "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Đoàn", "Lương", "Trương", "Mai",
)  # fmt: skip
_SURNAME_BY_FOLD = {fold_keep_digits(name): name for name in SURNAMES}
NAME_FIELDS = ("full_name", "father_name", "mother_name", "signer")


def correct_surname(name: str) -> str:
    """Restore the marks of a common family name that OCR dropped or changed, keeping case."""
    first, _, rest = name.partition(" ")
    canonical = _SURNAME_BY_FOLD.get(fold_keep_digits(first))
    if canonical is None or not rest:
        return name
    fixed = canonical.upper() if first.isupper() else canonical
    return f"{fixed} {rest}"


def _sentence_case(heading: str) -> str:
    """ "ỦY BAN NHÂN DÂN TỈNH LÀO CAI" → "Ủy ban nhân dân tỉnh Lào Cai": lower case, capital first
    letter, place names after an administrative unit word capitalised. Unit words are matched
    without diacritics and written correctly, since OCR often slips a tone mark ("TÍNH")."""
    words = " ".join(heading.split()).lower().split()
    if not words:
        return ""
    folded = [fold_keep_digits(w) for w in words]
    for unit in ADMINISTRATIVE_UNITS:
        unit_words = unit.split()
        size = len(unit_words)
        key = [fold_keep_digits(w) for w in unit_words]
        for at in range(1, len(words) - size + 1):
            if folded[at : at + size] == key:
                place = [w[:1].upper() + w[1:] for w in words[at + size :]]
                words = [*words[:at], *unit_words, *place]
                break
        else:
            continue
        break
    sentence = " ".join(words)
    return sentence[:1].upper() + sentence[1:]


_PLACE_DATE = re.compile(r"[a-z)][a-z .)]{0,40},\s*ngay\s*\d{1,2}\s*thang\s*\d{1,2}\s*nam\s*\d{4}")


def _document_date(lines: list[str], exclude: set[str]) -> tuple[str, str] | None:
    """The place-and-date line ("Lào Cai, ngày 05 tháng 3 năm 2025"), also where OCR ran it
    into the number on its left; failing that, the first worded date of a line that carries no
    label (so not a registration or issue date) and is not one of the person's dates."""
    for line in lines:
        match = _PLACE_DATE.search(fold_keep_digits(line))
        if match:
            value = parse_date(line[match.start() : match.end()])
            if value and value not in exclude:
                return value, line
    for line in lines:
        folded = fold_keep_digits(line)
        if "ngay" in folded and "thang" in folded and "nam" in folded and "sinh" not in folded:
            if labels.find(line):
                continue
            for value in find_dates(line):
                if value not in exclude:
                    return value, line
    return None


_MOTTO = labels.phrases(
    {None: ("Cộng hòa xã hội chủ nghĩa Việt Nam", "Độc lập - Tự do - Hạnh phúc")}
)
_TITLE = labels.phrases({None: ("Quyết định", "Trích lục khai sinh", "Trích lục")})


def _without_motto(line: str) -> str:
    """The left column of a heading line: OCR often runs the national motto on its right into
    the same line."""
    hits = labels.find_all(line, _MOTTO)
    return line[: min(h.start for h in hits)] if hits else line


def _issuer(lines: list[str]) -> str | None:
    """Decree 30 heading: the body's name in capitals above the title, often on two lines
    ("ỦY BAN NHÂN DÂN", "TỈNH …"), beside or interleaved with the motto and the place/date
    (whichever column OCR read first)."""
    heading = []
    for line in lines[:10]:
        if labels.find_all(line, _TITLE):
            break
        kept = clean_value(_without_motto(line))
        folded = fold_keep_digits(kept)
        if not kept or re.match(r"so\b", folded) or re.search(r"\d", kept):
            continue
        if kept.upper() == kept and any(c.isalpha() for c in kept):
            heading.append(kept)
    return _sentence_case(" ".join(heading)) if heading else None


def _decision_fields(lines: list[str]) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    for line in lines:
        folded = fold_keep_digits(line)
        if "document_number" not in out:
            label = re.search(r"\bso\s*:", folded)
            number = document_number(line[label.end() :]) if label else None
            if number:
                out["document_number"] = FieldValue(number, FROM_LABEL, "label", line=line)
        if "subject" not in out and folded.lstrip().startswith(("ve viec", "v/v")):
            out["subject"] = FieldValue(clean_value(line), FROM_LABEL, "label", line=line)
    issuer = _issuer(lines)
    if issuer:
        out["issuer"] = FieldValue(issuer, FROM_LAYOUT, "layout")
    names = [clean_value(line) for line in lines[-6:] if _looks_like_name(clean_value(line))]
    if names:
        out["signer"] = FieldValue(names[-1], FROM_LAYOUT, "layout")
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


def extract(
    text: str, qr_payloads: list[str] | None = None, today: dt.date | None = None
) -> DocumentFields:
    today = today or dt.date.today()
    qr = next((p for p in (parse_id_qr(q) for q in qr_payloads or []) if p), None)
    doc_type, type_confidence = classify(text, has_id_qr=qr is not None)
    lines = [line for line in text.splitlines() if line.strip()]
    values = {
        name: FieldValue(value, FROM_LABEL, "label", line=source_line)
        for name, (value, source_line) in _labelled(lines).items()
    }
    if "id_number" not in values:  # cards print "Số / No.: 0…" with no telling label
        number = _id_number(text)
        if number:
            values["id_number"] = FieldValue(number, FROM_LAYOUT, "layout")
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
        date, line = dated
        values.setdefault("document_date", FieldValue(date, FROM_LAYOUT, "layout", line=line))
    if qr:
        for name, value in qr.items():
            values[name] = FieldValue(value, FROM_QR, "qr")
    for name in NAME_FIELDS:
        if name in values and values[name].source != "qr":
            values[name].value = correct_surname(values[name].value)
    wanted = FIELDS_BY_TYPE[doc_type]
    fields = {name: values[name] for name in wanted if name in values}
    validate(fields, today)
    return DocumentFields(doc_type, type_confidence, fields)


def validate(fields: dict[str, FieldValue], today: dt.date) -> None:
    """Lower confidence, and say why, for every value that fails a check."""

    def flag(name: str, problems: list[str]) -> None:
        if problems and name in fields:
            fields[name].problems.extend(problems)
            fields[name].confidence *= PROBLEM_PENALTY ** len(problems)

    birth = fields.get("date_of_birth")
    sex = fields.get("sex")
    if "id_number" in fields:
        flag(
            "id_number",
            identifiers.citizen_id_problems(
                fields["id_number"].value,
                birth.value if birth and not identifiers.date_problems(birth.value) else None,
                sex.value if sex else None,
            ),
        )
    for name in ("date_of_birth", "id_issue_date", "document_date"):
        if name in fields:
            flag(name, identifiers.date_problems(fields[name].value, not_after=today))
    if "date_of_expiry" in fields:
        flag("date_of_expiry", identifiers.date_problems(fields["date_of_expiry"].value))
    if "document_number" in fields:
        flag(
            "document_number", identifiers.document_number_problems(fields["document_number"].value)
        )
    if "tax_code" in fields:  # MST of a household business or enterprise: check digit (d10)
        flag("tax_code", identifiers.tax_code_problems(fields["tax_code"].value))


def value_problems(name: str, value: str, today: dt.date | None = None) -> list[str]:
    """What is wrong with one value on its own, by the same checks as a reading: an officer's
    correction is held to what an extracted value is (an unknown field has no check)."""
    alone = {name: FieldValue(value, 1.0, "officer")}
    validate(alone, today or dt.date.today())
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
    problems: list[str] = []
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
            problems.append(
                f"ID number {number.value} is {by_id[number.value][1]} on one paper "
                f"and {name.value} on another"
            )
        by_id.setdefault(number.value, (key, name.value))
        if key in by_name and by_name[key] != number.value:
            problems.append(
                f"{name.value} has ID number {by_name[key]} on one paper "
                f"and {number.value} on another"
            )
        by_name.setdefault(key, number.value)
        if birth is not None:
            if number.value in births and births[number.value] != birth.value:
                problems.append(
                    f"ID number {number.value}: born {births[number.value]} on one paper, "
                    f"{birth.value} on another"
                )
            births.setdefault(number.value, birth.value)
    return problems
