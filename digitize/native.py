"""Native libraries (Leptonica in libtesseract, libtiff in Pillow) print diagnostics straight to
file descriptor 2. They mean nothing to a desk officer and would break the one-line error
contract of the CLI; failures still surface as exceptions or page warnings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Leptonica, inside libtesseract, prints messages like "Error in boxClipToRectangle" straight
    to file descriptor 2 on ordinary pages; they mean nothing to a desk officer and would break
    the one-line error contract of the CLI. Failures still surface as exceptions."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
