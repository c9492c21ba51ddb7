"""Object store in a local folder: the embedded default for one machine.

Writes go to a temporary file in the same folder, are hashed while copied, fsynced, and renamed
into place, so a crash never leaves a half object under a real key.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from hoso.files import hash_stream
from hoso.storage.objects import (
    IntegrityError,
    ObjectMissingError,
    StorageError,
    StoredObject,
    check_key_matches,
    sha256_in_key,
)

INCOMING_PREFIX = ".incoming-"
# A temporary file untouched this long belongs to no write in progress (a write keeps adding to
# it): it was left by a killed process.
STALE_AFTER = timedelta(minutes=10)


def remove_stale(paths: Iterable[Path], older_than: timedelta = STALE_AFTER) -> int:
    """Delete the files among `paths` not modified for `older_than`; returns how many."""
    cutoff, removed = time.time() - older_than.total_seconds(), 0
    for path in paths:
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # another process cleaned it first
    return removed


def remove_stale_folders(paths: Iterable[Path], older_than: timedelta) -> int:
    """Delete the folders among `paths` that this user owns and that nothing was written into
    for `older_than` (a live process writes into its scratch folder); returns how many."""
    cutoff, removed = time.time() - older_than.total_seconds(), 0
    for path in paths:
        try:
            info = path.lstat()
            if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and info.st_mtime < cutoff:
                shutil.rmtree(path)
                removed += 1
        except FileNotFoundError:
            continue  # another process cleaned it first
    return removed


class FilesystemStore:
    """Objects are owner-only and read-only (0400) in owner-only folders (0700): they are
    personal data, and a copy of the store (a backup keeping modes) stays closed to others;
    read-only because an archived object never changes (its key is its SHA-256)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise StorageError(f"key {key!r} points outside the store")
        return path

    def put_file(self, key: str, path: Path) -> StoredObject:
        target = self._path(key)
        existing = self.stat(key)
        if existing is not None:
            return existing  # content-addressed: same key, same bytes
        self._make_folders(target.parent)
        handle, temp_name = tempfile.mkstemp(prefix=INCOMING_PREFIX, dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as out, path.open("rb") as source:
                sha256, size = hash_stream(source, out)
                out.flush()
                os.fsync(out.fileno())
            check_key_matches(key, sha256)
            os.chmod(temp_name, 0o400)  # archived objects are read-only, owner-only
            os.replace(temp_name, target)
        except OSError as exc:
            raise StorageError(f"cannot write {key}: {exc.strerror}") from exc
        finally:
            Path(temp_name).unlink(missing_ok=True)
        return StoredObject(key=key, size=size, sha256=sha256)

    def put_spooled(self, key: str, path: Path) -> StoredObject:
        """Move a spool file into place: made durable (fsync) and read-only, then renamed,
        without a second copy or hash pass (the caller hashed it on the way in; the key says
        its SHA-256). A spool on another file system is copied like `put_file`."""
        target = self._path(key)
        existing = self.stat(key)
        if existing is not None:
            path.unlink(missing_ok=True)
            return existing
        self._make_folders(target.parent)
        try:
            with path.open("rb") as spooled:
                os.fsync(spooled.fileno())
                size = os.fstat(spooled.fileno()).st_size
            os.chmod(path, 0o400)
            os.replace(path, target)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise StorageError(f"cannot write {key}: {exc.strerror}") from exc
            stored = self.put_file(key, path)
            path.unlink(missing_ok=True)
            return stored
        return StoredObject(key=key, size=size, sha256=sha256_in_key(key))

    def _make_folders(self, folder: Path) -> None:
        """Create the folders of a key owner-only, each level: `mkdir(parents=True)` would make
        the missing parents with the umask's mode (0755 usually)."""
        inside = folder.relative_to(self.root)
        for level in [*reversed(inside.parents), inside]:
            (self.root / level).mkdir(exist_ok=True, mode=0o700)

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise ObjectMissingError(f"no object {key}") from None

    def stat(self, key: str) -> StoredObject | None:
        try:
            size = self._path(key).stat().st_size
        except FileNotFoundError:
            return None
        return StoredObject(key=key, size=size, sha256=sha256_in_key(key))

    def keys(self, prefix: str = "") -> Iterator[str]:
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith(INCOMING_PREFIX):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield key

    def clean_incoming(self, older_than: timedelta = STALE_AFTER) -> int:
        """Remove half-written objects a killed process left (`.incoming-*`, never a real key)."""
        return remove_stale(self.root.rglob(INCOMING_PREFIX + "*"), older_than)

    def url(self, key: str, expires: timedelta = timedelta(minutes=15)) -> str:
        if self.stat(key) is None:
            raise ObjectMissingError(f"no object {key}")
        return self._path(key).as_uri()


__all__ = ["FilesystemStore", "IntegrityError"]
