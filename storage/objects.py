"""The object store seam: every original and every derived file, by content address.

Keys end in the SHA-256 of the content (`originals/ab/cd/<sha256>.pdf`,
`derived/<original sha256>/<kind>/<sha256>.pdf`), so an object's checksum travels with its name:
storing the same bytes twice is one object, nothing is ever overwritten (a new result is a new
key), and fixity is "hash it again and compare with the key". Implementations: a local folder
(`fs_store.FilesystemStore`, the embedded default) and S3/MinIO (`s3_store.S3Store`); the same
tests run against both.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO, Protocol

from hoso.errors import ExitCode, HosoError
from hoso.files import hash_stream

CHUNK = 8 * 1024 * 1024  # streaming unit; also the S3 multipart part size
_KEY_SHA = re.compile(r"([0-9a-f]{64})(\.[A-Za-z0-9]{1,8})?$")
_SAFE_PART = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class StorageError(HosoError):
    code = "storage_error"
    exit_code = ExitCode.STORAGE_UNAVAILABLE
    http_status = 503


class StorageUnavailableError(StorageError):
    """The store did not answer in time; a retry later may succeed."""

    code = "storage_unavailable"


class ObjectMissingError(StorageError):
    code = "object_missing"
    http_status = 404


class IntegrityError(StorageError):
    """Bytes do not hash to what their key says: corruption in transit or at rest."""

    code = "integrity_error"
    http_status = 500


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str
    version_id: str | None = None


@dataclass(frozen=True)
class FixityResult:
    key: str
    expected_sha256: str
    actual_sha256: str | None  # None when the object is missing
    size: int | None

    @property
    def ok(self) -> bool:
        return self.actual_sha256 == self.expected_sha256

    @property
    def outcome(self) -> str:
        if not self.expected_sha256:
            return "unknown"  # a file in the store that is no object of hoso's
        if self.actual_sha256 is None:
            return "missing"
        return "ok" if self.ok else "changed"


class ObjectStore(Protocol):
    def put_file(self, key: str, path: Path) -> StoredObject:
        """Store `path` under a content key (see `original_key`/`derived_key`). Idempotent."""
        ...

    def put_spooled(self, key: str, path: Path) -> StoredObject:
        """Store an upload's spool file, hashed as it arrived (its SHA-256 is in `key`), and
        consume it: the store may move it into place instead of reading it again."""
        ...

    def open(self, key: str) -> BinaryIO:
        """A stream of the object's bytes (read it in chunks; objects may be large)."""
        ...

    def stat(self, key: str) -> StoredObject | None: ...

    def keys(self, prefix: str = "") -> Iterator[str]: ...

    def url(self, key: str, expires: timedelta = timedelta(minutes=15)) -> str:
        """Where a client can fetch the object (presigned for S3)."""
        ...


@dataclass(frozen=True)
class FileDigests:
    sha256: str
    size: int
    s3_etag: str  # what an S3 server must answer for these bytes uploaded in CHUNK-sized parts


def file_digests(path: Path) -> FileDigests:
    """SHA-256 and the expected S3 ETag in one read: MD5 for a single part, else the MD5 of the
    parts' MD5s followed by "-<parts>"."""
    digest, size, part_md5s = hashlib.sha256(), 0, []
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(CHUNK), b""):
            digest.update(block)
            part_md5s.append(hashlib.md5(block, usedforsecurity=False).digest())
            size += len(block)
    if len(part_md5s) <= 1:
        etag = (
            part_md5s[0] if part_md5s else hashlib.md5(b"", usedforsecurity=False).digest()
        ).hex()
    else:
        joined = hashlib.md5(b"".join(part_md5s), usedforsecurity=False).hexdigest()
        etag = f"{joined}-{len(part_md5s)}"
    return FileDigests(digest.hexdigest(), size, etag)


def _extension(name: str) -> str:
    suffix = Path(name).suffix.lower().lstrip(".")
    return f".{suffix}" if suffix and suffix.isalnum() and len(suffix) <= 8 else ""


def original_key(sha256: str, filename: str = "") -> str:
    return f"originals/{sha256[:2]}/{sha256[2:4]}/{sha256}{_extension(filename)}"


def derived_key(original_sha256: str, kind: str, sha256: str, filename: str = "") -> str:
    if not _SAFE_PART.match(kind):
        raise ValueError(f"derived kind {kind!r} must be a short plain name")
    return f"derived/{original_sha256}/{kind}/{sha256}{_extension(filename)}"


def sha256_in_key(key: str) -> str:
    match = _KEY_SHA.search(key)
    if match is None:
        raise ValueError(f"{key!r} is not a content key")
    return match.group(1)


def check_key_matches(key: str, sha256: str) -> None:
    if sha256_in_key(key) != sha256:
        raise IntegrityError(f"content hashes to {sha256}, but the key says {sha256_in_key(key)}")


def verify(store: ObjectStore, key: str) -> FixityResult:
    """Re-read an object and compare its SHA-256 with the one in its key. A file under a name
    that is no content key (copied in by hand, a restore's leftover) is a problem to report,
    never a reason to stop the round."""
    if _KEY_SHA.search(key) is None:
        return FixityResult(key, "", None, None)
    expected = sha256_in_key(key)
    try:
        with store.open(key) as stream:
            actual, size = hash_stream(stream)
    except ObjectMissingError:
        return FixityResult(key, expected, None, None)
    return FixityResult(key, expected, actual, size)
