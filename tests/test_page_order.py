"""Issue 18, scale: a page pool starts the pages with the most pixels first, so one big page of a
document does not run alone at the end while the other workers idle. Sizes come from the files'
headers, as triage read them (images, TIFF frames, scanned and vector PDF pages)."""

from __future__ import annotations

from pathlib import Path

import pikepdf
from PIL import Image

from hoso.digitize.models import Options
from hoso.digitize.pipeline import PageRunner, largest_first
from hoso.digitize.triage import triage


def blank(path: Path, width: int, height: int) -> Path:
    Image.new("L", (width, height), 255).save(path, dpi=(200, 200))
    return path


def tiff(path: Path, sizes: list[tuple[int, int]]) -> Path:
    frames = [Image.new("L", size, 255) for size in sizes]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(200, 200))
    return path


def vector_pdf(path: Path, boxes: list[tuple[float, float]]) -> Path:
    """Pages without an image: rendered at `render_dpi`."""
    pdf = pikepdf.new()
    for width, height in boxes:
        pdf.add_blank_page(page_size=(width, height))
    pdf.save(path)
    return path


def test_the_pool_gets_the_biggest_pages_first_whatever_their_place(tmp_path: Path) -> None:
    options = Options(render_dpi=300)
    paths = [
        blank(tmp_path / "small-1.png", 300, 400),  # page 1: 0.12 MP
        tiff(tmp_path / "stack.tif", [(200, 300), (2000, 2800)]),  # pages 2, 3: 0.06, 5.6 MP
        vector_pdf(tmp_path / "forms.pdf", [(595, 842), (297, 421)]),  # pages 4, 5: A4 8.7 MP, A6
        blank(tmp_path / "small-2.png", 500, 600),  # page 6: 0.3 MP
        blank(tmp_path / "big.png", 4000, 3000),  # page 7: 12 MP, last in the document
    ]
    tasks = [task for item in triage(paths, options) for task in item.tasks]
    assert [t.number for t in tasks] == [1, 2, 3, 4, 5, 6, 7]

    order = [task.number for task in largest_first(tasks)]
    assert order == [7, 4, 3, 5, 6, 1, 2]


def test_the_order_comes_from_triage_without_opening_the_files_again(tmp_path: Path) -> None:
    options = Options()
    paths = [blank(tmp_path / "a.png", 100, 100), blank(tmp_path / "b.png", 900, 900)]
    tasks = [task for item in triage(paths, options) for task in item.tasks]
    (tmp_path / "a.png").write_bytes(b"no longer an image")
    assert [task.number for task in largest_first(tasks)] == [2, 1]


def test_results_come_back_in_page_order_when_started_biggest_first(tmp_path: Path) -> None:
    options = Options(jobs=2, model="fast")
    paths = [blank(tmp_path / f"{n}.png", 200 + 300 * n, 300) for n in range(3)]
    tasks = [task for item in triage(paths, options) for task in item.tasks]
    with PageRunner(options) as runner:
        results = runner.run(tasks)
    assert [(r.number, r.width_px) for r in results] == [(1, 200), (2, 500), (3, 800)]
