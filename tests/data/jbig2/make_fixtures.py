"""Make the JBIG2 test PDFs in this folder (see README.md): synthetic bilevel pages with known text,
encoded by jbig2enc's `jbig2` program, wrapped as PDF image streams with pikepdf.

Run from the repository root: `python -m tests.data.jbig2.make_fixtures /path/to/jbig2`. The
encoder is needed only here, never by hoso or its tests (PDFium decodes JBIG2 itself); the PDFs
and `truth.json` it writes are committed, so the tests read exactly these bytes.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import pikepdf

from tests.synthetic import PageSpec, SyntheticPage, render_page

HERE = Path(__file__).resolve().parent
DPI = 200  # office scanners' usual bilevel resolution


@dataclass(frozen=True)
class Fixture:
    name: str
    symbol_mode: bool  # text regions + one shared JBIG2Globals dictionary (lossy) vs generic region
    pages: tuple[PageSpec, ...]
    display_rotate: tuple[int, ...] = ()  # /Rotate per page (0 when missing)


def page(seed: int, skew: float = 0.0, rotation: int = 0) -> PageSpec:
    return PageSpec(
        seed=seed, dpi=DPI, body_lines=4, bilevel=True, skew_deg=skew, rotation=rotation
    )


FIXTURES = (
    Fixture("generic-1page.pdf", symbol_mode=False, pages=(page(1601),)),
    # The second page is stored sideways and turned for display by /Rotate, as scanners do.
    Fixture(
        "generic-2pages-skewed.pdf",
        symbol_mode=False,
        pages=(page(1602), page(1603, skew=3.0, rotation=90)),
        display_rotate=(0, 90),
    ),
    Fixture(
        "symbol-globals-3pages.pdf",
        symbol_mode=True,
        pages=(page(1604), page(1605, skew=-2.0), page(1606, skew=1.5, rotation=270)),
    ),
)


def encode(jbig2: Path, pages: list[Path], symbol_mode: bool, work: Path) -> list[bytes]:
    """JBIG2 data per page (PDF form: no file header); the shared dictionary comes first in
    symbol mode."""
    if not symbol_mode:
        # Generic region, lossless; typical prediction (TPGD) on, as scanners use it.
        return [
            subprocess.run([str(jbig2), "-p", "-d", str(p)], check=True, capture_output=True).stdout
            for p in pages
        ]
    base = work / "out"
    subprocess.run(
        [str(jbig2), "-s", "-p", "-b", str(base), *map(str, pages)], check=True, capture_output=True
    )
    return [Path(f"{base}.sym").read_bytes()] + [
        Path(f"{base}.{n:04d}").read_bytes() for n in range(len(pages))
    ]


def add_image_page(pdf: pikepdf.Pdf, image: pikepdf.Stream, dpi: float, rotate: int = 0) -> None:
    """Append a page that is nothing but `image` drawn at `dpi`, as a scanner writes one."""
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    w_pt, h_pt = int(image.Width) * 72 / dpi, int(image.Height) * 72 / dpi
    content = f"q {w_pt:.4f} 0 0 {h_pt:.4f} 0 0 cm /Im0 Do Q".encode()
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=pikepdf.Array([0, 0, round(w_pt, 4), round(h_pt, 4)]),
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
        Contents=pikepdf.Stream(pdf, content),
    )
    if rotate:
        page.Rotate = rotate
    pdf.pages.append(pikepdf.Page(page))


def build_pdf(fixture: Fixture, rendered: list[SyntheticPage], streams: list[bytes]) -> bytes:
    pdf = pikepdf.new()
    parms: pikepdf.Dictionary | None = None
    if fixture.symbol_mode:
        globals_stream = pdf.make_indirect(pikepdf.Stream(pdf, streams.pop(0)))
        parms = pikepdf.Dictionary(JBIG2Globals=globals_stream)
    rotates = fixture.display_rotate or (0,) * len(rendered)
    for synthetic, data, rotate in zip(rendered, streams, rotates, strict=True):
        image = pikepdf.Stream(pdf, data)
        image.Width, image.Height = synthetic.image.size
        image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceGray, 1
        image.Filter = pikepdf.Name.JBIG2Decode
        if parms is not None:
            image.DecodeParms = parms
        add_image_page(pdf, image, DPI, rotate)
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


def main(jbig2: Path) -> None:
    truth: dict[str, list[dict[str, object]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for fixture in FIXTURES:
            rendered = [render_page(spec) for spec in fixture.pages]
            pngs = [s.save(work / f"{fixture.name}-{n}.png") for n, s in enumerate(rendered)]
            streams = encode(jbig2, pngs, fixture.symbol_mode, work)
            (HERE / fixture.name).write_bytes(build_pdf(fixture, rendered, streams))
            rotates = fixture.display_rotate or (0,) * len(rendered)
            truth[fixture.name] = [
                {"spec": asdict(s.spec), "rotate": rotate, "text": s.text}
                for s, rotate in zip(rendered, rotates, strict=True)
            ]
    (HERE / "truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
