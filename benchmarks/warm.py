"""Per-page latency in a warm process: what a running worker pays per page, without the start-up
of a command (Python, libraries, model load) that a one-page CLI run includes.

    python -m benchmarks.warm --model best_int --pdf A.pdf … --straight A.png …

hoso: triage + the whole page pipeline + PDF/A and JSON written, one page per document, with one
engine kept across pages (as a worker keeps it). The floor: the same engine's recognition alone
on the already-straight page. Prints {"hoso": [s…], "tesseract": [s…]} as JSON. Run in a child
process with OMP_THREAD_LIMIT=1, like every other contender (benchmarks/__main__.py does).
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from PIL import Image

from hoso.digitize.models import Options
from hoso.digitize.ocr.engine import create_engine
from hoso.digitize.pipeline import PageRunner, digitize_tasks, write_outputs
from hoso.digitize.triage import triage

app = typer.Typer(add_completion=False)


@app.command()
def main(
    pdf: Annotated[list[Path], typer.Option(help="One-page documents for hoso.")],
    straight: Annotated[list[Path], typer.Option(help="The same pages, straight, for the floor.")],
    model: Annotated[str, typer.Option()] = "best_int",
) -> None:
    options = Options(jobs=1, model=model)
    engine = create_engine(options.engine, options.lang, model)
    runner = PageRunner(options, lambda _options: engine)

    def hoso_page(path: Path, folder: Path) -> float:
        started = time.perf_counter()
        triaged = triage([path], options)
        tasks = [task for item in triaged for task in item.tasks]
        result = digitize_tasks(triaged, tasks, runner)
        write_outputs(result, folder / "out.pdf", folder / "out.json", title=path.name)
        return time.perf_counter() - started

    def floor_page(path: Path) -> float:
        image = Image.open(path)
        dpi = round(float(image.info.get("dpi", (300, 300))[0]) or 300)
        started = time.perf_counter()
        engine.recognize(image, dpi)
        return time.perf_counter() - started

    with tempfile.TemporaryDirectory(prefix="hoso-warm-") as work:
        folder = Path(work)
        hoso_page(pdf[0], folder)  # warm-up: first-use costs are start-up, not per page
        floor_page(straight[0])
        times = {
            "hoso": [hoso_page(p, folder) for p in pdf],
            "tesseract": [floor_page(p) for p in straight],
        }
    print(json.dumps(times))


if __name__ == "__main__":
    app()
