"""Object store on S3-compatible storage (MinIO in production) through the `minio` client.

The client gets short timeouts and bounded retries: with the library defaults a hung server
stalls a worker for tens of minutes (shared/notes/storage-and-jobs.md); here it fails within
seconds as `StorageUnavailableError`, which callers may retry later. Uploads stream in 8 MiB
multipart parts; the bucket is versioned where the server supports it, so even a mistaken
overwrite keeps the earlier bytes.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

import urllib3
from minio import Minio
from minio.commonconfig import ENABLED
from minio.error import S3Error
from minio.versioningconfig import VersioningConfig

from hoso.storage.objects import (
    CHUNK,
    IntegrityError,
    ObjectMissingError,
    StorageError,
    StorageUnavailableError,
    StoredObject,
    check_key_matches,
    file_digests,
    sha256_in_key,
)

NETWORK_ERRORS = (urllib3.exceptions.HTTPError, OSError)
PROBE_PREFIX = ".hoso-probe/"  # `write_probe`'s objects: never an archive key


@dataclass(frozen=True)
class BucketState:
    exists: bool
    versioned: bool


@dataclass(frozen=True)
class S3Settings:
    endpoint: str  # host:port
    access_key: str
    secret_key: str
    bucket: str
    secure: bool = False
    region: str | None = None
    connect_timeout_s: float = 2.0
    read_timeout_s: float = 30.0
    retries: int = 2


class _Stream(io.RawIOBase):
    """A file-like view of a minio response that returns the connection to the pool on close."""

    def __init__(self, response: Any) -> None:
        self._response = response

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._response.read(len(buffer))
        except NETWORK_ERRORS as exc:
            raise StorageUnavailableError(
                f"object store stopped answering mid-read: {exc}"
            ) from exc
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._response.close()
            self._response.release_conn()
        super().close()


class S3Store:
    def __init__(self, settings: S3Settings) -> None:
        self.settings = settings
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(
                connect=settings.connect_timeout_s, read=settings.read_timeout_s
            ),
            retries=urllib3.Retry(
                total=settings.retries,
                backoff_factor=0.2,
                status_forcelist=[500, 502, 503, 504],
            ),
            maxsize=10,
        )
        self.client = Minio(
            settings.endpoint,
            access_key=settings.access_key,
            secret_key=settings.secret_key,
            secure=settings.secure,
            region=settings.region,
            http_client=http,
        )
        self.bucket = settings.bucket

    def ensure_bucket(self) -> None:
        """Create the bucket if needed and turn versioning on (idempotent)."""
        try:
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket)
            self.client.set_bucket_versioning(self.bucket, VersioningConfig(ENABLED))
        except S3Error as exc:
            raise StorageError(f"cannot prepare bucket {self.bucket}: {exc.code}") from exc
        except NETWORK_ERRORS as exc:
            raise StorageUnavailableError(f"object store unreachable: {exc}") from exc

    def bucket_state(self) -> BucketState:
        """Whether the bucket exists and keeps versions (`hoso config check`; changes nothing)."""
        try:
            if not self.client.bucket_exists(self.bucket):
                return BucketState(exists=False, versioned=False)
            status = self.client.get_bucket_versioning(self.bucket).status
        except S3Error as exc:
            raise StorageError(f"cannot inspect bucket {self.bucket}: {exc.code}") from exc
        except NETWORK_ERRORS as exc:
            raise StorageUnavailableError(f"object store unreachable: {exc}") from exc
        return BucketState(exists=True, versioned=status == ENABLED)

    def write_probe(self) -> None:
        """Write a small object outside the archive's keys and delete exactly that version, so
        a versioned bucket keeps no trace of it: proof the credentials may write."""
        key = f"{PROBE_PREFIX}{uuid.uuid4().hex}"
        try:
            written = self.client.put_object(self.bucket, key, io.BytesIO(b"hoso"), 4)
            self.client.remove_object(self.bucket, key, version_id=written.version_id)
        except S3Error as exc:
            raise StorageError(f"cannot write to bucket {self.bucket}: {exc.code}") from exc
        except NETWORK_ERRORS as exc:
            raise StorageUnavailableError(f"object store unreachable: {exc}") from exc

    def put_file(self, key: str, path: Path) -> StoredObject:
        """Upload in CHUNK-sized parts; the server's ETag must equal the one computed locally, so
        bytes damaged on the way are caught at write time, not years later by fixity."""
        digests = file_digests(path)
        sha256, size = digests.sha256, digests.size
        check_key_matches(key, sha256)
        existing = self.stat(key)
        if existing is not None:
            return existing
        try:
            result = self.client.fput_object(
                self.bucket, key, str(path), part_size=CHUNK, metadata={"sha256": sha256}
            )
            # The write's answer carries the ETag; ask again only where a server leaves it out
            # (one round trip less per object).
            held_size, etag = size, result.etag
            if not etag:
                stored = self.client.stat_object(self.bucket, key)
                held_size, etag = int(stored.size or 0), stored.etag
        except S3Error as exc:
            raise StorageError(f"cannot store {key}: {exc.code}") from exc
        except NETWORK_ERRORS as exc:
            raise StorageUnavailableError(f"object store unreachable: {exc}") from exc
        if held_size != size or (etag or "").strip('"') != digests.s3_etag:
            raise IntegrityError(
                f"{key}: the server holds {held_size} bytes with ETag {etag}, "
                f"expected {size} bytes with ETag {digests.s3_etag}"
            )
        return StoredObject(key=key, size=size, sha256=sha256, version_id=result.version_id)

    def put_spooled(self, key: str, path: Path) -> StoredObject:
        """Like `put_file` (the ETag check needs the parts' MD5s, one more read of a file
        the page cache still holds), then the spool file is gone."""
        try:
            return self.put_file(key, path)
        finally:
            path.unlink(missing_ok=True)

    def open(self, key: str) -> BinaryIO:
        try:
            response = self.client.get_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchVersion"):
                raise ObjectMissingError(f"no object {key}") from None
            raise StorageError(f"cannot read {key}: {exc.code}") from exc
        except NETWORK_ERRORS as exc:
            raise StorageUnavailableError(f"object store unreachable: {exc}") from exc
        return io.BufferedReader(_Stream(response), buffer_size=CHUNK)

    def stat(self, key: str) -> StoredObject | None:
        try:
            info = self.client.stat_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return None
            raise StorageError(f"cannot inspect {key}: {exc.code}") from exc
        except NETWORK_ERRORS as exc:
            raise StorageUnavailableError(f"object store unreachable: {exc}") from exc
        return StoredObject(
            key=key, size=int(info.size or 0), sha256=sha256_in_key(key), version_id=info.version_id
        )

    def keys(self, prefix: str = "") -> Iterator[str]:
        try:
            for item in self.client.list_objects(self.bucket, prefix=prefix, recursive=True):
                if item.object_name is not None:
                    yield item.object_name
        except S3Error as exc:
            raise StorageError(f"cannot list {prefix!r}: {exc.code}") from exc
        except NETWORK_ERRORS as exc:
            raise StorageUnavailableError(f"object store unreachable: {exc}") from exc

    def url(self, key: str, expires: timedelta = timedelta(minutes=15)) -> str:
        if self.stat(key) is None:
            raise ObjectMissingError(f"no object {key}")
        return str(self.client.presigned_get_object(self.bucket, key, expires=expires))
