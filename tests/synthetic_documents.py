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


def make_document(
    doc_type: str, seed: int, level: str = "clean", dpi: int = 200
) -> SyntheticDocument:
    rng = random.Random(f"{doc_type}-{seed}")
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
        lines = [
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
        lines = [
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
        lines = [
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
        lines = [
            *motto,
            ("bold", "CĂN CƯỚC CÔNG DÂN"),
            ("serif", f"Số / No.: {person['id_number']}"),
            ("serif", f"Họ và tên / Full name: {name}"),
            ("serif", f"Ngày sinh / Date of birth: {person['date_of_birth']}"),
            ("serif", f"Giới tính / Sex: {person['sex']}   Quốc tịch / Nationality: Việt Nam"),
            ("serif", f"Nơi thường trú / Place of residence: {person['address']}"),
            ("serif", f"Có giá trị đến / Date of expiry: {expiry}"),
        ]
        spec = replace(spec, width_in=6.5, height_in=5.5)
    else:
        raise ValueError(doc_type)
    return SyntheticDocument(doc_type, render_page(spec, lines, qr=qr), fields)
