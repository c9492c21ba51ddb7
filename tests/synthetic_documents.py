"""Synthetic documents of each type a dossier holds, with the field values they carry (the
contract of shared/domain/fields.md), rendered by tests/synthetic.py at any degradation level."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from tests.synthetic import PLACES, PageSpec, SyntheticPage, at_level, person_name, render_page

STREETS = [
    "Tổ 3, phường Hải Châu",
    "Thôn Phú Lộc, xã Hòa Vang",
    "Số 12 đường Lê Lợi, phường Bến Nghé",
]
SIGNERS = ["Nguyễn Văn Thành", "Trần Thị Mai Lan", "Lê Quốc Hùng"]
PROVINCES = [
    ("TỈNH LÀO CAI", "Lào Cai"),
    ("THÀNH PHỐ ĐÀ NẴNG", "Đà Nẵng"),
    ("TỈNH NGHỆ AN", "Nghệ An"),
]


@dataclass(frozen=True)
class SyntheticDocument:
    doc_type: str
    page: SyntheticPage
    fields: dict[str, str]


def _person(rng: random.Random) -> dict[str, str]:
    year = rng.randint(1950, 2012)
    sex = rng.choice(["Nam", "Nữ"])
    century = 0 if year < 2000 else 2
    digit = century + (1 if sex == "Nữ" else 0)
    province = rng.choice(["001", "048", "079", "092", "040"])
    return {
        "full_name": person_name(rng),
        "date_of_birth": f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year}",
        "sex": sex,
        "id_number": f"{province}{digit}{year % 100:02d}{rng.randint(0, 999999):06d}",
        "address": f"{rng.choice(STREETS)}, {rng.choice(PLACES)}",
    }


def _worded(date: str) -> str:
    day, month, year = date.split("/")
    return f"ngày {day} tháng {int(month) if int(month) > 2 else month} năm {year}"


Line = tuple[str, str]
MOTTO_ROWS = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")

# Layouts per type, modelled on the official templates. The held-out ones are never used to tune
# the extractor (digitize/fields/): they measure how it does on arrangements and wordings it was
# not built against (benchmarks/fields.py reports them apart). Never tune the extractor on them;
# when a held-out layout fails, improve the extractor from the templates, not from that layout.
TUNING_LAYOUTS: dict[str, tuple[str, ...]] = {
    "application": ("plain", "inline", "table"),
    "decision": ("plain", "two_column"),
    "birth_extract": ("plain", "official"),
    "id_card": ("plain", "card_2024"),
}
HELD_OUT_LAYOUTS: dict[str, tuple[str, ...]] = {
    "application": ("ct01",),  # Circular 66/2023 residence declaration: numbered, two a line
    "decision": ("commune",),  # commune decision, number and place/date on one row, KT. signer
    "birth_extract": ("registry_copy",),  # father first, parents' details on the name's line
    "id_card": ("cccd_2016",),  # pre-chip card: no QR, Vietnamese-only labels
}
LAYOUTS = {t: TUNING_LAYOUTS[t] + HELD_OUT_LAYOUTS[t] for t in TUNING_LAYOUTS}


def _heading(left: tuple[str, str]) -> list[Line]:
    """Decree 30 heading: the body on the left, the motto on the right, in two columns."""
    return [("bold", f"{left[0]}\t{MOTTO_ROWS[0]}"), ("bold", f"{left[1]}\t{MOTTO_ROWS[1]}")]


def _application(layout: str, f: dict[str, str], place: str) -> list[Line] | None:
    signed = f"{place}, {_worded(f['document_date'])}"
    if layout == "inline":  # Circular 04/2020 request forms: related fields share a line
        return [
            *[("bold", row) for row in MOTTO_ROWS],
            ("bold", "TỜ KHAI ĐỀ NGHỊ CẤP BẢN SAO TRÍCH LỤC HỘ TỊCH"),
            ("serif", f"Kính gửi: Ủy ban nhân dân phường Hải Châu, {place}"),
            ("serif", f"Họ, chữ đệm và tên: {f['full_name']}      Giới tính: {f['sex']}"),
            ("serif", f"Ngày, tháng, năm sinh: {f['date_of_birth']}      Dân tộc: Kinh"),
            ("serif", f"Số định danh cá nhân: {f['id_number']}    Ngày cấp: {f['id_issue_date']}"),
            ("serif", f"Nơi cư trú: {f['address']}"),
            ("serif", f"Điện thoại: {f['phone']}      Email: khong co"),
            ("serif", "Tôi cam đoan những nội dung khai trên đây là đúng sự thật."),
            ("serif", f"\t{signed}"),
            ("bold", "\tNgười yêu cầu"),
        ]
    if layout == "table":  # a form printed as a two-column table of label and value
        return [
            *[("bold", row) for row in MOTTO_ROWS],
            ("bold", "ĐƠN ĐỀ NGHỊ XÁC NHẬN THÔNG TIN CÁ NHÂN"),
            ("serif", f"Kính gửi: Ủy ban nhân dân xã Hòa Vang, {place}"),
            ("serif", f"Họ và tên\t{f['full_name']}"),
            ("serif", f"Ngày sinh\t{f['date_of_birth']}"),
            ("serif", f"Giới tính\t{f['sex']}"),
            ("serif", f"Số CCCD\t{f['id_number']}"),
            ("serif", f"Ngày cấp\t{f['id_issue_date']}"),
            ("serif", f"Địa chỉ\t{f['address']}"),
            ("serif", f"Số điện thoại\t{f['phone']}"),
            ("serif", "Tôi xin cam đoan những lời khai trên là đúng sự thật."),
            ("serif", signed),
            ("bold", "Người làm đơn"),
        ]
    if layout == "ct01":
        return [
            *[("bold", row) for row in MOTTO_ROWS],
            ("bold", "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ"),
            ("serif", "Kính gửi: Công an phường Hải Châu"),
            ("serif", f"1. Họ, chữ đệm và tên: {f['full_name']}    2. Giới tính: {f['sex']}"),
            ("serif", f"3. Ngày, tháng, năm sinh: {f['date_of_birth']}    4. Dân tộc: Kinh"),
            ("serif", f"5. Số điện thoại liên hệ: {f['phone']}    6. Email: không có"),
            ("serif", f"7. Nơi thường trú: {f['address']}"),
            (
                "serif",
                f"8. Giấy tờ tùy thân: Căn cước công dân số {f['id_number']}, "
                f"cấp ngày {f['id_issue_date']}",
            ),
            ("serif", "9. Nội dung đề nghị: đăng ký thường trú"),
            ("serif", f"\t{signed}"),
            ("bold", "\tNGƯỜI KÊ KHAI"),
        ]
    return None


def _decision(layout: str, f: dict[str, str], heading: str, province: str) -> list[Line] | None:
    dated = f"{province}, {_worded(f['document_date'])}"
    body = [
        ("serif", "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;"),
        ("serif", "Điều 1. Cấp bản sao trích lục khai sinh cho công dân có tên trong hồ sơ."),
        ("serif", "Quyết định này có hiệu lực kể từ ngày ký."),
    ]
    if layout == "two_column":
        return [
            *_heading(("ỦY BAN NHÂN DÂN", heading)),
            ("serif", f"Số: {f['document_number']}\t{dated}"),
            ("bold", "QUYẾT ĐỊNH"),
            ("bold", f["subject"]),
            *body,
            ("bold", "Nơi nhận:\tTM. ỦY BAN NHÂN DÂN"),
            ("bold", "- Như Điều 3;\tCHỦ TỊCH"),
            ("serif", "- Lưu: VT.\t"),
            ("serif", f"\t{f['signer']}"),
        ]
    if layout == "commune":
        return [
            *_heading(("ỦY BAN NHÂN DÂN", heading)),
            ("serif", f"Số: {f['document_number']}\t{dated}"),
            ("bold", "QUYẾT ĐỊNH"),
            ("bold", f["subject"]),
            ("bold", f"CHỦ TỊCH ỦY BAN NHÂN DÂN {heading}"),
            *body,
            (
                "serif",
                "Điều 2. Chánh Văn phòng, công dân có tên tại Điều 1 chịu trách nhiệm thi hành.",
            ),
            ("bold", "\tKT. CHỦ TỊCH"),
            ("bold", "Nơi nhận:\tPHÓ CHỦ TỊCH"),
            ("serif", "- Như Điều 2;\t"),
            ("serif", "- Lưu: VT, TP.\t"),
            ("serif", f"\t{f['signer']}"),
        ]
    return None


def _birth_extract(
    layout: str, f: dict[str, str], place: str, extra: random.Random
) -> list[Line] | None:
    """Circular 04/2020/TT-BTP extract: the child, then each parent with year of birth,
    ethnicity, nationality and residence, the registering body, the date."""
    registered = f"{extra.randint(1, 28):02d}/{extra.randint(1, 12):02d}/{f['date_of_birth'][6:]}"
    body = f"ỦY BAN NHÂN DÂN\t{MOTTO_ROWS[0]}"
    ward = f"PHƯỜNG HẢI CHÂU\t{MOTTO_ROWS[1]}"
    dated = f"{place}, {_worded(f['document_date'])}"
    born = int(f["date_of_birth"][6:])
    mother_year, father_year = born - extra.randint(20, 35), born - extra.randint(22, 40)
    if layout == "official":
        return [
            ("bold", body),
            ("bold", ward),
            ("serif", f"Số: {f['document_number']}"),
            ("bold", "TRÍCH LỤC KHAI SINH"),
            ("serif", f"Họ, chữ đệm, tên: {f['full_name']}"),
            ("serif", f"Ngày, tháng, năm sinh: {f['date_of_birth']}"),
            ("serif", f"Giới tính: {f['sex']}    Dân tộc: Kinh    Quốc tịch: Việt Nam"),
            ("serif", f"Nơi sinh: Bệnh viện Đa khoa {place}"),
            ("serif", f"Quê quán: {place}"),
            ("serif", f"Số định danh cá nhân: {f['id_number']}"),
            ("serif", f"Họ, chữ đệm, tên người mẹ: {f['mother_name']}"),
            ("serif", f"Năm sinh: {mother_year}    Dân tộc: Kinh    Quốc tịch: Việt Nam"),
            ("serif", f"Nơi cư trú: {place}"),
            ("serif", f"Họ, chữ đệm, tên người cha: {f['father_name']}"),
            ("serif", f"Năm sinh: {father_year}    Dân tộc: Kinh    Quốc tịch: Việt Nam"),
            ("serif", f"Nơi cư trú: {place}"),
            ("serif", "Nơi đăng ký khai sinh: Ủy ban nhân dân phường Hải Châu"),
            ("serif", f"Ngày, tháng, năm đăng ký: {registered}"),
            ("serif", f"\t{dated}"),
            ("bold", "\tNGƯỜI KÝ TRÍCH LỤC"),
        ]
    if layout == "registry_copy":
        return [
            ("bold", body),
            ("bold", ward),
            ("serif", f"Số: {f['document_number']}\t{dated}"),
            ("bold", "TRÍCH LỤC KHAI SINH (BẢN SAO)"),
            ("serif", f"Họ và tên: {f['full_name']}"),
            ("serif", f"Sinh ngày: {f['date_of_birth']}    Giới tính: {f['sex']}"),
            ("serif", f"Số định danh cá nhân: {f['id_number']}    Dân tộc: Kinh"),
            ("serif", f"Nơi sinh: Trạm y tế phường Hải Châu, {place}"),
            ("serif", f"Họ và tên cha: {f['father_name']}    Năm sinh: {father_year}"),
            ("serif", f"Họ và tên mẹ: {f['mother_name']}    Năm sinh: {mother_year}"),
            ("serif", f"Nơi đăng ký: Ủy ban nhân dân phường Hải Châu, ngày {registered}"),
            ("bold", "\tTL. CHỦ TỊCH"),
        ]
    return None


def _id_card(
    layout: str, f: dict[str, str], issued: str, extra: random.Random
) -> list[Line] | None:
    origin = f"xã Hòa Phong, {extra.choice(PLACES)}"
    if layout == "card_2024":  # Law 26/2023 identity card, front and back on one page
        return [
            ("bold", MOTTO_ROWS[0]),
            ("bold", "CĂN CƯỚC / IDENTITY CARD"),
            ("serif", f"Số định danh cá nhân / Personal identification number: {f['id_number']}"),
            ("serif", "Họ, chữ đệm và tên khai sinh / Surname, middle and given name:"),
            ("serif", f["full_name"]),
            ("serif", f"Ngày, tháng, năm sinh / Date of birth: {f['date_of_birth']}"),
            ("serif", f"Giới tính / Sex: {f['sex']}    Quốc tịch / Nationality: Việt Nam"),
            ("serif", f"Nơi cư trú / Place of residence: {f['address']}"),
            ("serif", f"Nơi đăng ký khai sinh / Place of birth: {origin}"),
            ("serif", f"Ngày, tháng, năm cấp / Date of issue: {issued}"),
            ("serif", f"Ngày, tháng, năm hết hạn / Date of expiry: {f['date_of_expiry']}"),
        ]
    if layout == "cccd_2016":
        return [
            *[("bold", row) for row in MOTTO_ROWS],
            ("bold", "CĂN CƯỚC CÔNG DÂN"),
            ("serif", f"Số: {f['id_number']}"),
            ("serif", f"Họ và tên: {f['full_name']}"),
            ("serif", f"Ngày, tháng, năm sinh: {f['date_of_birth']}"),
            ("serif", f"Giới tính: {f['sex']}      Quốc tịch: Việt Nam"),
            ("serif", f"Quê quán: {origin}"),
            ("serif", f"Nơi thường trú: {f['address']}"),
            ("serif", f"Có giá trị đến: {f['date_of_expiry']}"),
        ]
    return None


def make_document(
    doc_type: str, seed: int, level: str = "clean", dpi: int = 200, layout: str = "plain"
) -> SyntheticDocument:
    """A document of the type in one of its layouts (`LAYOUTS`); "plain" is the first one this
    generator had, kept as it was (other tests' pages depend on it)."""
    if layout not in LAYOUTS[doc_type]:
        raise ValueError(f"{doc_type} has no layout {layout!r}")
    rng = random.Random(f"{doc_type}-{seed}")
    extra = random.Random(f"{doc_type}-{seed}-{layout}")  # values only other layouts print
    person = _person(rng)
    signed = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2020, 2025)}"
    place = rng.choice(PLACES)
    motto = [
        ("bold", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        ("bold", "Độc lập - Tự do - Hạnh phúc"),
    ]
    spec = at_level(PageSpec(seed=seed, dpi=dpi, font_pt=12), level)
    qr = None
    if doc_type == "application":
        issued = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2021"
        phone = f"09{rng.randint(10_000_000, 99_999_999)}"
        fields = {**person, "id_issue_date": issued, "phone": phone, "document_date": signed}
        lines = _application(layout, fields, place) or [
            *motto,
            ("bold", "ĐƠN ĐỀ NGHỊ CẤP BẢN SAO TRÍCH LỤC KHAI SINH"),
            ("serif", f"Kính gửi: Ủy ban nhân dân phường Hải Châu, {place}"),
            ("serif", f"Họ và tên: {person['full_name']}"),
            ("serif", f"Ngày, tháng, năm sinh: {person['date_of_birth']}"),
            ("serif", f"Giới tính: {person['sex']}"),
            ("serif", f"Số định danh cá nhân: {person['id_number']}"),
            ("serif", f"Ngày cấp: {issued}"),
            ("serif", f"Nơi cư trú: {person['address']}"),
            ("serif", f"Số điện thoại: {phone}"),
            ("serif", "Tôi xin cam đoan những lời khai trên là đúng sự thật."),
            ("serif", f"{place}, {_worded(signed)}"),
            ("bold", "Người làm đơn"),
        ]
    elif doc_type == "decision":
        heading, province = rng.choice(PROVINCES)
        number = f"{rng.randint(1, 999)}/QĐ-UBND"
        subject = "Về việc cấp bản sao trích lục khai sinh cho công dân"
        signer = rng.choice(SIGNERS)
        fields = {
            "document_number": number,
            "document_date": signed,
            "issuer": f"Ủy ban nhân dân {heading.split()[0].lower()} {province}"
            if heading.startswith("TỈNH")
            else f"Ủy ban nhân dân thành phố {province}",
            "subject": subject,
            "signer": signer,
        }
        lines = _decision(layout, fields, heading, province) or [
            ("bold", "ỦY BAN NHÂN DÂN"),
            ("bold", heading),
            *motto,
            ("serif", f"Số: {number}"),
            ("serif", f"{province}, {_worded(signed)}"),
            ("bold", "QUYẾT ĐỊNH"),
            ("bold", subject),
            ("serif", "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;"),
            ("serif", "Điều 1. Cấp bản sao trích lục khai sinh cho công dân có tên trong hồ sơ."),
            ("serif", "Quyết định này có hiệu lực kể từ ngày ký."),
            ("serif", "Nơi nhận: Như Điều 3; Lưu: VT."),
            ("bold", "TM. ỦY BAN NHÂN DÂN"),
            ("bold", "CHỦ TỊCH"),
            ("serif", signer),
        ]
    elif doc_type == "birth_extract":
        number = f"{rng.randint(1, 999)}/TLKS-BS"
        father, mother = person_name(rng).upper(), person_name(rng).upper()
        name = person["full_name"].upper()
        fields = {
            **{k: v for k, v in person.items() if k != "address"},
            "full_name": name,
            "father_name": father,
            "mother_name": mother,
            "document_number": number,
            "document_date": signed,
        }
        lines = _birth_extract(layout, fields, place, extra) or [
            ("bold", "ỦY BAN NHÂN DÂN"),
            ("bold", f"PHƯỜNG HẢI CHÂU, {place.upper()}"),
            *motto,
            ("serif", f"Số: {number}"),
            ("bold", "TRÍCH LỤC KHAI SINH"),
            ("serif", f"Họ, chữ đệm, tên: {name}"),
            ("serif", f"Ngày, tháng, năm sinh: {person['date_of_birth']}"),
            ("serif", f"Giới tính: {person['sex']}"),
            ("serif", "Dân tộc: Kinh   Quốc tịch: Việt Nam"),
            ("serif", f"Số định danh cá nhân: {person['id_number']}"),
            ("serif", f"Nơi sinh: Bệnh viện Đa khoa {place}"),
            ("serif", f"Họ, chữ đệm, tên cha: {father}"),
            ("serif", f"Họ, chữ đệm, tên mẹ: {mother}"),
            ("serif", f"{place}, {_worded(signed)}"),
        ]
    elif doc_type == "id_card":
        expiry = f"{person['date_of_birth'][:6]}{int(person['date_of_birth'][6:]) + 25}"
        name = person["full_name"].upper()
        issued = f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}2021"
        qr = "|".join(
            [
                person["id_number"],
                "",
                name,
                person["date_of_birth"].replace("/", ""),
                person["sex"],
                person["address"],
                issued,
            ]
        )
        fields = {**person, "full_name": name, "date_of_expiry": expiry}
        if layout == "cccd_2016":  # cards before the chip carry no QR code
            qr = None
        lines = _id_card(layout, fields, f"{issued[:2]}/{issued[2:4]}/{issued[4:]}", extra) or [
            *motto,
            ("bold", "CĂN CƯỚC CÔNG DÂN"),
            ("serif", f"Số / No.: {person['id_number']}"),
            ("serif", f"Họ và tên / Full name: {name}"),
            ("serif", f"Ngày sinh / Date of birth: {person['date_of_birth']}"),
            ("serif", f"Giới tính / Sex: {person['sex']}   Quốc tịch / Nationality: Việt Nam"),
            ("serif", f"Nơi thường trú / Place of residence: {person['address']}"),
            ("serif", f"Có giá trị đến / Date of expiry: {expiry}"),
        ]
        spec = replace(spec, width_in=6.5 if layout == "plain" else 8.27, height_in=5.5)
    else:
        raise ValueError(doc_type)
    return SyntheticDocument(doc_type, render_page(spec, lines, qr=qr), fields)
