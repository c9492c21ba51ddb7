"""Typed (born-digital) test PDFs: one A4 page of Helvetica text drawn by a content stream."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pikepdf

Name = pikepdf.Name


def lines_at(lines: list[str], top: int = 780, step: int = 24, left: int = 60) -> str:
    """Text operators drawing `lines` one under another (inside BT … ET, font already set)."""
    return " ".join(
        f"1 0 0 1 {left} {top - step * n} Tm ({line}) Tj" for n, line in enumerate(lines)
    )


def helvetica_page(
    path: Path,
    content: str,
    prepare: Callable[[pikepdf.Pdf, pikepdf.Dictionary], None] | None = None,
) -> Path:
    """One A4 page drawing `content` with Helvetica as /Helv. `prepare` may add to the document
    and the page's resources before the page is made (an optional-content layer)."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica,
                           Encoding=Name.WinAnsiEncoding)
    )  # fmt: skip
    resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(Helv=font))
    if prepare is not None:
        prepare(pdf, resources)
    page = pikepdf.Dictionary(
        Type=Name.Page, MediaBox=pikepdf.Array([0, 0, 595, 842]), Resources=resources,
        Contents=pikepdf.Stream(pdf, content.encode()),
    )  # fmt: skip
    pdf.pages.append(pikepdf.Page(page))
    pdf.save(path)
    return path
