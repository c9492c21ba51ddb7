"""Plain data passed between pipeline steps. Everything here is picklable: pages cross process
boundaries in the page pool, so no open files, engines or PDF handles live in these objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from hoso.digitize.fields.extract import DocumentFields

LEGAL_MINIMUM_DPI = 200
"""Decree 30/2020 App. I: an e-copy of a paper is colour, at least 200 dpi, 100 % scale."""


def below_legal_minimum(dpi: float) -> bool:
    """A 200-dpi scan computes as 199.7 dpi when the page size is rounded to points; 2 % slack."""
    return dpi < LEGAL_MINIMUM_DPI * 0.98


class TextSource(StrEnum):
    OCR = "ocr"
    BORN_DIGITAL = "born_digital"


class PageKind(StrEnum):
    """How a page is turned into pixels: a raster file frame, a scanned PDF page whose image we
    extract at native resolution, or a PDF page we must render (vector or born-digital)."""

    IMAGE_FRAME = "image_frame"
    PDF_IMAGE = "pdf_image"
    PDF_RENDER = "pdf_render"


@dataclass(frozen=True)
class PageTask:
    """One page to process: where it comes from and what the orchestrator already knows of it."""

    number: int
    path: Path
    kind: PageKind
    index: int  # frame index in an image file, or page index in a PDF
    born_digital: bool = False  # the PDF page already has usable text: no OCR
    pixels: int = 0  # triage's estimate from headers (what the pool starts first); 0: unknown
    notes: tuple[str, ...] = ()  # warnings triage found for this page (a file cut short after it)
    drawn_only: bool = False  # too many drawing operations to analyse: PDFium draws it, OCR reads


@dataclass(frozen=True)
class Options:
    """What the caller chose. Frozen and picklable: it is handed to every page worker."""

    lang: str = "vie"
    engine: str = "tesserocr"
    model: str = "best_int"
    jobs: int = 0  # 0 = one worker per CPU core
    max_page_pixels: int = 100_000_000  # beyond this a page is refused as a decompression bomb
    render_dpi: int = 300  # for PDF pages that must be rendered (vector art, born-digital)


@dataclass(frozen=True)
class Word:
    """A recognised word in pixels of the upright archival image (origin top left)."""

    text: str
    left: int
    top: int
    right: int
    bottom: int
    confidence: float  # 0.0 - 1.0
    line: int  # words with the same line number form one line of text, in reading order
    # How far the word's text is turned counter-clockwise on the upright page (0/90/180/270):
    # a born-digital page's text at right angles to the rest (a code up the margin).
    turn: int = 0


@dataclass(frozen=True)
class PerspectiveCorrection:
    """A phone photo's page outline: the corners (TL, TR, BR, BL, source pixels) it was
    flattened from, or None when the page was not warped (a flat scan, or an outline not found:
    then the page's warnings say so)."""

    corners: tuple[tuple[float, float], ...] | None = None

    @property
    def corrected(self) -> bool:
        return self.corners is not None

    def as_json(self) -> dict[str, object]:
        corners = [list(c) for c in self.corners] if self.corners is not None else None
        return {"corrected": self.corrected, "corners": corners}


@dataclass(frozen=True)
class ImagePlacement:
    """How the archival image is laid on its page when the page was turned or straightened: the
    image as received (its own JPEG, never decoded and saved again) and the affine map from its
    pixels to the page's (x right, y down: page_x = a*x + c*y + e, page_y = b*x + d*y + f).
    The PDF draws it so; a viewer shows the page straight, as if the pixels had been rotated,
    without a second generation of JPEG loss or the bytes a re-encoding adds. `background` (the
    paper colour) fills the corners the turned image leaves uncovered."""

    width: int
    height: int
    matrix: tuple[float, float, float, float, float, float]
    background: tuple[int, ...]

    @classmethod
    def laid_by(
        cls, affine: NDArray[np.float64], width: int, height: int, background: tuple[int, ...]
    ) -> ImagePlacement:
        """From a 3×3 affine map (received pixels -> page pixels)."""
        a, c, e, b, d, f = (float(v) for v in affine[:2].flatten())
        return cls(width, height, (a, b, c, d, e, f), background)

    @property
    def affine(self) -> NDArray[np.float64]:
        """The map as a 3×3 matrix, for composing with others."""
        import numpy as np  # here, not at import: the command line starts without numpy

        a, b, c, d, e, f = self.matrix
        return np.array([[a, c, e], [b, d, f], [0.0, 0.0, 1.0]])


@dataclass
class PageResult:
    """What one page produced: the archival image ready for PDF embedding (upright, or laid
    upright by `placement`), plus text. `width_px`/`height_px` are the upright page's."""

    number: int
    rotation: int  # how far the received page is turned counter-clockwise from upright
    rotation_confidence: float
    skew_deg: (
        float  # residual skew of the received page; positive = content turned counter-clockwise
    )
    skew_confidence: float
    dpi: float
    dpi_source: str  # "metadata" | "paper_size" | "estimated" | "pdf" | "assumed"
    text_source: TextSource
    mean_confidence: float
    text: str
    width_px: int
    height_px: int
    image_bytes: bytes  # encoded archival image (JPEG, CCITT G4 or Flate)
    image_codec: str  # "jpeg" | "ccitt_g4" | "flate"
    image_mode: str  # "RGB" | "L" | "1"
    words: list[Word] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # decoded QR/barcodes
    perspective: PerspectiveCorrection = field(default_factory=PerspectiveCorrection)
    placement: ImagePlacement | None = None  # None: the image is the upright page itself
    # The image is the source file's own JPEG, byte for byte: stored as it came, so it can be
    # lifted out of the PDF and matched against the original (never deflated once more).
    image_as_received: bool = False
    # Pictures on a born-digital page whose text was read by OCR (a pasted copy of an ID card)
    pictures_read: int = 0

    @property
    def below_legal_minimum(self) -> bool:
        return below_legal_minimum(self.dpi)


@dataclass
class DocumentResult:
    sha256: str
    inputs: list[tuple[str, str]]  # (file name, sha256) in page order
    pages: list[PageResult]
    source_signed: bool = False
    warnings: list[str] = field(default_factory=list)
    fields: DocumentFields | None = None
