"""An archive holding one real dossier, made the way a desk makes it, for the records and
export tests: a station's batch (a separator sheet, an application form, a scanned page),
planned and processed by the workers' `Processor`, each copy signed by the scan operator.
SQLite with the folder store, or PostgreSQL with a real S3 server (SeaweedFS)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from hoso.api.auth import Role, Tokens
from hoso.digitize.models import Options
from hoso.digitize.pipeline import PageRunner
from hoso.signatures.sign import PipelineSigner, SigningService
from hoso.storage.archive import Archive
from hoso.storage.fs_store import FilesystemStore
from hoso.storage.index import RecordIndex
from hoso.storage.intake import Intake
from hoso.storage.objects import ObjectStore
from hoso.storage.s3_store import S3Settings, S3Store
from hoso.workflows.processing import Processor
from tests.databases import fresh_database, postgres_available
from tests.synthetic import render_separator
from tests.synthetic_documents import make_document

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "dossier-page1.jpg"
DOSSIER = "000.00.48.H17-261201-0007"
PROVINCE = "48"  # Đà Nẵng


@dataclass
class Held:
    """An archive and how a `hoso` child process reaches the same one (its environment)."""

    archive: Archive
    env: dict[str, str]
    folder: Path


@contextmanager
def empty_archive(kind: str, folder: Path, s3: S3Settings | None) -> Iterator[Held]:
    """A fresh, migrated archive: SQLite + folder store, or PostgreSQL + its own S3 bucket."""
    folder.mkdir(parents=True, exist_ok=True)
    with fresh_database(kind, folder) as url:
        index = RecordIndex(url)
        index.migrate()
        env = {**os.environ, "HOSO_DATA_DIR": str(folder / "var"), "HOSO_DATABASE_URL": url}
        env.pop("HOSO_S3_ENDPOINT", None)
        store: ObjectStore
        if kind == "postgresql" and s3 is not None:
            settings = replace(s3, bucket=f"export-{uuid.uuid4().hex[:10]}")
            s3_store = S3Store(settings)
            s3_store.ensure_bucket()
            store = s3_store
            env |= {
                "HOSO_S3_ENDPOINT": settings.endpoint, "HOSO_S3_ACCESS_KEY": settings.access_key,
                "HOSO_S3_SECRET_KEY": settings.secret_key, "HOSO_S3_BUCKET": settings.bucket,
            }  # fmt: skip
        else:
            store = FilesystemStore(folder / "var" / "objects")
        try:
            yield Held(Archive(store, index, folder / "spool"), env, folder)
        finally:
            index.engine.dispose()


def digitize_dossier(held: Held, signing: SigningService) -> list[int]:
    """A station's batch of one dossier, processed and signed; the documents' ids."""
    intake = Intake(held.archive)
    station, _secret = Tokens(held.archive.index).create("desk-3-scanner", Role.STATION,
                                                          PROVINCE, "test")  # fmt: skip
    batch = intake.create_batch("desk 3", PROVINCE, "station:desk-3-scanner",
                                station_token_id=station.id)  # fmt: skip
    pages = held.folder / "pages"
    pages.mkdir(exist_ok=True)
    files = [
        render_separator(DOSSIER).save(pages / "00-separator.png"),
        make_document("application", 11).page.save(pages / "01-application.png"),
        SAMPLE,
    ]
    for position, path in enumerate(files):
        with path.open("rb") as stream:
            intake.add_file(batch.id, stream, path.name, position, "station:desk-3-scanner")
    intake.close(batch.id, "station:desk-3-scanner")
    options = Options(jobs=1, model="fast")  # the quicker model: these tests read no values
    with PageRunner(options) as runner:
        processor = Processor(intake, runner, options, "worker:test",
                              sign=PipelineSigner(signing))  # fmt: skip
        documents = processor.plan(batch.id)
        for document_id in documents:
            assert processor.process(document_id) == "done"
    return documents


def s3_for(kind: str, request: pytest.FixtureRequest) -> S3Settings | None:
    """The S3 server a `kind` of archive needs: the real one beside PostgreSQL, none beside
    SQLite (the folder store); skips where PostgreSQL is not running."""
    if kind != "postgresql":
        return None
    if not postgres_available():
        pytest.skip("no PostgreSQL")
    settings: S3Settings = request.getfixturevalue("s3_settings")
    return settings
