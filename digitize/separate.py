"""Splitting a station's stack of papers into dossiers and documents by separator sheets.

A desk scans a whole stack at once, with a separator sheet in front of each dossier carrying its
receipt code (mã hồ sơ, e.g. ``000.00.48.H17-250301-0042``) as a QR code or barcode; a sheet
reading ``HOSO:DOC`` (or ``HOSO:DOC:<type>``) starts the next document of the same dossier.
Without any separator in a batch, each uploaded file is one document.

Many real papers carry codes too (chip-ID cards, receipts, issued results), so a sheet counts
as a separator only if it is nearly blank apart from its code: the letters printed around the
code (a title, the code in words) stay under `MAX_SEPARATOR_GLYPHS`. Separator pages are kept in
the originals but belong to no document.

A receipt (phiếu tiếp nhận và hẹn trả kết quả) printed by the one-stop system also starts its
dossier, and is kept as the dossier's first document: its top-left QR code carries the dossier
code with the other minimum fields as JSON (`ma_ho_so`, …, `ngay_hen` — the appointment date
that only receipts carry; issued results carry `hieu_luc` instead and stay ordinary documents).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field

import numpy as np

from hoso.digitize.codes import Code, find_codes
from hoso.digitize.fields.identifiers import dossier_code_problems
from hoso.digitize.fields.textutil import fold_keep_digits
from hoso.digitize.ink import Glyphs, Pixels, find_glyphs
from hoso.digitize.models import Options, PageTask
from hoso.digitize.rasterize import rasterize
from hoso.errors import HosoError

DOCUMENT_SEPARATOR = "HOSO:DOC"
MAX_SEPARATOR_GLYPHS = 250  # a title and the code in words; a real paper has thousands
RECEIPT_TITLE = "tiep nhan"  # folded "tiếp nhận", in a receipt's title
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Separator:
    dossier_code: str | None  # a dossier separator names its dossier; a document one does not
    doc_type: str | None = None
    keeps_page: bool = False  # a receipt: starts its dossier and is its first document


@dataclass
class PlannedDocument:
    dossier_code: str | None
    pages: list[tuple[int, int]] = field(default_factory=list)  # (file position, page index)
    doc_type_hint: str | None = None


def separator_in(codes: list[Code], glyphs: Glyphs) -> Separator | None:
    """The separator a page is, from its codes and the letters outside them, or None."""
    for code in codes:
        receipt = _receipt_dossier_code(code.text.strip())
        if receipt is not None:
            return Separator(receipt, keeps_page=True)
        separator = _separator_payload(code.text.strip())
        if separator is None:
            continue
        if _glyphs_outside(glyphs, code.box) <= MAX_SEPARATOR_GLYPHS:
            return separator
    return None


def find_separator(task: PageTask, options: Options) -> Separator | None:
    """Rasterize one page and tell whether it is a separator sheet (no OCR: codes and ink)."""
    pixels: Pixels = rasterize(task, options).pixels
    codes = find_codes(pixels)
    if not codes:
        return None
    return separator_in(codes, find_glyphs(pixels))


@dataclass(frozen=True)
class SeparatorCheckFailed:
    """A page that could not be checked for a separator, told as data: the check runs in a page
    process, and the planner decides what the page's file becomes (a document of its own that
    fails with this reason)."""

    message: str
    code: str | None  # the error's stable code; None: a bug, logged in full where it happened


def check_separator(job: tuple[PageTask, Options]) -> Separator | SeparatorCheckFailed | None:
    """`find_separator` for a batch's planner, run in a page process: a page's failure is an
    outcome for the planner to weigh, not an error that would end the batch's whole plan."""
    task, options = job
    try:
        return find_separator(task, options)
    except HosoError as error:
        return SeparatorCheckFailed(error.message, error.code)
    except Exception:  # a bug: its traceback is for whoever mends it
        log.warning("page %s of %r: separator check failed", task.number, task.path.name,
                    exc_info=True)  # fmt: skip
        return SeparatorCheckFailed("the page could not be checked for a separator sheet", None)


def plan_documents(
    pages_per_file: list[int], separators: dict[tuple[int, int], Separator]
) -> list[PlannedDocument]:
    """Group the pages of a batch (files in upload order) into documents. A document ends at a
    separator sheet or at the end of its file; a dossier separator names the dossier of the
    documents after it, up to the next one. So a stack scanned as one PDF is split by its
    sheets, and files scanned one paper each stay one document each, grouped into dossiers."""
    planned: list[PlannedDocument] = []
    dossier: str | None = None
    for position, count in enumerate(pages_per_file):
        current = PlannedDocument(dossier)
        for index in range(count):
            separator = separators.get((position, index))
            if separator is None:
                current.pages.append((position, index))
                continue
            if current.pages:
                planned.append(current)
            dossier = separator.dossier_code or dossier
            if separator.keeps_page:  # a receipt is a document of its own, the dossier's first
                planned.append(PlannedDocument(dossier, [(position, index)], separator.doc_type))
                current = PlannedDocument(dossier)
            else:
                current = PlannedDocument(dossier, doc_type_hint=separator.doc_type)
        if current.pages:
            planned.append(current)
    return planned


# A document separator's type hint: a short word ("cccd", "don_de_nghi"). Anything else still
# separates, without a hint: a 70-character hint had failed its whole batch's planning on
# PostgreSQL (the column holds 40), silently, the other files with it (a reviewing helper's).
_TYPE_HINT = re.compile(r"[a-z0-9][a-z0-9_.-]{0,39}")


def _separator_payload(text: str) -> Separator | None:
    if text.upper().startswith(DOCUMENT_SEPARATOR):
        rest = text[len(DOCUMENT_SEPARATOR) :].lstrip(":").strip().lower()
        return Separator(None, rest if _TYPE_HINT.fullmatch(rest) else None)
    if not dossier_code_problems(text):
        return Separator(text)
    return None


def _receipt_dossier_code(text: str) -> str | None:
    """The dossier code of a receipt's QR payload (JSON with `ma_ho_so`, and an appointment date
    or a receipt title; not an issued result), or None."""
    if not text.startswith("{"):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    code = data.get("ma_ho_so")
    if not isinstance(code, str) or dossier_code_problems(code) or "hieu_luc" in data:
        return None
    title = data.get("ten_giay_to")
    titled = isinstance(title, str) and RECEIPT_TITLE in fold_keep_digits(title)
    return code if "ngay_hen" in data or titled else None


def _glyphs_outside(glyphs: Glyphs, box: tuple[int, int, int, int]) -> int:
    if glyphs.count == 0:
        return 0
    left, top, right, bottom = (v * glyphs.scale for v in box)
    margin = 0.1 * max(right - left, bottom - top)
    x, y = glyphs.centers[:, 0], glyphs.centers[:, 1]
    inside = (
        (x >= left - margin) & (x <= right + margin) & (y >= top - margin) & (y <= bottom + margin)
    )
    return int(np.count_nonzero(~inside))
