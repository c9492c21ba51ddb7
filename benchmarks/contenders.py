"""The three contenders, each run as a user would run it, in a subprocess we can time and measure:

- hoso: `hoso digitize` (tesserocr in-process, one worker per core);
- OCRmyPDF: `ocrmypdf --deskew --rotate-pages -l vie --output-type pdfa` with the same model files;
- raw Tesseract: the `tesseract` program on the already-straight pages, text only: the floor.

All get OMP_THREAD_LIMIT=1 and the same number of parallel jobs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pdfplumber

from hoso.ocr_models import osd_dir, tessdata_dir

DEBIAN_TESSDATA_CONFIGS = Path("/usr/share/tesseract-ocr/5/tessdata/configs")


@dataclass
class Run:
    wall_s: float
    peak_rss_mb: float
    output: Path | None
    texts: list[str]  # per page, in order
    returncode: int
    stderr: str = ""


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (a page pool counts whole)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
        stack.extend(int(child) for child in children)
    return total / 1024.0


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Wall seconds, peak resident memory (MB) of the whole process tree, exit code, stderr.
    Memory is sampled every 50 ms from /proc: rusage's maxrss would count the benchmark's own
    memory, inherited by the child between fork and exec."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0.0
    errors: list[bytes] = []
    reader = threading.Thread(
        target=lambda: errors.append(process.stderr.read() if process.stderr else b"")
    )
    reader.start()
    while process.poll() is None:
        peak = max(peak, tree_rss_mb(process.pid))
        time.sleep(0.05)
    reader.join()
    wall = time.perf_counter() - start
    return wall, peak, process.returncode, b"".join(errors).decode(errors="replace")[-2000:]


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"
    return env


def pdf_texts(path: Path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


class Hoso:
    name = "hoso"

    def __init__(self, python: Path, jobs: int, model: str = "best_int") -> None:
        self.python, self.jobs, self.model = python, jobs, model

    def run(self, document: Path, out: Path, jobs: int | None = None) -> Run:
        command = [
            str(self.python), "-m", "hoso", "digitize", str(document), "-o", str(out),
            "--json", str(out.with_suffix(".json")),
            "--jobs", str(jobs or self.jobs), "--model", self.model, "--quiet",
        ]  # fmt: skip
        wall, rss, code, err = timed(command, base_env())
        return Run(
            wall, rss, out if code == 0 else None, pdf_texts(out) if code == 0 else [], code, err
        )

    def warm(self, documents: list[Path], straight: list[Path]) -> dict[str, list[float]]:
        """Per-page seconds in a warm process (benchmarks/warm.py): hoso's pipeline and the
        same engine's recognition alone on the straight pages."""
        command = [str(self.python), "-m", "benchmarks.warm", "--model", self.model]
        command += [arg for doc in documents for arg in ("--pdf", str(doc))]
        command += [arg for image in straight for arg in ("--straight", str(image))]
        done = subprocess.run(command, env=base_env(), capture_output=True, text=True, check=True)
        times: dict[str, list[float]] = json.loads(done.stdout.strip().splitlines()[-1])
        return times


def combined_tessdata(folder: Path, model: str = "best_int") -> Path:
    """One tessdata folder with hoso's own recognition and OSD models, so every contender reads
    with the same model files (OCRmyPDF's --rotate-pages needs osd beside vie)."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in [*tessdata_dir(model).glob("*.traineddata"), osd_dir() / "osd.traineddata"]:
        link = folder / source.name
        if not link.exists():
            link.symlink_to(source)
    configs = folder / "configs"
    if not configs.exists() and DEBIAN_TESSDATA_CONFIGS.is_dir():
        configs.symlink_to(DEBIAN_TESSDATA_CONFIGS)
    return folder


class OcrMyPdf:
    name = "ocrmypdf"

    def __init__(self, executable: Path, tessdata: Path, jobs: int) -> None:
        self.executable, self.tessdata, self.jobs = executable, tessdata, jobs

    @staticmethod
    def available(executable: Path) -> bool:
        return executable.is_file() and shutil.which("gs") is not None

    def run(self, document: Path, out: Path, jobs: int | None = None) -> Run:
        command = [
            str(self.executable), "--deskew", "--rotate-pages", "-l", "vie",
            "--output-type", "pdfa", "--jobs", str(jobs or self.jobs), "--quiet",
            str(document), str(out),
        ]  # fmt: skip
        env = base_env() | {"TESSDATA_PREFIX": str(self.tessdata)}
        wall, rss, code, err = timed(command, env)
        return Run(
            wall, rss, out if code == 0 else None, pdf_texts(out) if code == 0 else [], code, err
        )


class RawTesseract:
    """The floor: OCR alone, on pages that need no straightening, `jobs` processes at a time."""

    name = "tesseract"

    def __init__(self, tessdata: Path, jobs: int) -> None:
        self.tessdata, self.jobs = tessdata, jobs

    @staticmethod
    def available() -> bool:
        return shutil.which("tesseract") is not None

    def _one(self, job: tuple[Path, Path]) -> tuple[float, float, str]:
        image, out_base = job
        command = [
            "tesseract",
            str(image),
            str(out_base),
            "-l",
            "vie",
            "--tessdata-dir",
            str(self.tessdata),
        ]
        wall, rss, _, _ = timed(command, base_env())
        text_file = out_base.with_suffix(".txt")
        return wall, rss, text_file.read_text(encoding="utf-8") if text_file.is_file() else ""

    def run_images(
        self, images: list[Path], work: Path, jobs: int | None = None
    ) -> tuple[Run, list[float]]:
        work.mkdir(parents=True, exist_ok=True)
        jobs_list = [(image, work / image.stem) for image in images]
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=jobs or self.jobs) as pool:
            results = list(pool.map(self._one, jobs_list))
        wall = time.perf_counter() - start
        peak = max((rss for _, rss, _ in results), default=0.0)
        return Run(wall, peak, None, [t for _, _, t in results], 0), [s for s, _, _ in results]
