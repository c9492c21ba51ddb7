"""One behaviour, two stores: the same tests run on a local folder and on a real S3 server."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
import urllib3

from hoso.storage.fs_store import FilesystemStore
from hoso.storage.objects import (
    IntegrityError,
    ObjectMissingError,
    ObjectStore,
    StorageUnavailableError,
    derived_key,
    original_key,
    verify,
)
from hoso.storage.s3_store import S3Settings, S3Store
from tests.s3server import corrupt, s3_store_for


@pytest.fixture(params=["filesystem", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "filesystem":
        return FilesystemStore(tmp_path / "objects")
    return s3_store_for(request)


def write(path: Path, data: bytes) -> tuple[Path, str]:
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def read_all(store: ObjectStore, key: str) -> bytes:
    with store.open(key) as stream:
        return stream.read()


def test_original_is_stored_bit_exact_under_its_hash(store: ObjectStore, tmp_path: Path) -> None:
    source, sha = write(tmp_path / "scan.pdf", b"%PDF-1.7 original scan bytes\x00\xff" * 100)
    key = original_key(sha, "scan.pdf")
    stored = store.put_file(key, source)
    assert (stored.key, stored.sha256, stored.size) == (key, sha, source.stat().st_size)
    assert read_all(store, key) == source.read_bytes()
    assert key.startswith(f"originals/{sha[:2]}/{sha[2:4]}/") and key.endswith(".pdf")


def test_storing_the_same_bytes_twice_stores_one_object(store: ObjectStore, tmp_path: Path) -> None:
    first, sha = write(tmp_path / "a.jpg", b"same scan" * 1000)
    second, _ = write(tmp_path / "b.jpg", b"same scan" * 1000)
    key = original_key(sha, "a.jpg")
    store.put_file(key, first)
    store.put_file(key, second)
    assert list(store.keys("originals/")) == [key]


def test_bytes_that_do_not_match_their_key_are_refused(store: ObjectStore, tmp_path: Path) -> None:
    source, _ = write(tmp_path / "x.pdf", b"actual content")
    wrong = original_key(hashlib.sha256(b"something else").hexdigest(), "x.pdf")
    with pytest.raises(IntegrityError):
        store.put_file(wrong, source)
    assert store.stat(wrong) is None


def test_derived_results_are_separate_objects_linked_to_the_original(
    store: ObjectStore, tmp_path: Path
) -> None:
    original, original_sha = write(tmp_path / "scan.jpg", b"scan")
    store.put_file(original_key(original_sha, "scan.jpg"), original)
    v1, sha1 = write(tmp_path / "v1.pdf", b"%PDF searchable v1")
    v2, sha2 = write(tmp_path / "v2.pdf", b"%PDF searchable v2, better OCR")
    store.put_file(derived_key(original_sha, "pdfa", sha1, "v1.pdf"), v1)
    store.put_file(derived_key(original_sha, "pdfa", sha2, "v2.pdf"), v2)
    versions = list(store.keys(f"derived/{original_sha}/pdfa/"))
    assert len(versions) == 2  # a new result is a new version; the old one stays
    assert read_all(store, original_key(original_sha, "scan.jpg")) == b"scan"


@pytest.mark.slow
def test_large_file_streams_in_parts_and_verifies(store: ObjectStore, tmp_path: Path) -> None:
    data = os.urandom(1024 * 1024) * 20  # 20 MiB: several multipart parts on S3
    source, sha = write(tmp_path / "big.tif", data)
    key = original_key(sha, "big.tif")
    store.put_file(key, source)
    result = verify(store, key)
    assert result.ok and result.size == len(data) and result.outcome == "ok"


def test_missing_object_is_a_clear_error(store: ObjectStore) -> None:
    key = original_key("0" * 64, "gone.pdf")
    with pytest.raises(ObjectMissingError):
        store.open(key)
    assert store.stat(key) is None
    assert verify(store, key).outcome == "missing"


def test_url_fetches_the_object(store: ObjectStore, tmp_path: Path) -> None:
    source, sha = write(tmp_path / "r.pdf", b"%PDF result for the citizen")
    key = original_key(sha, "r.pdf")
    store.put_file(key, source)
    url = store.url(key)
    if url.startswith("file://"):
        assert Path(url.removeprefix("file://")).read_bytes() == source.read_bytes()
    else:
        assert urllib3.request("GET", url).data == source.read_bytes()
        tampered = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
        assert urllib3.request("GET", tampered).status == 403


def test_unreachable_s3_fails_fast(tmp_path: Path) -> None:
    import socket
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once closed
    store = S3Store(S3Settings(f"127.0.0.1:{port}", "k", "s", "bucket", connect_timeout_s=0.5))
    start = time.monotonic()
    with pytest.raises(StorageUnavailableError):
        store.stat(original_key("1" * 64))
    assert time.monotonic() - start < 10


def test_corruption_at_rest_is_caught_by_verify(store: ObjectStore, tmp_path: Path) -> None:
    source, sha = write(tmp_path / "c.pdf", b"%PDF precious original" * 10)
    key = original_key(sha, "c.pdf")
    store.put_file(key, source)
    assert verify(store, key).ok
    corrupt(store, key)
    result = verify(store, key)
    assert result.outcome == "changed" and result.actual_sha256 != sha
