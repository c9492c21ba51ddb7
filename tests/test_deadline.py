"""Work item by item in a child process under a deadline (`digitize.deadline.ItemsWithin`):
what finishes comes back in order, what runs out of time or kills its child is None and the
items after it are still worked, and the input's own errors reach the caller as they are."""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import multiprocessing.queues
import os
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from hoso.digitize.deadline import GivenUp, ItemsWithin
from hoso.digitize.errors import CorruptInputError
from tests.cli import REPO
from tests.typed_pdf import helvetica_page


def opened(name: str, delay: float = 0.0) -> str:
    time.sleep(delay)
    return name


def worked(
    slow: set[int], dying: set[int], refused: set[int], each: float, name: str, index: int
) -> str:
    time.sleep(each)
    if index in slow:
        time.sleep(30)
    if index in dying:
        os._exit(3)  # as a child killed for its memory
    if index in refused:
        raise CorruptInputError(f"item {index} is damaged", source=name)
    return f"{name}:{index}:{os.getpid()}"


def run(
    count: int,
    slow: frozenset[int] = frozenset(),
    dying: frozenset[int] = frozenset(),
    refused: frozenset[int] = frozenset(),
    open_delay: float = 0.0,
    each: float = 0.0,
    total: float = 60.0,
) -> list[str | GivenUp]:
    work = partial(worked, set(slow), set(dying), set(refused), each)
    return ItemsWithin(partial(opened, "a.pdf", open_delay), work, 1.0, 2.0, total).run(count)


def names(results: list[str | GivenUp]) -> list[str | GivenUp]:
    """Each result without the process id it was worked in."""
    return [r.rsplit(":", 1)[0] if isinstance(r, str) else r for r in results]


def test_items_come_back_in_order_from_another_process() -> None:
    results = run(4)
    assert names(results) == [f"a.pdf:{n}" for n in range(4)]
    pids = {int(r.rsplit(":", 1)[1]) for r in results if isinstance(r, str)}
    assert len(pids) == 1 and os.getpid() not in pids


def test_an_item_out_of_time_is_none_and_the_next_are_worked() -> None:
    started = time.monotonic()
    results = run(4, slow=frozenset({1}))
    assert names(results) == ["a.pdf:0", GivenUp.ITEM, "a.pdf:2", "a.pdf:3"]
    assert time.monotonic() - started < 20  # the sleeping child was stopped, not waited for


def test_an_item_that_kills_its_child_is_none() -> None:
    results = run(3, dying=frozenset({0}))
    assert names(results) == [GivenUp.ITEM, "a.pdf:1", "a.pdf:2"]


def greedy(_opened: str, index: int) -> int:
    """Item 1 asks for a gigabyte."""
    if index == 1:
        return len(bytearray(1024**3))
    return index


def test_an_item_past_the_childs_memory_is_given_up_and_the_next_are_worked() -> None:
    """The child's address space is bounded: an item that asks for more is given up, as one
    the kernel had killed for its memory, and not on every process of the machine."""
    within = ItemsWithin(partial(opened, "a.pdf"), greedy, 10.0, 10.0, 60.0, 256 * 1024**2)
    assert within.run(3) == [0, GivenUp.ITEM, 2]


def test_the_inputs_own_error_reaches_the_caller() -> None:
    with pytest.raises(CorruptInputError) as raised:
        run(3, refused=frozenset({2}))
    assert raised.value.source == "a.pdf" and "item 2 is damaged" in raised.value.message


def test_opening_out_of_time_gives_up_every_item() -> None:
    assert run(3, open_delay=30) == [GivenUp.WHOLE] * 3


def test_once_the_whole_time_is_spent_every_item_left_is_given_up() -> None:
    """Items of 0.4 s each, within their own second but not within 1.5 s together."""
    results = run(8, each=0.4, total=1.5)
    assert names(results)[:2] == ["a.pdf:0", "a.pdf:1"]
    assert GivenUp.ITEM not in results and results[-1] is GivenUp.WHOLE
    assert len([r for r in results if isinstance(r, str)]) <= 4


def test_a_program_read_from_stdin_still_analyses_its_pdfs(tmp_path: Path) -> None:
    """A child started through the fork server imports the program's main module again; one
    read from stdin has no file to import, and every child died at start: each page of every
    PDF was given up unanalysed. The work then runs in the process itself, without limits."""
    pdf = helvetica_page(tmp_path / "typed.pdf", "BT /Helv 16 Tf 60 780 Td (HOSO TYPED PAGE) Tj ET")
    script = (
        "from pathlib import Path\n"
        "from hoso.digitize.models import Options\n"
        "from hoso.digitize.triage import triage_file\n"
        f"task = triage_file(Path({str(pdf)!r}), Options()).tasks[0]\n"
        "print(task.born_digital, task.drawn_only)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-"], input=script, capture_output=True, text=True, timeout=120,
        cwd=REPO,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["True", "False"]


def noted_then_slow(folder: str, _opened: str, index: int) -> str:
    """An item that says which process works it, then takes long."""
    Path(folder, "child.pid").write_text(str(os.getpid()))
    time.sleep(60)
    return str(index)


def test_a_child_ends_when_its_caller_is_killed(tmp_path: Path) -> None:
    """A worker killed mid-batch left its analysis child running the file's costly pages for
    no one; the child ends with its caller."""
    script = tmp_path / "caller.py"
    script.write_text(
        "from functools import partial\n"
        "from hoso.digitize.deadline import ItemsWithin\n"
        "from tests.test_deadline import noted_then_slow, opened\n"
        "if __name__ == '__main__':\n"
        f"    work = partial(noted_then_slow, {str(tmp_path)!r})\n"
        "    ItemsWithin(partial(opened, 'a.pdf'), work, 60, 60, 120).run(1)\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    caller = subprocess.Popen([sys.executable, str(script)], cwd=REPO, env=environment)
    try:
        noted = tmp_path / "child.pid"
        for _ in range(300):
            if noted.exists() and noted.read_text():
                break
            time.sleep(0.1)
        child = int(noted.read_text())
    finally:
        caller.kill()
        caller.wait()
    for _ in range(100):  # ten seconds at most
        if not Path(f"/proc/{child}").exists() or "Z" in _state(child):
            break
        time.sleep(0.1)
    assert not Path(f"/proc/{child}").exists() or "Z" in _state(child)


def _state(pid: int) -> str:
    """The process's state letter (Z: ended, waiting to be reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def _server_pid() -> int | None:
    server: Any = getattr(multiprocessing.forkserver, "_forkserver")  # noqa: B009
    pid: int | None = server._forkserver_pid
    return pid


def _in_forked_child(
    answers: multiprocessing.queues.Queue[object], parents_server_gone: bool
) -> None:
    if parents_server_gone:
        os.kill(_server_pid() or 0, signal.SIGKILL)
        time.sleep(0.5)
    answers.put((names(run(2, slow=frozenset({0}))), _server_pid()))


@pytest.mark.parametrize("parents_server_gone", [False, True])
def test_a_process_forked_after_the_fork_server_started_keeps_its_deadlines(
    parents_server_gone: bool,
) -> None:
    """The command line's page processes are forked from a process whose fork server has
    started (triage used it). Python 3.11 cannot reach a parent's fork server from a forked
    child, so the work went on in the page process itself, without a deadline: a drawing of
    hours held it. The forked child uses its parent's server, or its own once that is gone."""
    assert names(run(1)) == ["a.pdf:0"]  # this process's fork server is running
    parents = _server_pid()
    forking = multiprocessing.get_context("fork")
    answers = forking.Queue()
    child = forking.Process(target=_in_forked_child, args=(answers, parents_server_gone))
    child.start()
    try:
        results, used = answers.get(timeout=60)
        assert results == [GivenUp.ITEM, "a.pdf:1"]
        assert (used == parents) != parents_server_gone
    finally:
        child.join(10)


CALLER_GONE_AT_START = """
import multiprocessing.forkserver, os, time
from hoso.digitize.deadline import ItemsWithin
def nothing(): return None
def one(_opened, _index): return 1
if __name__ == "__main__":
    assert ItemsWithin(nothing, one, 5.0, 5.0, 5.0).run(1) == [1]  # the fork server runs
    # a caller ended after asking for a child and before sending it its work
    for descriptor in multiprocessing.forkserver.connect_to_new_process([]):
        os.close(descriptor)
    time.sleep(1)
"""


def test_a_child_whose_caller_is_gone_at_its_start_says_nothing(tmp_path: Path) -> None:
    """A failed document's page processes are ended at once, one of them may be starting a
    drawing: the fork server's child then found no work to read, and its traceback ("EOFError:
    Ran out of input") reached the command line's stderr after hoso's own words."""
    script = tmp_path / "gone.py"
    script.write_text(CALLER_GONE_AT_START, encoding="utf-8")
    ran = subprocess.run(
        [sys.executable, str(script)], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stderr == ""
