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
from hoso.digitize.fields import identifiers
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

KEYWORDS: dict[str, list[tuple[str, float]]] = {
    "id_card": [
        ("can cuoc", 2),
        ("citizen identity", 3),
        ("identity card", 3),
        ("co gia tri den", 3),
        ("date of expiry", 3),
        ("quoc tich", 1),
        ("que quan", 1),
        ("noi thuong tru", 1),
    ],
    "birth_extract": [
        ("trich luc khai sinh", 5),
        ("khai sinh", 1),
        ("ho, chu dem, ten cha", 2),
        ("ho ten cha", 2),
        ("ho ten me", 2),
        ("noi sinh", 1),
        ("dan toc", 1),
    ],
    "decision": [
        ("quyet dinh", 2),
        ("can cu", 1),
        ("noi nhan", 2),
        ("quyet dinh nay co hieu luc", 3),
        ("tm. uy ban", 2),
    ],
    "application": [
        ("don de nghi", 4),
        ("to khai", 4),
        ("kinh gui", 2),
        ("xin cam doan", 2),
        ("nguoi lam don", 2),
        ("de nghi", 1),
        ("so dien thoai", 1),
    ],
}


def classify(text: str, has_id_qr: bool = False) -> tuple[str, float]:
    folded = fold_keep_digits(text)
    scores = {
        doc_type: sum(weight for keyword, weight in keywords if keyword in folded)
        for doc_type, keywords in KEYWORDS.items()
    }
    if has_id_qr:
        scores["id_card"] += 5
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, runner_up) = ranked[0], ranked[1]
    if top < 3:
        return "other", 0.5
    return best, round(min(0.99, 0.5 + (top - runner_up) / (2 * top)), 3)


# --- extraction -----------------------------------------------------------------------

ID_RUN = re.compile(r"(?<![\d])(\d[\d .]{10,16}\d)(?![\d])")
NUMBER_TOKEN = re.compile(r"(\d{1,6}(?:/\d{4})?/[A-ZĐ][A-ZĐa-z0-9]*(?:-[A-ZĐ0-9][A-ZĐa-z0-9]*)*)")

# Label (folded) → field. Longer, more specific labels first: "ho ten cha" before "ho ten".
LABELS: list[tuple[str, str]] = [
    ("ho, chu dem, ten cha", "father_name"),
    ("ho ten cha", "father_name"),
    ("ho, chu dem, ten me", "mother_name"),
    ("ho ten me", "mother_name"),
    ("ho, chu dem va ten", "full_name"),
    ("ho, chu dem, ten", "full_name"),
    ("ho va ten", "full_name"),
    ("ho ten", "full_name"),
    ("full name", "full_name"),
    ("ngay, thang, nam sinh", "date_of_birth"),
    ("ngay thang nam sinh", "date_of_birth"),
    ("ngay sinh", "date_of_birth"),
    ("sinh ngay", "date_of_birth"),
    ("date of birth", "date_of_birth"),
    ("gioi tinh", "sex"),
    ("sex", "sex"),
    ("so dinh danh ca nhan", "id_number"),
    ("so can cuoc cong dan", "id_number"),
    ("so can cuoc", "id_number"),
    ("so cccd", "id_number"),
    ("personal identification", "id_number"),
    ("ngay cap", "id_issue_date"),
    ("cap ngay", "id_issue_date"),
    ("noi thuong tru", "address"),
    ("noi cu tru", "address"),
    ("dia chi", "address"),
    ("place of residence", "address"),
    ("so dien thoai", "phone"),
    ("dien thoai", "phone"),
    ("sdt", "phone"),
    ("ma so thue", "tax_code"),
    ("co gia tri den", "date_of_expiry"),
    ("date of expiry", "date_of_expiry"),
]

ADMINISTRATIVE_UNITS = ("tỉnh", "thành phố", "huyện", "quận", "thị xã", "thị trấn", "xã", "phường")


def _labelled(lines: list[str]) -> dict[str, tuple[str, str]]:
    """Raw text after each known label, first occurrence wins (a form states a field once)."""
    found: dict[str, tuple[str, str]] = {}  # field -> (raw value, source line)
    for line in lines:
        folded = fold_keep_digits(line)
        for label, name in LABELS:
            at = folded.find(label)
            if at < 0 or name in found:
                continue
            rest = line[at + len(label) :]
            colon = rest.find(":")
            if 0 <= colon <= 40:  # past "/ Full name" on bilingual cards, up to the colon
                rest = rest[colon + 1 :]
            value = clean_value(rest[: _next_label_at(rest)])
            if value:
                found[name] = (value, line)
            break
    return found


def _next_label_at(rest: str) -> int:
    """Where the next label starts on the same line ("Ngày sinh: 05/03/1990  Giới tính: Nam")."""
    folded = fold_keep_digits(rest)
    starts = [at for label, _ in LABELS if (at := folded.find(label)) > 0]
    return min(starts, default=len(rest))


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


def _document_date(lines: list[str], exclude: set[str]) -> tuple[str, str] | None:
    """The place-and-date line ("Lào Cai, ngày 05 tháng 3 năm 2025") or the first worded date
    that is not one of the person's dates."""
    for line in lines:
        folded = fold_keep_digits(line)
        if "ngay" in folded and "thang" in folded and "nam" in folded and "sinh" not in folded:
            for value in find_dates(line):
                if value not in exclude:
                    return value, line
    return None


def _decision_fields(lines: list[str]) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    for line in lines:
        folded = fold_keep_digits(line)
        if "document_number" not in out and re.search(r"\bso\s*:", folded):
            token = NUMBER_TOKEN.search(line.replace(" ", ""))
            if token:
                out["document_number"] = FieldValue(token.group(1), FROM_LABEL, "label", line=line)
        if "subject" not in out and folded.lstrip().startswith(("ve viec", "v/v")):
            out["subject"] = FieldValue(clean_value(line), FROM_LABEL, "label", line=line)
    motto = ("cong hoa xa hoi", "doc lap - tu do", "doc lap – tu do")
    heading = []
    for line in lines[:6]:
        folded = fold_keep_digits(line)
        if folded.startswith("so") or "quyet dinh" in folded or "ngay" in folded:
            break
        kept = line
        for phrase in motto:  # OCR may put the right column on the same line
            at = fold_keep_digits(kept).find(phrase)
            if at >= 0:
                kept = kept[:at]
        if kept.strip() and kept.strip().upper() == kept.strip():
            heading.append(clean_value(kept))
    if heading:
        # Decree 30 heading: the body's name, often on two lines ("ỦY BAN NHÂN DÂN", "TỈNH …")
        out["issuer"] = FieldValue(_sentence_case(" ".join(heading)), FROM_LAYOUT, "layout")
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
            for p in ("tm", "kt", "chu tich", "noi nhan", "giam doc", "pho")
        )
    )


def extract(
    text: str, qr_payloads: list[str] | None = None, today: dt.date | None = None
) -> DocumentFields:
    today = today or dt.date.today()
    qr = next((p for p in (parse_id_qr(q) for q in qr_payloads or []) if p), None)
    doc_type, type_confidence = classify(text, has_id_qr=qr is not None)
    lines = [line for line in text.splitlines() if line.strip()]
    raw = _labelled(lines)
    values: dict[str, FieldValue] = {}
    converters: dict[str, Callable[[str], str | None]] = {
        "id_number": _id_number,
        "sex": _sex,
        "date_of_birth": parse_date,
        "id_issue_date": parse_date,
        "date_of_expiry": parse_date,
        "phone": lambda r: re.sub(r"\D", "", r) or None,
        "tax_code": lambda r: re.sub(r"[^\d-]", "", r).strip("-") or None,
        "full_name": clean_value,
        "father_name": clean_value,
        "mother_name": clean_value,
        "address": clean_value,
    }
    for name, (raw_value, source_line) in raw.items():
        value = converters[name](raw_value) if name in converters else clean_value(raw_value)
        if value:
            values[name] = FieldValue(value, FROM_LABEL, "label", line=source_line)
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
