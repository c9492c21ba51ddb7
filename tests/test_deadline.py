"""Work item by item in a child process under a deadline (`digitize.deadline.ItemsWithin`):
what finishes comes back in order, what runs out of time or kills its child is None and the
items after it are still worked, and the input's own errors reach the caller as they are."""

from __future__ import annotations

import os
import time
from functools import partial

import pytest

from hoso.digitize.deadline import ItemsWithin
from hoso.digitize.errors import CorruptInputError


def opened(name: str, delay: float = 0.0) -> str:
    time.sleep(delay)
    return name


def worked(slow: set[int], dying: set[int], refused: set[int], name: str, index: int) -> str:
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
) -> list[str | None]:
    work = partial(worked, set(slow), set(dying), set(refused))
    return ItemsWithin(partial(opened, "a.pdf", open_delay), work, 1.0, 2.0).run(count)


def test_items_come_back_in_order_from_another_process() -> None:
    results = run(4)
    assert [r.rsplit(":", 1)[0] for r in results if r] == [f"a.pdf:{n}" for n in range(4)]
    pids = {int(r.rsplit(":", 1)[1]) for r in results if r}
    assert len(pids) == 1 and os.getpid() not in pids


def test_an_item_out_of_time_is_none_and_the_next_are_worked() -> None:
    started = time.monotonic()
    results = run(4, slow=frozenset({1}))
    assert results[1] is None
    assert [r.rsplit(":", 1)[0] if r else None for r in results] == [
        "a.pdf:0", None, "a.pdf:2", "a.pdf:3"
    ]  # fmt: skip
    assert time.monotonic() - started < 20  # the sleeping child was stopped, not waited for


def test_an_item_that_kills_its_child_is_none() -> None:
    results = run(3, dying=frozenset({0}))
    assert results[0] is None and results[1] and results[2]


def test_the_inputs_own_error_reaches_the_caller() -> None:
    with pytest.raises(CorruptInputError) as raised:
        run(3, refused=frozenset({2}))
    assert raised.value.source == "a.pdf" and "item 2 is damaged" in raised.value.message


def test_opening_out_of_time_gives_up_every_item() -> None:
    assert run(3, open_delay=30) == [None, None, None]
