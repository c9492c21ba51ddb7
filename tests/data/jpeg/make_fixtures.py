"""Make the arithmetic-coded JPEG test file in this folder (see README.md): a synthetic page with
known text, saved as a JPEG by Pillow, then re-coded losslessly with arithmetic coding by
libjpeg-turbo's `jpegtran -arithmetic` (Pillow cannot write it, nor read it).

Run from the repository root: `python -m tests.data.jpeg.make_fixtures`. `jpegtran` is needed
only here (Debian: libjpeg-turbo-progs); the file it writes is committed with its text.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from tests.synthetic import PageSpec, render_page

HERE = Path(__file__).resolve().parent
SPEC = PageSpec(seed=4417, dpi=150, body_lines=3)


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


if __name__ == "__main__":
    main()
