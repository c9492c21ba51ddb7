"""Make the JPEG test files in this folder (see README.md) from synthetic pages with known text:
`arithmetic.jpg`, a Pillow JPEG re-coded with arithmetic coding by libjpeg-turbo's `jpegtran
-arithmetic` (Pillow can neither write nor read it), and `lossless.jpg`, a lossless (SOF3) JPEG
written by `imagecodecs.ljpeg_encode` (PDF's DCTDecode is not defined for it).

Run from the repository root: `python -m tests.data.jpeg.make_fixtures`. `jpegtran` (Debian:
libjpeg-turbo-progs) and `imagecodecs` (PyPI) are needed only here; the files are committed
with their texts.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from tests.synthetic import PageSpec, render_page

HERE = Path(__file__).resolve().parent
SPEC = PageSpec(seed=4417, dpi=150, body_lines=3)
LOSSLESS = PageSpec(seed=4418, dpi=150, body_lines=2)


def main() -> None:
    page = render_page(SPEC)
    with tempfile.TemporaryDirectory() as work:
        huffman = Path(work) / "page.jpg"
        page.image.convert("L").save(huffman, quality=70, dpi=(SPEC.dpi, SPEC.dpi))
        subprocess.run(
            ["jpegtran", "-arithmetic", "-copy", "all", "-outfile", str(HERE / "arithmetic.jpg"),
             str(huffman)],
            check=True,
        )  # fmt: skip
    (HERE / "arithmetic.txt").write_text(page.text, encoding="utf-8")
    _lossless()


def _lossless() -> None:
    import imagecodecs  # type: ignore[import-not-found]  # only to make the file
    import numpy as np

    page = render_page(LOSSLESS)
    grey = np.asarray(page.image.convert("L"), dtype=np.uint8)
    top = grey[: grey.shape[0] // 4]  # the heading: a small file, text enough to read
    (HERE / "lossless.jpg").write_bytes(imagecodecs.ljpeg_encode(top, bitspersample=8))


if __name__ == "__main__":
    main()
