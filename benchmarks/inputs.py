"""Benchmark input sets: synthetic pages per degradation level (with ground truth, known skew and
rotation, and a straight copy for the raw-Tesseract floor), and real scans from the corpus."""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import pikepdf
from PIL import Image

from tests.synthetic import PageSpec, at_level, render_page

# Most papers reach the scanner the right way up; some upside down or sideways.
ROTATION_MIX = [0, 0, 180, 0, 90, 0, 0, 270]

CORPUS_WITH_TRUTH = {
    "vn-congvan-1906-p1.jpg": "vn-congvan-1906-p1.gt.txt",
    "vn-congvan-1906-p1-dark.jpg": "vn-congvan-1906-p1.gt.txt",
    "vn-congvan-1906-p1-rot1ccw.jpg": "vn-congvan-1906-p1.gt.txt",
    "phototest.tif": "phototest.gt.txt",
    "phototest-rotated-180.png": "phototest.gt.txt",
    "eurotext.tif": "eurotext.gt.txt",
}
CORPUS_TIMING_ONLY = [
    "vn-danang-2019-congvan-kodak-bilevel.pdf",
    "vn-danang-2023-signed-copy.pdf",
    "pport_g4.tif",
    "c02-22.pdf",
]


@dataclass
class BenchPage:
    source: Path  # the file as a desk would receive it (skewed, turned, degraded)
    straight: Path | None  # the same page upright and unskewed (for raw Tesseract)
    truth: str | None
    skew_deg: float | None
    rotation: int | None


@dataclass
class InputSet:
    name: str
    pages: list[BenchPage]
    document: Path  # all pages as one PDF (the same bytes for every contender)
    notes: list[str] = field(default_factory=list)


def synthetic_sets(folder: Path, levels: list[str], pages_per_level: int) -> list[InputSet]:
    sets = []
    for level in levels:
        rng = random.Random(f"bench-{level}")
        pages = []
        for i in range(pages_per_level):
            spec = at_level(
                PageSpec(
                    seed=1000 + i,
                    # Flatbed and feeder scans are within a few degrees; phone photos add a
                    # tail. (Uniform ±10° made Tesseract's own layout analysis, which
                    # OCRmyPDF's --deskew relies on, return empty pages for half the set.)
                    skew_deg=round(max(-15.0, min(15.0, rng.gauss(0.0, 3.0))), 2),
                    rotation=ROTATION_MIX[i % len(ROTATION_MIX)],
                    body_lines=14,
                ),
                level,
            )
            suffix = "png" if spec.bilevel else "jpg"
            received = render_page(spec)
            straight = render_page(replace(spec, skew_deg=0.0, rotation=0))
            pages.append(
                BenchPage(
                    source=received.save(folder / f"{level}-{i:02d}.{suffix}"),
                    straight=straight.save(folder / f"{level}-{i:02d}-straight.{suffix}"),
                    truth=received.text,
                    skew_deg=spec.skew_deg,
                    rotation=spec.rotation,
                )
            )
        document = folder / f"{level}.pdf"
        images_to_pdf([p.source for p in pages], document)
        sets.append(InputSet(name=f"synthetic-{level}", pages=pages, document=document))
    return sets


def corpus_set(corpus: Path, folder: Path) -> InputSet | None:
    if not (corpus / "MANIFEST.tsv").is_file():
        return None
    pages = [
        BenchPage(
            source=corpus / name,
            straight=None,
            truth=(corpus / truth).read_text(encoding="utf-8"),
            skew_deg=None,
            rotation=None,
        )
        for name, truth in CORPUS_WITH_TRUTH.items()
    ]
    document = folder / "corpus-with-truth.pdf"
    images_to_pdf([p.source for p in pages], document)
    return InputSet(
        name="real-scans",
        pages=pages,
        document=document,
        notes=[
            "ground truth is per paragraph for the vn-congvan letter: CER includes reading order"
        ],
    )


def images_to_pdf(images: list[Path], output: Path) -> None:
    """Wrap images losslessly as the pages of one PDF: JPEG bytes go in unchanged (DCT), other
    images as Flate-compressed pixels; each page sized by the image's own resolution (300 dpi
    when it has none), so every contender receives exactly the same pixels."""
    pdf = pikepdf.new()
    for path in images:
        with Image.open(path) as image:
            dpi = float(image.info.get("dpi", (300.0, 300.0))[0]) or 300.0
            width, height = image.size
            if image.format == "JPEG" and image.mode in ("RGB", "L"):
                data, filter_, mode, bits = path.read_bytes(), pikepdf.Name.DCTDecode, image.mode, 8
            else:
                converted = image.convert("1" if image.mode == "1" else "RGB")
                mode, bits = converted.mode, 1 if converted.mode == "1" else 8
                raw = converted.tobytes()
                data, filter_ = zlib.compress(raw), pikepdf.Name.FlateDecode
        stream = pikepdf.Stream(pdf, data)
        stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        stream.Width, stream.Height, stream.BitsPerComponent = width, height, bits
        stream.ColorSpace = pikepdf.Name.DeviceRGB if mode == "RGB" else pikepdf.Name.DeviceGray
        stream.Filter = filter_
        w_pt, h_pt = width * 72.0 / dpi, height * 72.0 / dpi
        content = f"q {w_pt:.3f} 0 0 {h_pt:.3f} 0 0 cm /Im0 Do Q".encode()
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, w_pt, h_pt],
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=stream)),
            Contents=pikepdf.Stream(pdf, content),
        )
        pdf.pages.append(pikepdf.Page(page))
    pdf.save(output)
