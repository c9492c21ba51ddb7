"""Splitting a stack by separator sheets: which pages are separators, and how pages group."""

from __future__ import annotations

from pathlib import Path

import pytest

from hoso.digitize.models import Options
from hoso.digitize.separate import Separator, find_separator, plan_documents
from hoso.digitize.triage import triage_file
from tests.synthetic import render_page, render_separator
from tests.synthetic_documents import make_document

DOSSIER = "000.00.48.H17-250301-0042"


@pytest.mark.parametrize("skew", [0.0, 2.5])
def test_a_dossier_separator_sheet_is_recognised(tmp_path: Path, skew: float) -> None:
    sheet = render_separator(DOSSIER, skew_deg=skew).save(tmp_path / "sep.png")
    task = triage_file(sheet, Options()).tasks[0]
    assert find_separator(task, Options()) == Separator(DOSSIER)


def test_a_document_separator_carries_an_optional_type(tmp_path: Path) -> None:
    sheet = render_separator("HOSO:DOC:cccd").save(tmp_path / "doc.png")
    task = triage_file(sheet, Options()).tasks[0]
    assert find_separator(task, Options()) == Separator(None, "cccd")


@pytest.mark.parametrize("hint", ["x" * 70, "đơn <b>"])
def test_a_document_separators_odd_type_hint_is_dropped_not_its_batch(
    tmp_path: Path, hint: str
) -> None:
    """A 70-character hint had failed its batch's planning on PostgreSQL, the innocent files
    with it, with no reason given: the sheet still separates, without a hint."""
    sheet = render_separator(f"HOSO:DOC:{hint}").save(tmp_path / "doc.png")
    task = triage_file(sheet, Options()).tasks[0]
    assert find_separator(task, Options()) == Separator(None, None)


def test_a_paper_with_a_qr_code_and_text_is_not_a_separator(tmp_path: Path) -> None:
    """A receipt or issued result can carry the dossier code as QR: it is a document."""
    page = make_document("application", 5).page
    lines = page.text.splitlines()
    busy = render_page(page.spec, [("serif", line) for line in lines], qr=DOSSIER)
    path = busy.save(tmp_path / "receipt.png")
    task = triage_file(path, Options()).tasks[0]
    assert find_separator(task, Options()) is None


def test_an_unrelated_qr_code_is_not_a_separator(tmp_path: Path) -> None:
    sheet = render_separator("https://dichvucong.gov.vn/tra-cuu").save(tmp_path / "url.png")
    task = triage_file(sheet, Options()).tasks[0]
    assert find_separator(task, Options()) is None


def test_without_separators_each_file_is_one_document() -> None:
    planned = plan_documents([2, 1, 3], {})
    assert [p.pages for p in planned] == [[(0, 0), (0, 1)], [(1, 0)], [(2, 0), (2, 1), (2, 2)]]
    assert all(p.dossier_code is None for p in planned)


def test_separators_split_within_files_and_group_files_into_dossiers() -> None:
    other = "000.00.48.H17-250302-0007"
    separators = {
        (0, 0): Separator(DOSSIER),
        (2, 0): Separator(None, "cccd"),
        (3, 1): Separator(other),
    }
    # file 0: separator; file 1: a paper; file 2: a document separator and a paper;
    # file 3 (a stack scanned as one PDF): a paper, a dossier separator, a two-page paper
    planned = plan_documents([1, 2, 2, 4], separators)
    assert [(p.dossier_code, p.pages, p.doc_type_hint) for p in planned] == [
        (DOSSIER, [(1, 0), (1, 1)], None),
        (DOSSIER, [(2, 1)], "cccd"),
        (DOSSIER, [(3, 0)], None),
        (other, [(3, 2), (3, 3)], None),
    ]


def test_pages_before_the_first_separator_are_kept_as_a_document() -> None:
    planned = plan_documents([1, 1, 1], {(1, 0): Separator(DOSSIER)})
    assert [(p.dossier_code, p.pages) for p in planned] == [(None, [(0, 0)]), (DOSSIER, [(2, 0)])]


def _qr_page(tmp_path: Path, title: str, payload: dict[str, str]) -> Path:
    """A full paper (a receipt or an issued result) with its JSON QR at the top left."""
    import json

    page = make_document("application", 9).page
    lines = [("bold", title), *[("serif", line) for line in page.text.splitlines()]]
    code = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return render_page(page.spec, lines, qr=code).save(tmp_path / "paper.png")


def test_a_receipt_starts_its_dossier_and_is_kept_as_a_document(tmp_path: Path) -> None:
    receipt = {
        "ma_ho_so": DOSSIER, "ma_thu_tuc": "1.001234", "so_dinh_danh": "048203001234",
        "ten_giay_to": "Phiếu tiếp nhận hồ sơ và hẹn trả kết quả", "he_thong": "dvc",
        "thoi_gian_cap": "2025-03-01T08:30:00+07:00", "ngay_hen": "2025-03-08",
    }  # fmt: skip
    path = _qr_page(tmp_path, "PHIẾU TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", receipt)
    task = triage_file(path, Options()).tasks[0]
    assert find_separator(task, Options()) == Separator(DOSSIER, keeps_page=True)


def test_an_issued_result_with_a_dossier_qr_is_not_a_dossier_start(tmp_path: Path) -> None:
    result = {
        "ma_ho_so": DOSSIER, "ma_thu_tuc": "1.001234", "so_dinh_danh": "048203001234",
        "ten_giay_to": "Giấy xác nhận", "he_thong": "dvc",
        "thoi_gian_cap": "2025-03-08T10:00:00+07:00", "hieu_luc": "không thời hạn",
    }  # fmt: skip
    path = _qr_page(tmp_path, "GIẤY XÁC NHẬN", result)
    task = triage_file(path, Options()).tasks[0]
    assert find_separator(task, Options()) is None


def test_a_receipt_is_the_first_document_of_its_dossier() -> None:
    """A stack scanned as one file: a paper, a receipt, two more papers, then a plain separator."""
    other = "000.00.48.H17-250302-0007"
    separators = {
        (0, 1): Separator(DOSSIER, keeps_page=True),
        (0, 3): Separator(None, "cccd"),
        (1, 0): Separator(other),
    }
    planned = plan_documents([5, 2], separators)
    assert [(p.dossier_code, p.pages, p.doc_type_hint) for p in planned] == [
        (None, [(0, 0)], None),
        (DOSSIER, [(0, 1)], None),  # the receipt itself
        (DOSSIER, [(0, 2)], None),
        (DOSSIER, [(0, 4)], "cccd"),
        (other, [(1, 1)], None),
    ]
