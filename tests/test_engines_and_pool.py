"""The OCR engine seam and the page pool: both engines read the same page; pages run in parallel
in order; a failing page fails its document with its number; a killed worker is reported."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest
from PIL import Image

from hoso.digitize.errors import OcrError, OcrTooSlowError, PageFailedError, PagePoolClosedError
from hoso.digitize.models import Options, PageResult, PageTask
from hoso.digitize.ocr import engine as seam
from hoso.digitize.ocr.engine import OcrPage, create_engine
from hoso.digitize.ocr.pytesseract_engine import tesseract_available
from hoso.digitize.pipeline import PageRunner, digitize
from hoso.digitize.triage import triage_file
from hoso.errors import ExitCode
from hoso.workflows.processing import TRANSIENT_ERRORS
from tests.cli import HOSO_COMMAND, REPO, assert_exit, communicate_or_kill
from tests.engines import RealEngine
from tests.metrics import cer
from tests.synthetic import PageSpec, render_page


@pytest.fixture(scope="module")
def three_pages(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], list[str]]:
    folder = tmp_path_factory.mktemp("pages")
    pages = [render_page(PageSpec(seed=70 + i, dpi=150, body_lines=2)) for i in range(3)]
    return [p.save(folder / f"p{i}.png") for i, p in enumerate(pages)], [p.text for p in pages]


def process_and_square(number: int) -> tuple[int, int]:
    """Pickled by name into the page processes (a test's own lambda could not be)."""
    return os.getpid(), number * number


def test_work_beside_pages_runs_in_the_page_processes_until_the_pool_closes() -> None:
    """A worker's separator checks and field extraction run in its page processes, not under
    the one interpreter lock of the worker's own process; once the pool is closed (the worker
    stops) the same work is done in the caller's process, with the same outcome."""
    runner = PageRunner(Options(jobs=2, model="fast"), keep_pool=True)
    try:
        outcomes = runner.map(process_and_square, list(range(12)))
        assert [square for _, square in outcomes] == [n * n for n in range(12)]
        processes = {pid for pid, _ in outcomes}
        assert os.getpid() not in processes and 1 <= len(processes) <= 2
        assert runner.call(process_and_square, 5)[0] in processes
    finally:
        runner.close()
    assert runner.map(process_and_square, [3, 4]) == [(os.getpid(), 9), (os.getpid(), 16)]


def children() -> set[int | None]:
    return {child.pid for child in multiprocessing.active_children()}


def test_a_warmed_pool_has_its_page_processes_before_any_work() -> None:
    """A job worker starts its page processes when it starts: the first document after a
    start had waited for every process to import hoso and load its models."""
    before = children()
    runner = PageRunner(Options(jobs=2, model="fast"), keep_pool=True)
    try:
        runner.warm()
        deadline = time.monotonic() + 60
        while len(children() - before) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        warmed = children() - before
        assert len(warmed) == 2
        assert {pid for pid, _ in runner.map(process_and_square, list(range(6)))} <= warmed
    finally:
        runner.close()
    PageRunner(Options(jobs=1, model="fast"), keep_pool=True).warm()  # pages read in-process
    assert children() <= before


def opencv_threads(_: int) -> int:
    import cv2

    return int(cv2.getNumThreads())


def test_page_processes_leave_parallel_work_to_the_pool() -> None:
    """Each page process runs OpenCV on one thread: the pool already keeps every CPU busy,
    and a thread pool of every CPU's size in each process only competes with the others."""
    runner = PageRunner(Options(jobs=2, model="fast"), keep_pool=True)
    try:
        assert set(runner.map(opencv_threads, [0, 1, 2, 3])) == {1}
    finally:
        runner.close()


FORKED_AFTER_OPENCV = """
import sys
from pathlib import Path
import cv2, numpy as np
cv2.setNumThreads(4)
cv2.GaussianBlur(np.zeros((3000, 3000), np.uint8), (31, 31), 0)  # OpenCV's threads at work
from hoso.digitize.models import Options
from hoso.digitize.pipeline import digitize
pages = digitize([Path(p) for p in sys.argv[1:]], Options(jobs=2, model="fast")).pages
print(len(pages))
"""


def test_a_forked_pool_starts_after_the_parent_used_opencv_threads(
    three_pages: tuple[list[Path], list[str]],
) -> None:
    """The command line forks its page processes; changing OpenCV's threads in one forked
    from a parent that had used them waited for threads the fork did not copy, and the
    pages never came back (the test suite hung)."""
    files, _ = three_pages
    done = subprocess.run(
        [sys.executable, "-c", FORKED_AFTER_OPENCV, *map(str, files)],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["3"]


def die_in_a_page_process(parent: int) -> int:
    """Killed, as by the kernel out of memory, when it runs in a page process."""
    if os.getpid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)
    return os.getpid()


def test_a_page_process_dying_beside_pages_leaves_the_worker_a_new_pool(
    three_pages: tuple[list[Path], list[str]],
) -> None:
    """A page process killed while it checked a batch for separators left its broken pool in
    place; the next document found it broken, the runner closed itself for good, and every
    later document of the worker failed as 'storage unavailable' until a restart
    (helper-75). The work is done here instead, and the next pages get a new pool."""
    files, _ = three_pages
    options = Options(jobs=2, model="fast")
    runner = PageRunner(options, keep_pool=True)
    try:
        assert runner.map(die_in_a_page_process, [os.getpid()] * 3) == [os.getpid()] * 3
        tasks = [task for path in files for task in triage_file(path, options).tasks]
        assert all(page.text.strip() for page in runner.run(tasks))
        assert os.getpid() not in {pid for pid, _ in runner.map(process_and_square, [1, 2])}
        # the same for a page process that dies between documents: the document that finds
        # the pool broken may fail (its job retries it), the one after gets a new pool
        page_process = multiprocessing.active_children()[0].pid
        assert page_process is not None
        os.kill(page_process, signal.SIGKILL)
        time.sleep(1)
        with contextlib.suppress(PagePoolClosedError, PageFailedError):
            runner.run(tasks)
        assert len(runner.run(tasks)) == len(tasks)
    finally:
        runner.close()


def test_a_single_process_runner_does_the_work_here() -> None:
    runner = PageRunner(Options(jobs=1, model="fast"), keep_pool=True)
    assert runner.call(process_and_square, 7) == (os.getpid(), 49)


@pytest.mark.skipif(not tesseract_available(), reason="no `tesseract` program (make system-deps)")
def test_pytesseract_engine_reads_like_tesserocr(tmp_path: Path) -> None:
    page = render_page(PageSpec(seed=80, dpi=200, body_lines=3, rotation=180, skew_deg=2.0))
    source = page.save(tmp_path / "p.jpg")
    results = {
        engine: digitize([source], Options(jobs=1, engine=engine)).pages[0]
        for engine in ("tesserocr", "pytesseract")
    }
    for result in results.values():
        assert result.rotation == 180
        assert cer(page.text, result.text) < 0.01


def test_fast_model_is_selectable(tmp_path: Path) -> None:
    page = render_page(PageSpec(seed=81, dpi=200, body_lines=3))
    result = digitize([page.save(tmp_path / "p.png")], Options(jobs=1, model="fast")).pages[0]
    assert cer(page.text, result.text) < 0.02


def test_two_languages_load_together() -> None:
    engine = create_engine("tesserocr", "vie+eng", "best_int")
    image = render_page(PageSpec(seed=82, dpi=150, body_lines=1)).image
    assert engine.recognize(image, 150).words


@pytest.mark.slow
def test_pool_gives_the_same_pages_in_order(three_pages: tuple[list[Path], list[str]]) -> None:
    files, texts = three_pages
    serial = digitize(files, Options(jobs=1))
    parallel = digitize(files, Options(jobs=2))
    assert [p.number for p in parallel.pages] == [1, 2, 3]
    assert [p.text for p in parallel.pages] == [p.text for p in serial.pages]
    for truth, page in zip(texts, parallel.pages, strict=True):
        assert cer(truth, page.text) < 0.02


class EngineFailingOnAWord(RealEngine):
    """A real engine that breaks on one particular page, the one where it reads `word` (pages
    reach it resized for their print, so no image size would do)."""

    name = "failing"

    def __init__(self, options: Options, word: str) -> None:
        super().__init__(options.lang, options.model)
        self._word = word

    def recognize(self, image: Image.Image, dpi: int) -> OcrPage:
        page = super().recognize(image, dpi)
        if any(self._word in w.text for w in page.words):
            raise OcrError("simulated engine crash")
        return page


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failing_page_fails_the_document_with_its_number(tmp_path: Path, jobs: int) -> None:
    narrow = render_page(PageSpec(seed=83, dpi=100, body_lines=1))
    wide = render_page(PageSpec(seed=84, dpi=200, body_lines=1))
    word = max((w for w in wide.text.split() if w not in narrow.text), key=len)
    files = [narrow.save(tmp_path / "a.png"), wide.save(tmp_path / "b.png")]
    with pytest.raises(PageFailedError) as failure:
        digitize(
            [files[0], files[1], files[0]],
            Options(jobs=jobs),
            engine_factory=partial(EngineFailingOnAWord, word=word),
        )
    assert failure.value.page_number == 2
    assert "simulated engine crash" in str(failure.value)
    assert failure.value.exit_code == 6


@pytest.mark.parametrize("engine", ["tesserocr", "pytesseract"])
def test_a_page_that_reads_past_the_time_limit_fails_with_a_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    """No recognition may hold a page process (and other stations' documents behind it) for
    ever: past the limit Tesseract is stopped and the document fails, its page named and a
    reason a desk can act on. The limit is lowered here to a tenth of a second: the page
    takes longer than that to read."""
    if engine == "pytesseract" and not tesseract_available():
        pytest.skip("no `tesseract` program (make system-deps)")
    monkeypatch.setattr(seam, "OCR_TIME_LIMIT_S", 0.1)
    page = render_page(PageSpec(seed=85, dpi=300, body_lines=12)).save(tmp_path / "p.png")
    with pytest.raises(PageFailedError) as failure:
        digitize([page], Options(jobs=1, engine=engine))
    assert failure.value.code == "ocr_too_slow"
    assert failure.value.exit_code == ExitCode.OCR_FAILED
    assert "took over 0.1 s and was stopped" in str(failure.value)
    assert isinstance(failure.value.cause, OcrTooSlowError)
    copy = pickle.loads(pickle.dumps(failure.value))  # it crosses from a page process
    assert (copy.code, str(copy)) == (failure.value.code, str(failure.value))


@pytest.mark.slow
def test_interrupt_exits_130_and_leaves_nothing(tmp_path: Path) -> None:
    files = []
    for i in range(6):
        files.append(
            render_page(PageSpec(seed=90 + i, dpi=300, body_lines=12)).save(tmp_path / f"{i}.jpg")
        )
    out = tmp_path / "out" / "doc.pdf"
    args = ["digitize", *map(str, files), "-o", str(out), "--jobs", "2"]
    process = subprocess.Popen(
        [*HOSO_COMMAND, *args],
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    time.sleep(4)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends: the whole foreground group
    _, err = communicate_or_kill(process, 60)
    assert_exit(process.returncode, ExitCode.INTERRUPTED, err, args=args)
    assert "Traceback" not in err
    assert not out.exists()
    assert not any(out.parent.glob("*")) if out.parent.exists() else True


def test_errors_survive_the_trip_between_processes() -> None:
    import pickle

    from hoso.digitize.errors import EncryptedInputError

    original = PageFailedError(4, EncryptedInputError("locked", source="x.pdf"))
    copy = pickle.loads(pickle.dumps(original))
    assert (copy.page_number, copy.code, copy.exit_code, str(copy)) == (
        4,
        "encrypted_input",
        4,
        "x.pdf: page 4: locked",
    )


@pytest.mark.slow
def test_a_pool_shut_down_under_a_waiting_document_ends_its_wait(
    three_pages: tuple[list[Path], list[str]],
) -> None:
    """A pool shut down with `cancel_futures` cancels the pages waiting in it without waking
    the document that waits for them: its thread hung for good (and with it the stopping
    worker). Now the document learns within a second that the pool is gone, by a typed error
    that the job treats as the worker stopping, not as the paper's fault."""
    files, _ = three_pages
    options = Options(jobs=2)  # a pool (one job reads in the process itself)
    tasks = [
        replace(task, number=number)
        for number, task in enumerate(
            (task for file in files * 4 for task in triage_file(file, options).tasks), start=1
        )
    ]  # more pages than the pool takes in at once: the rest wait in it, to be cancelled
    runner = PageRunner(options, keep_pool=True)
    outcome: list[BaseException | None] = []

    def read_document() -> None:
        try:
            runner.run(tasks)
            outcome.append(None)
        except BaseException as error:  # the outcome is what is asserted
            outcome.append(error)

    reader = threading.Thread(target=read_document, daemon=True)
    reader.start()
    deadline = time.monotonic() + 60
    while runner._pool is None and time.monotonic() < deadline:  # the document is waiting
        time.sleep(0.05)
    time.sleep(0.5)
    runner.close()
    reader.join(timeout=60)
    assert not reader.is_alive(), "the document still waits for pages of a closed pool"
    assert len(outcome) == 1 and isinstance(outcome[0], PagePoolClosedError), outcome
    assert PagePoolClosedError in TRANSIENT_ERRORS  # the job resumes; the paper has not failed
    with pytest.raises(PagePoolClosedError):  # a stopping worker's pool starts nothing new
        runner.run(tasks[:2])


def test_documents_sharing_a_pool_take_turns_page_by_page(
    three_pages: tuple[list[Path], list[str]],
) -> None:
    """A worker's documents share its page pool: a one-page document started while a long one
    runs is read after a page or two of it, not after all of them (helper-69: another
    province's 120-page file held a one-page document six minutes)."""
    files, _ = three_pages
    options = Options(jobs=2)

    def numbered(paths: list[Path]) -> list[PageTask]:
        tasks = (task for path in paths for task in triage_file(path, options).tasks)
        return [replace(task, number=number) for number, task in enumerate(tasks, start=1)]

    long_pages, short_pages = numbered(files * 5), numbered(files[:1])
    with PageRunner(options, keep_pool=True) as runner:
        long_done: list[int] = []
        short_done_after: list[int] = []
        started = threading.Event()

        def on_long_page(result: PageResult) -> None:
            long_done.append(result.number)
            started.set()

        reader = threading.Thread(target=runner.run, args=(long_pages, on_long_page))
        reader.start()
        assert started.wait(120), "the long document read no page"
        runner.run(short_pages, lambda _: short_done_after.append(len(long_done)))
        reader.join(timeout=300)
    assert sorted(long_done) == list(range(1, len(long_pages) + 1))
    assert short_done_after and short_done_after[0] <= 4, (short_done_after, len(long_pages))


# How each script below starts: the page tasks of the files it is given, numbered as the pages
# of one document, for a pool of two page processes.
TASKS_OF_ARGV = """
import sys
from pathlib import Path
from hoso.digitize.models import Options
from hoso.digitize.pipeline import PageRunner
from hoso.digitize.triage import triage_file
options = Options(jobs=2)
tasks = [t for f in sys.argv[1:] for t in triage_file(Path(f), options).tasks]
tasks = [t.__class__(**{**t.__dict__, "number": n}) for n, t in enumerate(tasks, 1)]
"""

ORPHAN_SCRIPT = (
    TASKS_OF_ARGV
    + """
import os
runner = PageRunner(options, keep_pool=True)
runner.run(tasks)
print(" ".join(str(pid) for pid in runner._pool._processes), flush=True)
os._exit(0)  # as a worker ends after a drain with jobs left: the pool is not closed
"""
)


@pytest.mark.slow
def test_page_processes_end_with_a_parent_that_did_not_close_its_pool(
    three_pages: tuple[list[Path], list[str]],
) -> None:
    files, _ = three_pages
    done = subprocess.run(
        [HOSO_COMMAND[0], "-c", ORPHAN_SCRIPT, *map(str, files)],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    pids = [int(pid) for pid in done.stdout.split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{pid}") for pid in pids):
        time.sleep(0.2)
    assert not [pid for pid in pids if os.path.exists(f"/proc/{pid}")], "page processes left"


SHARED_POOL_BROKEN_SCRIPT = (
    TASKS_OF_ARGV
    + """
import multiprocessing, os, signal, threading
runner = PageRunner(options, keep_pool=True)
ended = []
def abandon(result):
    raise RuntimeError("gave up")
def document(name, on_page=None):
    try:
        runner.run(tasks, on_page=on_page)
        ended.append(f"{name}: done")
    except Exception as error:
        ended.append(f"{name}: {type(error).__name__}")
first = threading.Thread(target=document, args=("first", abandon))
first.start()
while runner._pool is None:
    pass
second = threading.Thread(target=document, args=("second",), daemon=True)
second.start()  # its pages queue behind the first document's
first.join()  # the first gave up: its queued pages are cancelled, still in the pool's books
os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)  # out of memory, say
second.join(timeout=60)
print(" / ".join(ended), flush=True)
runner.close()
os._exit(0)
"""
)


@pytest.mark.slow
def test_a_document_sharing_a_pool_that_broke_is_not_left_waiting(
    three_pages: tuple[list[Path], list[str]],
) -> None:
    """Python 3.11's executor, finding a page process dead while pages another document
    cancelled are still queued, stops its clean-up at the first of them: the pages queued
    after it never finish, and a worker's other document waited for them for ever."""
    files, _ = three_pages
    done = subprocess.run(
        [HOSO_COMMAND[0], "-c", SHARED_POOL_BROKEN_SCRIPT, *map(str, files * 4)],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "first: RuntimeError / second: PageFailedError", done.stderr


INTERRUPTED_WHILE_STARTING_SCRIPT = (
    TASKS_OF_ARGV
    + """
import signal
interrupts = []
signal.signal(signal.SIGINT, lambda *_: interrupts.append(1))  # a worker's: drain, do not die
print("ready", flush=True)
with PageRunner(options, keep_pool=True) as runner:
    pages = runner.run(tasks)
print(f"{len(pages)} pages, interrupted {'yes' if interrupts else 'no'}", flush=True)
import os; os._exit(0)  # interrupts still arrive: Python's own shutdown would die of one
"""
)


@pytest.mark.slow
def test_ctrl_c_while_page_processes_start_does_not_kill_them(
    three_pages: tuple[list[Path], list[str]],
) -> None:
    """Ctrl-C reaches every process of the foreground group. A spawned page process takes a
    second to import and load its engine before it ignores interrupts: an interrupt then
    killed it, and the worker's documents failed instead of draining."""
    files, _ = three_pages
    process = subprocess.Popen(
        [HOSO_COMMAND[0], "-c", INTERRUPTED_WHILE_STARTING_SCRIPT, *map(str, files * 2)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
        start_new_session=True,
    )  # fmt: skip
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline and process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        time.sleep(0.05)
    out, err = communicate_or_kill(process, 120)
    assert process.returncode == 0, err
    assert out.strip() == "6 pages, interrupted yes", err
