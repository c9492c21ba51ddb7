"""`hoso config check`, the storage part: is the record index reachable and migrated, is the
object store writable (and versioned, on S3), does the job database answer, does the
procedure catalogue load.

Nothing here creates what it checks: a SQLite file that is not there is reported, never made
by connecting to it (SQLite would), and a database behind the newest migration is a problem
with the command that fixes it, not a migration run. The only write is the point of the store
check: a small probe object (a temporary file in the folder store) written and deleted again.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import suppress
from dataclasses import replace
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from hoso.checks import CheckResult
from hoso.errors import HosoError
from hoso.storage.archive import ArchiveSettings
from hoso.storage.fs_store import INCOMING_PREFIX
from hoso.storage.index import migrations_config
from hoso.storage.procedures import load_catalogue
from hoso.storage.s3_store import S3Settings, S3Store

CONNECT_TIMEOUT_S = 5  # a database that does not answer in this time counts as unreachable
MIGRATE_FIX = (
    "run `hoso config migrate` (it creates or upgrades the archive and keeps every record)"
)


def check_index(url: str) -> CheckResult:
    """The record index answers and its schema is at the newest migration of this hoso."""
    name = "database"
    shown = _shown(url)
    missing = _missing_sqlite_file(url)
    if missing is not None:
        return CheckResult.problem(
            name, f"no record index at {missing}: this archive was never created", MIGRATE_FIX
        )
    newest = set(ScriptDirectory.from_config(migrations_config()).get_heads())
    try:
        engine = _engine(url)
        try:
            with engine.connect() as connection:
                current = set(MigrationContext.configure(connection).get_current_heads())
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        return _unreachable(name, shown, exc, "HOSO_DATABASE_URL")
    if current == newest:
        return CheckResult.ok(name, f"{shown} answers; schema at the newest migration")
    found = ", ".join(sorted(current)) or "none"
    return CheckResult.problem(
        name,
        f"{shown} answers, but its schema is not at this version's newest migration "
        f"(found {found}, needs {', '.join(sorted(newest))})",
        MIGRATE_FIX,
    )


def check_jobs_database(url: str) -> CheckResult:
    """The job engine's database answers. Its tables are the job engine's own: the first worker
    creates them, so a SQLite file not made yet is fine when its folder exists."""
    name = "job database"
    shown = _shown(url)
    missing = _missing_sqlite_file(url)
    if missing is not None:
        if missing.parent.is_dir():
            return CheckResult.ok(name, f"{missing} will be created by the first worker")
        return CheckResult.problem(name, f"the folder of {missing} does not exist", MIGRATE_FIX)
    try:
        engine = _engine(url)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        return _unreachable(name, shown, exc, "HOSO_JOBS_DATABASE_URL")
    return CheckResult.ok(name, f"{shown} answers")


def check_store(settings: ArchiveSettings) -> CheckResult:
    """Objects can be written where the archive keeps them (and, on S3, keep their versions)."""
    if settings.s3 is not None:
        return _check_bucket(settings.s3)
    return _check_folder(settings.data_dir / "objects")


def check_procedures(agency_file: Path | None) -> CheckResult:
    """The procedure catalogue loads (the packaged one, plus `HOSO_PROCEDURES` if set)."""
    name = "procedures"
    try:
        catalogue = load_catalogue(agency_file)
    except HosoError as exc:
        return CheckResult.problem(
            name, str(exc), "correct the file named by HOSO_PROCEDURES (format: procedures.toml)"
        )
    source = f"the packaged list and {agency_file}" if agency_file else "the packaged list"
    return CheckResult.ok(name, f"{len(catalogue)} procedures from {source}")


def _check_bucket(s3: S3Settings) -> CheckResult:
    name = "object store"
    where = f"bucket {s3.bucket} at {s3.endpoint}"
    store = S3Store(replace(s3, retries=0, read_timeout_s=10.0))  # answer soon, not after retries
    try:
        state = store.bucket_state()
        if not state.exists:
            return CheckResult.problem(name, f"{where} does not exist", MIGRATE_FIX)
        if not state.versioned:
            return CheckResult.problem(
                name,
                f"{where} does not keep versions: an overwritten object would be lost",
                MIGRATE_FIX + ", or turn versioning on in the S3 server",
            )
        store.write_probe()
    except HosoError as exc:
        return CheckResult.problem(
            name,
            str(exc),
            "check that the S3 server runs and HOSO_S3_ENDPOINT, HOSO_S3_ACCESS_KEY, "
            "HOSO_S3_SECRET_KEY and HOSO_S3_SECURE are right, and that the key may write",
        )
    return CheckResult.ok(name, f"{where} is writable and keeps versions")


def _check_folder(objects: Path) -> CheckResult:
    name = "object store"
    if not objects.is_dir():
        return CheckResult.problem(name, f"the object folder {objects} does not exist", MIGRATE_FIX)
    try:
        handle, probe = tempfile.mkstemp(prefix=INCOMING_PREFIX, dir=objects)
    except OSError as exc:
        return CheckResult.problem(
            name,
            f"cannot write in {objects}: {exc.strerror}",
            "give the account that runs hoso write access to HOSO_DATA_DIR",
        )
    os.close(handle)
    with suppress(FileNotFoundError):
        os.unlink(probe)
    return CheckResult.ok(name, f"folder {objects} is writable")


def _engine(url: str) -> Engine:
    """A plain engine (no pragmas, no pool kept) that gives up connecting after a few seconds."""
    arguments = {"connect_timeout": CONNECT_TIMEOUT_S} if url.startswith("postgresql") else {}
    return create_engine(url, connect_args=arguments, poolclass=NullPool)


def _missing_sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names when it does not exist (connecting would create it)."""
    try:
        parsed = make_url(url)
    except SQLAlchemyError:
        return None  # reported by the connection attempt, with the same words as other faults
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(str(parsed.database))
    return None if path.is_file() else path


def _shown(url: str) -> str:
    """The URL without its password, fit for a report."""
    try:
        parsed: URL = make_url(url)
    except SQLAlchemyError:
        return "the configured URL"
    return parsed.render_as_string(hide_password=True)


def _unreachable(name: str, shown: str, exc: SQLAlchemyError, variable: str) -> CheckResult:
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return CheckResult.problem(
        name,
        f"cannot reach {shown}: {reason}",
        f"check that the database server runs and that {variable} names it (host, port, "
        "user, database)",
    )
