"""Text a born-digital PDF carries but its page does not show (an attacking helper's files): a
layer of optional content that is off, a number "redacted" by drawing a black box over it,
words in the paper's colour. They were indexed, filled fields (the blacked-out ID number came
back with confidence 0.9) and went into the archived copy's invisible text, undoing the
redaction. They are left out, and the page says how many."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pikepdf
import pytest

from hoso.digitize.models import DocumentResult, Options
from hoso.digitize.page_warnings import HIDDEN_TEXT
from hoso.digitize.pipeline import digitize, write_outputs
from tests.typed_pdf import helvetica_page, lines_at

Name = pikepdf.Name
SHOWN = [
    "DON DE NGHI CAP GIAY CHUNG NHAN",
    "Ho va ten: Nguyen Thi Huong",
    "Ngay sinh: 12/05/1987",
]
ID_LINE = "So dinh danh ca nhan: 079187001234"


def _page(path: Path, content: str, ocg: bool = False) -> Path:
    """One A4 page: the SHOWN lines in black Helvetica, then `content` (more operators)."""

    def layer_off(pdf: pikepdf.Pdf, resources: pikepdf.Dictionary) -> None:
        layer = pdf.make_indirect(pikepdf.Dictionary(Type=Name.OCG, Name=pikepdf.String("Note")))
        pdf.Root.OCProperties = pikepdf.Dictionary(
            OCGs=pikepdf.Array([layer]), D=pikepdf.Dictionary(OFF=pikepdf.Array([layer]))
        )
        resources.Properties = pikepdf.Dictionary(L0=layer)

    drawn = f"BT /Helv 13 Tf {lines_at(SHOWN)} ET {content}"
    return helvetica_page(path, drawn, layer_off if ocg else None)


def _id_at(y: int, colour: str = "0 g") -> str:
    return f"BT {colour} /Helv 13 Tf 1 0 0 1 60 {y} Tm ({ID_LINE}) Tj ET"


def _read(path: Path) -> DocumentResult:
    return digitize([path], Options(jobs=1))


@pytest.mark.parametrize(
    ("hidden_as", "content", "ocg"),
    [
        ("a layer that is off", f"/OC /L0 BDC {_id_at(600)} EMC", True),
        ("blacked out", f"{_id_at(700)} 0 g 15 675 345 55 re f", False),
        ("white on white", _id_at(600, "1 g"), False),
    ],
)
def test_text_the_page_does_not_show_is_left_out_and_said(
    tmp_path: Path, hidden_as: str, content: str, ocg: bool
) -> None:
    document = _read(_page(tmp_path / "form.pdf", content, ocg))
    (page,) = document.pages
    assert page.text.splitlines() == SHOWN, hidden_as
    assert "079187001234" not in page.text
    assert document.fields is not None and "id_number" not in document.fields.fields
    assert HIDDEN_TEXT.format(words=6) in page.warnings
    write_outputs(document, tmp_path / "out.pdf", None, title="form")
    with pdfplumber.open(tmp_path / "out.pdf") as archived:  # nor in the archived copy's text
        assert "079187001234" not in (archived.pages[0].extract_text() or "")


@pytest.mark.parametrize(
    "shown_as",
    [
        "0.8 g",  # light grey print
        "0 0 0.6 rg",  # blue ink
        "1 0 0 rg",  # red print on the yellow box: as light as it in grey
        "6 Tc",  # letter-spaced: pdfplumber's boxes drift from the glyphs PDFium draws
    ],
)
def test_text_the_page_shows_faintly_or_highlighted_is_kept(tmp_path: Path, shown_as: str) -> None:
    highlight = "1 1 0 rg 55 692 300 20 re f"  # a yellow box drawn under the line
    content = f"{highlight} {_id_at(700, shown_as)}"
    if "Tc" in shown_as:  # a word a time, as a letter-spaced heading is drawn
        words = " ".join(f"({word} ) Tj" for word in ID_LINE.split())
        content = f"BT {shown_as} /Helv 13 Tf 1 0 0 1 60 700 Tm {words} ET"
    (page,) = _read(_page(tmp_path / "form.pdf", content)).pages
    assert "079187001234" in page.text.replace(" ", "")
    assert not any("not shown on the page" in warning for warning in page.warnings)
