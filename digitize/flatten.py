"""A PDF page as a viewer shows it, made ready to be drawn and read: its annotations that show
something (filled form fields, a visible signature's seal and "Ký bởi…", stamps) flattened into
a copy holding that page alone, its boxes put corner-first.

PDFium draws no form widget unless a form environment is set up, and pdfplumber reads page
content only: without this a signed e-copy lost its seal and a filled form its values. Triage
reads the same copy as the page step does (an appearance is page content once flattened), so
its analysis, under a deadline, covers what the page step will read.
"""

from __future__ import annotations

import io
import itertools
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf

_BOXES = ("/MediaBox", "/CropBox", "/TrimBox", "/BleedBox", "/ArtBox")


def _is_inverted(box: object) -> bool:
    if not isinstance(box, pikepdf.Array) or len(box) != 4:
        return False
    x0, y0, x1, y1 = (float(v) for v in box)
    return x0 > x1 or y0 > y1


# Annotations a viewer shows without being asked: a form's values and a visible signature
# (widgets), a stamp, free text, ink. Links and pop-ups draw nothing, and a note's icon is no
# part of the paper.
_UNSHOWN_ANNOTATIONS = frozenset({"/Link", "/Popup", "/Text"})
_HIDDEN_FLAGS = 0b100010  # Hidden (bit 2) and NoView (bit 6)


def _shown(page: pikepdf.Page) -> list[pikepdf.Dictionary]:
    """The annotations that draw something on the page, over its content: filled form fields,
    a visible signature's seal and "Ký bởi…" (a signed e-copy's mark of validity), stamps."""
    shown = []
    for annotation in page.obj.get("/Annots") or []:
        if not isinstance(annotation, pikepdf.Dictionary):
            continue
        if str(annotation.get("/Subtype")) in _UNSHOWN_ANNOTATIONS:
            continue
        if _flags(annotation) & _HIDDEN_FLAGS or not _has_area(annotation):
            continue  # an invisible signature has a box of no size
        if "/AP" in annotation or (field_type(annotation) == "/Tx" and _filled(annotation)):
            shown.append(annotation)
    return shown


def field_type(annotation: object) -> str:
    """A widget's field type ("/Tx", "/Sig", …), or "" for none: a field with widgets on
    several pages holds it and its value, and each widget names the field as its /Parent."""
    if not isinstance(annotation, pikepdf.Dictionary):
        return ""
    return str(_inherited(annotation, "/FT") or "")


def _inherited(annotation: pikepdf.Dictionary, key: str) -> pikepdf.Object | None:
    """`key` of the widget or of the nearest field above it that has it."""
    return next((node[key] for node in _field_chain(annotation) if key in node), None)


# How far up a widget's fields are followed, as PDFium does: a chain 3,000 fields deep, walked
# for each of thousands of widgets, took minutes (helper-80).
MAX_FIELD_DEPTH = 32
_NOT_FIELDS = frozenset({"/Page", "/Pages", "/Catalog"})


def _field_chain(annotation: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    """The annotation, then the field it is a widget of, then that field's parents, up to the
    form's top-level field, at most `MAX_FIELD_DEPTH`. A damaged form whose field is its own
    ancestor stops there, and so does one whose field is a page (it would be given the
    widget as a kid, and its copy would read the page as a page tree)."""
    chain = [annotation]
    climbed = {annotation.objgen}
    parent = annotation.get("/Parent")
    while (
        isinstance(parent, pikepdf.Dictionary)
        and parent.objgen not in climbed
        and str(parent.get("/Type", "")) not in _NOT_FIELDS
        and len(chain) < MAX_FIELD_DEPTH
    ):
        chain.append(parent)
        climbed.add(parent.objgen)  # a direct dictionary's (0, 0): it cannot recur anyway
        parent = parent.get("/Parent")
    return chain


def _filled(annotation: pikepdf.Dictionary) -> bool:
    """Whether a text field without an appearance holds a value to draw: an empty one draws
    nothing, and counted as shown it sent a typed page to OCR (helper-80)."""
    return bool(str(_inherited(annotation, "/V") or "").strip())


def _flags(annotation: pikepdf.Dictionary) -> int:
    try:
        return int(annotation.get("/F", 0))
    except (TypeError, ValueError):
        return 0


def _has_area(annotation: pikepdf.Dictionary) -> bool:
    rect = annotation.get("/Rect")
    if not isinstance(rect, pikepdf.Array) or len(rect) != 4:
        return False
    try:
        x0, y0, x1, y1 = (float(v) for v in rect)
    except (TypeError, ValueError):
        return False  # no box to show anything in
    return abs(x1 - x0) >= 1 and abs(y1 - y0) >= 1


def shows_annotations(page: pikepdf.Page) -> bool:
    return bool(_shown(page))


@dataclass(frozen=True)
class Prepared:
    """Copies of the PDF in memory, made to draw and read a page as a viewer shows it: `shown`
    with every annotation that shows flattened into the page; `read` the same without the
    appearances of its signatures, when it has some; and whether form fields without an
    appearance of their own remain for PDFium to draw."""

    shown: bytes
    read: bytes | None
    fields_to_draw: bool
    index: int = 0  # the page's place in the copies: they hold it alone


def prepared_copy(path: Path, index: int) -> Prepared | None:
    """Copies of the page, made when it must be changed to be drawn and read as a viewer
    shows it (the original is kept): its annotations that carry an appearance flattened into
    its content (PDFium leaves form widgets out unless a form environment is set up, and
    pdfplumber reads page content only), and its rectangles put corner-first (PDF rectangles
    may name any two opposite corners; PDFium draws nothing for an upside-down MediaBox). A
    field filled without an appearance (a web form filler's "NeedAppearances") is left for
    PDFium's form filler to draw: qpdf's own appearances write a Unicode font's codes wrongly
    (the values came back as "(cid:20071)…"). A visible signature is archived but not read:
    Vietnamese e-documents stamp "Ký bởi…" over the heading's motto, and read through the
    stamp the heading lost its document number. None when the page needs none of this."""
    with pikepdf.open(path) as pdf:
        page = pdf.pages[index]
        inverted = any(_is_inverted(page.obj.get(name)) for name in _BOXES)
        shown = _shown(page)
        if not inverted and not shown:
            return None
        signed = any(field_type(a) == "/Sig" for a in shown)
        to_draw = any("/AP" not in a for a in shown)
        try:
            _keep_only_fields_of(pdf, page)
            read = _page_alone(pdf, page, with_signatures=False) if signed else None
            return Prepared(_page_alone(pdf, page, with_signatures=True), read, to_draw)
        except (pikepdf.PdfError, ValueError, TypeError, AttributeError, RuntimeError) as exc:
            if inverted:
                raise  # the page itself cannot be drawn: a damaged input, as before
            raise AnnotationsDamagedError from exc


class AnnotationsDamagedError(Exception):
    """The page's annotations could not be flattened: it is drawn without them, and says so."""


def _copied_into(pdf: pikepdf.Pdf, value: Any) -> Any:
    """`value` of another PDF, made part of `pdf`. qpdf copies only indirect objects, and
    making a direct one indirect in its own file first costs a pass over that file's objects
    (70 ms in a 3,000-page file), so a direct dictionary or array is rebuilt around copies."""
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return pdf.copy_foreign(value)
    if isinstance(value, pikepdf.Dictionary):
        return pikepdf.Dictionary({key: _copied_into(pdf, item) for key, item in value.items()})
    if isinstance(value, pikepdf.Array):
        return pikepdf.Array([_copied_into(pdf, item) for item in value])
    return value


# What of the document's catalogue drawing one page needs: its form (a field without an
# appearance is drawn by PDFium's form filler from it) and its optional content (a layer
# switched off must stay unseen).
_CATALOGUE_FOR_DRAWING = ("/AcroForm", "/OCProperties")


def _keep_only_fields_of(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
    """The form cut down, in the opened (never saved) original, to the fields with a widget on
    `page` and, within each, to the branches that lead to them: a field with a widget on every
    page would otherwise bring every page's widget into each page's copy."""
    form = pdf.Root.get("/AcroForm")
    if not isinstance(form, pikepdf.Dictionary):
        return
    tops: dict[tuple[int, int], pikepdf.Dictionary] = {}
    kept: dict[tuple[int, int], tuple[pikepdf.Dictionary, dict[tuple[int, int], Any]]] = {}
    for annotation in page.obj.get("/Annots") or []:
        if not isinstance(annotation, pikepdf.Dictionary) or not field_type(annotation):
            continue
        chain = _field_chain(annotation)
        if not all(node.is_indirect for node in chain):
            continue  # kids are indirect in any form a viewer reads
        tops.setdefault(chain[-1].objgen, chain[-1])
        for kid, parent in itertools.pairwise(chain):
            kids = kept.setdefault(parent.objgen, (parent, {}))[1]
            kids.setdefault(kid.objgen, kid)
    for parent, kids in kept.values():
        parent.Kids = pikepdf.Array(list(kids.values()))
    form.Fields = pikepdf.Array(list(tops.values()))


def _page_alone(pdf: pikepdf.Pdf, page: pikepdf.Page, with_signatures: bool) -> bytes:
    """The page alone in a new PDF, its annotations flattened. qpdf copies a page without
    crossing into other pages (a link to one becomes null), so the copy costs what the page
    holds: deleting the other pages from the whole document cost 60-90 µs a page, about 0.5 s
    for each page of a 3,000-page file with a stamp on every page (a helper's file)."""
    with pikepdf.new() as alone, warnings.catch_warnings():
        # widgets not reachable from the copy's form (an invisible signature's, a form cut
        # down): the copy is for drawing and reading, and pikepdf's note is no news to anyone
        warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
        alone.pages.append(page)
        for name in _CATALOGUE_FOR_DRAWING:
            part = pdf.Root.get(name)
            if isinstance(part, pikepdf.Dictionary):
                alone.Root[name] = _copied_into(alone, part)
        copied = alone.pages[0]
        for name in _BOXES:
            if _is_inverted(copied.obj.get(name)):
                x0, y0, x1, y1 = (float(v) for v in copied.obj[name])
                copied.obj[name] = pikepdf.Array(
                    [min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)]
                )
        if not with_signatures and "/Annots" in copied.obj:
            copied.obj.Annots = pikepdf.Array(
                a for a in copied.obj.Annots if field_type(a) != "/Sig"
            )
        alone.flatten_annotations(mode="screen")
        buffer = io.BytesIO()
        alone.save(buffer)
        return buffer.getvalue()
