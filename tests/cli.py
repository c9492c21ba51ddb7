"""Running the `hoso` command as a user does, in a child process, for the tests.

One way to start it (`python -m hoso`, so the command under test is this checkout's, whatever the
PATH holds) and one way to check how it ended: by `ExitCode` name, so a failure reads "expected
SIGNING_FAILED (11), got UNREADABLE_INPUT (3)" with the command's stderr, not a bare number.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import AnyStr

from hoso.errors import ExitCode

REPO = Path(__file__).resolve().parent.parent
HOSO_COMMAND = (sys.executable, "-m", "hoso")
TIMEOUT_S = 300  # a digitize of a few pages on 2 shared cores, with room to spare


def run_hoso(
    *args: str | Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    input: str | None = None,
    expect: ExitCode | None = ExitCode.OK,
) -> subprocess.CompletedProcess[str]:
    """Run `hoso ARGS…` to the end, output captured as text. `env` replaces the environment
    (default: this process's); `expect=None` leaves the exit code to the caller."""
    words = [str(arg) for arg in args]
    result = subprocess.run(
        [*HOSO_COMMAND, *words],
        env=dict(env) if env is not None else None,
        cwd=cwd or REPO,
        input=input,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    if expect is not None:
        assert_exit(result.returncode, expect, result.stderr, result.stdout, words)
    return result


def communicate_or_kill(process: subprocess.Popen[AnyStr], timeout: float) -> tuple[AnyStr, AnyStr]:
    """`process.communicate(timeout)`, but a process (started with `start_new_session`) that
    overruns is killed with its whole group first: a hung page pool left running would load the
    machine for the rest of the suite."""
    try:
        return process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):  # it ended in between
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise


def assert_exit(
    returncode: int,
    expect: ExitCode,
    stderr: str,
    stdout: str = "",
    args: Sequence[str] = (),
) -> None:
    """Unless it ended as expected, fail naming both codes, with the command and what it said."""
    if returncode == expect:
        return
    said = f"\n--- stderr ---\n{stderr}" + (f"\n--- stdout ---\n{stdout[-3000:]}" if stdout else "")
    raise AssertionError(
        f"hoso {' '.join(args)}: expected {_named(expect)}, got {_named(returncode)}{said}"
    )


def _named(code: int) -> str:
    """`SIGNING_FAILED (11)`; a code hoso never exits with (a signal, say) as the bare number."""
    named = next((member for member in ExitCode if member == code), None)
    return str(code) if named is None else f"{named.name} ({code})"
