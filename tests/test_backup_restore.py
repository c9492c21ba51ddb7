"""Backup and restore, done as docs/operations.md tells an operator: its `backup-…` and
`restore-…` blocks are run as written (bash, the real `pg_dump`/`pg_restore`, `rclone`,
`sqlite3`, `tar` and `hoso`) on PostgreSQL + a real S3 server and on SQLite + the folder store.
Between them the archive is wiped (the database dropped, every version in the bucket deleted and
the bucket with them; or the data folder removed); after them the restore's `hoso fixity` is
clean over as many objects as before, every original reads back byte-equal to the scanned file,
the PDF/A byte-equal to what was archived, and a search finds the same documents with the same
snippets.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from hoso.storage.archive import Archive, ArchiveSettings
from hoso.storage.queries import DocumentQuery, Records
from hoso.storage.s3_store import S3Settings, S3Store
from hoso.storage.textfold import fold
from tests.cli import REPO, run_hoso
from tests.databases import PG_ADMIN, fresh_database, postgres_available

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("backup-restore")]

OPERATIONS = REPO / "docs" / "operations.md"
DIGITIZED = REPO / "samples" / "dossier-page1.jpg"  # OCR'd: its text is searched
KEPT_ONLY = REPO / "samples" / "dossier-page2.jpg"  # archived without digitizing (fast)
TOOLS = {
    "postgresql-s3": ("pg_dump", "pg_restore", "rclone"),
    "sqlite-folder": ("sqlite3", "tar"),
}


def procedure(name: str) -> str:
    """The ```sh block of docs/operations.md whose first line is `# NAME`."""
    for block in re.findall(r"```sh\n(.*?)```", OPERATIONS.read_text(encoding="utf-8"), re.DOTALL):
        if block.splitlines()[0].strip() == f"# {name}":
            return str(block)
    raise AssertionError(f"docs/operations.md has no ```sh block starting with '# {name}'")


def run_procedure(name: str, env: dict[str, str], cwd: Path) -> None:
    script = procedure(name)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, f"{name} exited {result.returncode}:\n{result.stderr[-3000:]}"


@dataclass(frozen=True)
class Contents:
    """What a person gets back from the archive: the bytes of each document's original and
    PDF/A, and what a search for a word of the OCR'd text lists."""

    objects: int
    originals: dict[int, bytes]
    pdfas: dict[int, bytes]
    search: tuple[int, list[tuple[int, str | None]]]


def read_contents(env: dict[str, str], word: str) -> Contents:
    archive = Archive.open(ArchiveSettings.from_environment_of(env))
    records = Records(archive)
    try:
        originals, pdfas = {}, {}
        for document_id in (1, 2):
            document = records.document(document_id)
            assert document is not None
            with archive.store.open(document.original_key) as stream:
                originals[document_id] = stream.read()
            pdfa = records.newest_derived(document_id, "pdfa")
            if pdfa is not None:
                with archive.store.open(pdfa.key) as stream:
                    pdfas[document_id] = stream.read()
        found = records.find_documents(DocumentQuery(text=word, province_code="48"))
        rows = [(row.document.id, row.snippet) for row in found.rows]
        return Contents(len(archive.fixity_keys()), originals, pdfas, (found.total, rows))
    finally:
        archive.index.engine.dispose()


def latest_fixity_round(env: dict[str, str]) -> tuple[int, list[object]]:
    """How many objects the latest `hoso fixity` round checked, and its problems."""
    archive = Archive.open(ArchiveSettings.from_environment_of(env))
    try:
        latest = Records(archive).fixity_round(None)
    finally:
        archive.index.engine.dispose()
    assert latest is not None, "no fixity round was recorded"
    return latest.checked, list(latest.problems)


def a_word_of(env: dict[str, str]) -> str:
    archive = Archive.open(ArchiveSettings.from_environment_of(env))
    try:
        text = Records(archive).document_text(1)
    finally:
        archive.index.engine.dispose()
    words = [word for word in fold(text).split() if word.isalpha() and len(word) >= 4]
    assert words, f"the digitized sample has no text to search: {text!r}"
    return words[0]


def base_env(data_dir: Path, backup: Path) -> dict[str, str]:
    """This process's environment without any HOSO_* of its own, the venv's `hoso` first on
    the PATH (the doc's commands call it by name), and where the backup goes."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("HOSO_")}
    # A CA bundle for AWS's own servers (set on some machines) makes rclone's S3 client refuse
    # to start; the S3 server here is plain HTTP on loopback.
    env.pop("AWS_CA_BUNDLE", None)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env |= {
        "HOSO_DATA_DIR": str(data_dir),
        "HOSO_OCR_MODEL": "fast",
        "HOSO_PAGE_PROCESSES": "1",
        "BACKUP": str(backup),
    }
    return env


@contextmanager
def deployment(
    layout: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[dict[str, str]]:
    env = base_env(tmp_path / "var", tmp_path / "backup")
    if layout == "sqlite-folder":
        yield env
        return
    if not postgres_available():
        pytest.skip("no PostgreSQL at HOSO_TEST_PG (default 127.0.0.1:5432)")
    s3: S3Settings = request.getfixturevalue("s3_settings")
    bucket = f"b-{hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:16]}"
    with fresh_database("postgresql", tmp_path) as database_url:
        yield env | {
            "HOSO_DATABASE_URL": database_url,
            "HOSO_S3_ENDPOINT": s3.endpoint,
            "HOSO_S3_ACCESS_KEY": s3.access_key,
            "HOSO_S3_SECRET_KEY": s3.secret_key,
            "HOSO_S3_BUCKET": bucket,
        }


def wipe(layout: str, env: dict[str, str]) -> None:
    """Lose the archive: the database and every version of every object, or the data folder."""
    if layout == "sqlite-folder":
        shutil.rmtree(env["HOSO_DATA_DIR"])
        return
    name = env["HOSO_DATABASE_URL"].rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        assert (
            admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            is None
        )
    settings = ArchiveSettings.from_environment_of(env).s3
    assert settings is not None
    client, bucket = S3Store(settings).client, settings.bucket
    for version in client.list_objects(bucket, recursive=True, include_version=True):
        assert version.object_name is not None
        client.remove_object(bucket, version.object_name, version_id=version.version_id)
    client.remove_bucket(bucket)
    assert not client.bucket_exists(bucket)


@pytest.mark.parametrize("layout", ["postgresql-s3", "sqlite-folder"])
def test_backup_wipe_restore(layout: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    missing = [tool for tool in TOOLS[layout] if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (scripts/system-deps.sh installs them)")
    with deployment(layout, tmp_path, request) as env:
        run_hoso("ingest", "--province", "48", "-q", DIGITIZED, env=env)
        run_hoso("ingest", "--province", "48", "-q", "--no-digitize", KEPT_ONLY, env=env)
        word = a_word_of(env)
        before = read_contents(env, word)
        assert before.originals == {1: DIGITIZED.read_bytes(), 2: KEPT_ONLY.read_bytes()}
        assert set(before.pdfas) == {1} and before.search[0] >= 1

        run_procedure(f"backup-{layout}", env, tmp_path)
        wipe(layout, env)
        run_procedure(f"restore-{layout}", env, tmp_path)  # it ends with `hoso fixity`

        assert read_contents(env, word) == before
        assert latest_fixity_round(env) == (before.objects, [])
