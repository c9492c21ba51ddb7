"""Write the bundled sample dossier (samples/) from the synthetic generator."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.synthetic import PageSpec, render_page


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pages = [
        PageSpec(
            seed=11,
            dpi=200,
            skew_deg=-3.5,
            rotation=180,
            stamp=True,
            body_lines=10,
            jpeg_quality=75,
        ),
        PageSpec(
            seed=12, dpi=200, skew_deg=1.2, rotation=90, noise=6.0, body_lines=10, jpeg_quality=75
        ),
    ]
    for number, spec in enumerate(pages, start=1):
        render_page(spec).save(folder / f"dossier-page{number}.jpg")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "samples"))
