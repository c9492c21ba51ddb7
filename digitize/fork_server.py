"""Imported by the fork server alone, as it starts (`deadline.PRELOADED`): a child the server
forks for a caller that is gone before the child has its work (a failed document's page
processes are ended at once, one of them mid-way through starting a drawing) fails to read
its start, and the server printed that traceback ("EOFError: Ran out of input") on the
command line's stderr, after hoso's own words. Such failures are dropped; any other is
printed as before.

Importing it anywhere else changes nothing: it acts only inside the server's start.
"""

from __future__ import annotations

import sys
from types import TracebackType


def _in_fork_server() -> bool:
    frame = sys._getframe()
    while frame is not None:
        code = frame.f_code
        if code.co_name == "main" and code.co_filename.endswith("multiprocessing/forkserver.py"):
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


def _caller_gone(
    kind: type[BaseException], value: BaseException, traceback: TracebackType | None
) -> None:
    if issubclass(kind, (EOFError, ConnectionError)):
        return  # the caller ended before the child had its work: nothing to tell anyone
    sys.__excepthook__(kind, value, traceback)


if _in_fork_server():
    sys.excepthook = _caller_gone
