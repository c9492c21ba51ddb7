"""Files a PDF carries besides its pages (an attacking helper's finding: a cover page saying
"xem tệp đính kèm" with a scan attached was digitized as its one page, exit 0, no word of the
scan). They are not digitized; the page they come with names them in its warnings."""

from __future__ import annotations

from pathlib import Path

import pikepdf
from pikepdf import AttachedFileSpec

from hoso.digitize.models import DocumentResult, Options
from hoso.digitize.page_warnings import ATTACHMENTS_NOT_READ
from hoso.digitize.pipeline import digitize


def _typed_pages(pdf: pikepdf.Pdf, lines: list[str]) -> None:
    """One born-digital A5 page per line (Helvetica: read from the text layer, no OCR)."""
    font = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                              BaseFont=pikepdf.Name.Helvetica)  # fmt: skip
    for line in lines:
        content = f"BT /F1 14 Tf 60 500 Td ({line}) Tj ET".encode()
        pdf.pages.append(
            pikepdf.Page(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Page,
                    MediaBox=pikepdf.Array([0, 0, 420, 595]),
                    Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
                    Contents=pikepdf.Stream(pdf, content),
                )
            )
        )


def _read(path: Path) -> DocumentResult:
    return digitize([path], Options(jobs=1))


def test_the_documents_attachments_are_named_on_its_first_page(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    _typed_pages(pdf, ["Xem tep dinh kem: ban sao giay khai sinh", "Trang hai"])
    pdf.attachments["giấy khai sinh.pdf"] = AttachedFileSpec(pdf, b"%PDF-1.4 scan")
    pdf.attachments["ảnh CCCD.png"] = AttachedFileSpec(pdf, b"\x89PNG")
    pdf.save(tmp_path / "cover.pdf")
    document = _read(tmp_path / "cover.pdf")
    first, second = document.pages
    assert "Xem tep dinh kem" in first.text  # the pages are read as before
    (warning,) = [w for w in first.warnings if "attached" in w]
    assert warning.startswith("the PDF carries 2 attached file(s)")
    assert "giấy khai sinh.pdf" in warning and "ảnh CCCD.png" in warning
    assert not any("attached" in w for w in second.warnings)
    assert any(w.startswith("page 1: the PDF carries 2 attached") for w in document.warnings)


def test_a_file_attached_to_a_page_is_named_on_that_page(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    _typed_pages(pdf, ["Trang mot", "Trang hai"])
    spec = AttachedFileSpec(pdf, b"a,b\n1,2\n", filename="bảng kê.csv").obj
    pdf.pages[1].obj.Annots = pdf.make_indirect(
        pikepdf.Array(
            [
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Annot,
                    Subtype=pikepdf.Name.FileAttachment,
                    Rect=pikepdf.Array([10, 10, 30, 30]),
                    FS=spec,
                )
            ]
        )
    )
    pdf.save(tmp_path / "clip.pdf")
    first, second = _read(tmp_path / "clip.pdf").pages
    assert not any("attached" in w for w in first.warnings)
    assert ATTACHMENTS_NOT_READ.format(count=1, names="bảng kê.csv") in second.warnings


def test_a_portfolios_documents_are_counted_and_their_hostile_names_tamed(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    _typed_pages(pdf, ["Portfolio"])
    pdf.Root.Collection = pikepdf.Dictionary(View=pikepdf.Name.D)
    names = ["a\x1b[31m.pdf", "\u202egpj.exe", "x" * 200, "d.pdf", "e.pdf"]
    for name in names:
        pdf.attachments[name] = AttachedFileSpec(pdf, b"data", filename=name)
    pdf.save(tmp_path / "portfolio.pdf")
    (page,) = _read(tmp_path / "portfolio.pdf").pages
    (warning,) = [w for w in page.warnings if "attached" in w]
    assert warning.startswith("the PDF carries 5 attached file(s)")
    assert "\x1b" not in warning and "\u202e" not in warning  # no terminal or bidi tricks
    assert "x" * 60 not in warning  # a long name is cut
    assert ", …;" in warning  # three named, the rest counted


def test_a_pdf_without_attachments_says_nothing_of_them(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    _typed_pages(pdf, ["Trang mot"])
    pdf.save(tmp_path / "plain.pdf")
    (page,) = _read(tmp_path / "plain.pdf").pages
    assert not any("attached" in w for w in page.warnings)
