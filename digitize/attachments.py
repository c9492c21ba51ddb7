"""Files a PDF carries besides its pages: attachments (the document's EmbeddedFiles, a page's
file-attachment annotations) and the documents of a portfolio. They are not pages and are not
digitized, but a clerk must not believe they were: the page they come with says so, naming
them. The original, attachments included, is archived unchanged."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pikepdf

from hoso.digitize.page_warnings import ATTACHMENTS_NOT_READ

NAMES_SHOWN = 3  # the warning names this many and counts the rest
NAME_CHARACTERS = 60  # a name is cut to this many characters (a hostile PDF names at will)


def attachments_warning(path: Path, index: int) -> str | None:
    """The warning for the files attached to page `index` of the PDF at `path` (the
    document's own attachments count on its first page), or None where there are none."""
    with pikepdf.open(path) as pdf:
        names = list(pdf.attachments) if index == 0 else []
        names += _annotated_files(pdf.pages[index])
    if not names:
        return None
    shown = ", ".join(_printable(name) for name in names[:NAMES_SHOWN])
    return ATTACHMENTS_NOT_READ.format(
        count=len(names), names=shown + (", …" if len(names) > NAMES_SHOWN else "")
    )


def _annotated_files(page: pikepdf.Page) -> list[str]:
    """Names of the files a page's file-attachment annotations (paper-clip icons) hold."""
    found = []
    for annotation in page.obj.get("/Annots", pikepdf.Array()):
        if not isinstance(annotation, pikepdf.Dictionary):
            continue
        if annotation.get("/Subtype") != pikepdf.Name.FileAttachment:
            continue
        spec = annotation.get("/FS")
        name = None
        if isinstance(spec, pikepdf.Dictionary):
            name = spec.get("/UF", spec.get("/F"))
        elif isinstance(spec, pikepdf.String):
            name = spec
        found.append(str(name) if name is not None else "(unnamed)")
    return found


def _printable(name: str) -> str:
    """The name without control or format characters, cut to NAME_CHARACTERS."""
    kept = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    if len(kept) > NAME_CHARACTERS:
        kept = kept[: NAME_CHARACTERS - 1] + "…"
    return kept or "(unnamed)"
