"""The kernel's file helpers: atomic writes and SHA-256, used by every part that writes or hashes.

Archived bytes are identified by SHA-256 everywhere (object keys, batch files, fixity, the PDF/A's
description of its original), so hashing lives in one place and streams in fixed-size chunks:
a 500-page scan never sits in memory whole.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from hoso.errors import OutputError

# Scratch folders in the temp dir, by what they hold (a document's pages, a batch's plan, an
# ingest's files, an unzipped bag): a worker's start removes those a killed process left.
DOCUMENT_SCRATCH, PLAN_SCRATCH, INGEST_SCRATCH, BAG_SCRATCH = (
    "hoso-doc-", "hoso-plan-", "hoso-ingest-", "hoso-bag-"
)  # fmt: skip
SCRATCH_PREFIXES = (DOCUMENT_SCRATCH, PLAN_SCRATCH, INGEST_SCRATCH, BAG_SCRATCH)


def scratch_folder(kind: str) -> tempfile.TemporaryDirectory[str]:
    """A scratch folder in the temp dir named by `kind` (one of SCRATCH_PREFIXES) and this
    process, so that a process ending with work cut off can remove its own at once
    (`remove_own_scratch`) instead of leaving them for a day."""
    return tempfile.TemporaryDirectory(prefix=f"{kind}{os.getpid()}-")


def remove_own_scratch() -> int:
    """Remove this process's scratch folders (page images of documents whose job was cut
    off: personal data; the job makes new ones when it resumes). Returns how many went."""
    removed = 0
    for kind in SCRATCH_PREFIXES:
        for folder in Path(tempfile.gettempdir()).glob(f"{kind}{os.getpid()}-*"):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of a file's bytes."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


class TooLargeError(ValueError):
    """More bytes arrived than the caller allowed."""


def hash_stream(
    source: IO[bytes], target: IO[bytes] | None = None, limit: int | None = None
) -> tuple[str, int]:
    """Read a stream to its end, hashing it (and copying it to `target`); returns (hex SHA-256,
    size).

    With `limit`, raises `TooLargeError` as soon as more than `limit` bytes arrive, so a caller
    can refuse an oversized upload without reading it all.
    """
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        size += len(chunk)
        if limit is not None and size > limit:
            raise TooLargeError(f"more than {limit} bytes")
        digest.update(chunk)
        if target is not None:
            target.write(chunk)
    return digest.hexdigest(), size


# The temporary name starts with at most this many bytes of the output's: a name the file
# system takes (up to 255 bytes) must not fail for the ~15 bytes the temporary one adds.
TEMP_NAME_KEEPS = 100


def _temp_prefix(path: Path) -> str:
    return "." + os.fsdecode(os.fsencode(path.name)[:TEMP_NAME_KEEPS]) + "."


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Write to a temporary file beside `path` and move it in place only on success, so a failed
    or interrupted run never leaves a partial file behind (and a reader never sees half a file)."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(
            prefix=_temp_prefix(path), suffix=".part", dir=directory
        )
    except OSError as exc:
        raise OutputError(f"cannot write to {directory}: {exc.strerror}") from exc
    os.close(handle)
    temp = Path(temp_name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temp, 0o666 & ~umask)  # mkstemp makes 0600; outputs get the usual permissions
    try:
        yield temp
        os.replace(temp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from exc
    finally:
        temp.unlink(missing_ok=True)
