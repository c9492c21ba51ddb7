"""The archive end to end: store + index + events, on (folder, SQLite) and (S3, PostgreSQL)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from hoso.errors import ExitCode
from hoso.storage.archive import Archive, ArchiveSettings
from tests.archives import empty_archive, s3_for
from tests.cli import run_hoso
from tests.databases import fresh_database, postgres_available
from tests.s3server import corrupt, plant, remove


@pytest.fixture(params=["folder+sqlite", "s3+postgresql"])
def archive(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Archive]:
    kind = "sqlite" if request.param == "folder+sqlite" else "postgresql"
    with empty_archive(kind, tmp_path, s3_for(kind, request)) as held:
        yield held.archive


def scan(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_same_original_twice_is_stored_once(archive: Archive, tmp_path: Path) -> None:
    first = archive.ingest(scan(tmp_path, "a.pdf", b"%PDF scan of a birth extract"), "station:01")
    again = archive.ingest(
        scan(tmp_path, "copy.pdf", b"%PDF scan of a birth extract"), "station:02"
    )
    assert not first.duplicate and again.duplicate
    assert again.document_id == first.document_id
    assert list(archive.store.keys("originals/")) == [first.original.key]
    outcomes = [e.outcome for e in archive.index.events(document_id=first.document_id)]
    assert outcomes == ["success", "duplicate"]


def test_derived_result_is_linked_and_searchable(archive: Archive, tmp_path: Path) -> None:
    result = archive.ingest(scan(tmp_path, "s.jpg", b"jpeg bytes"), "station:01")
    pdf = scan(tmp_path, "s.pdf", b"%PDF-1.7 searchable")
    stored = archive.add_derived(
        result.document_id, "pdfa", pdf, "worker:1", text="Trần Thị Ánh, Huế"
    )
    assert stored.key.startswith(f"derived/{result.original.sha256}/pdfa/")
    assert archive.index.search_text("tran thi anh").hits[0].document_id == result.document_id


def test_fixity_finds_changed_and_missing_objects(archive: Archive, tmp_path: Path) -> None:
    keys = [
        archive.ingest(scan(tmp_path, f"{i}.pdf", f"%PDF {i}".encode()), "s").original.key
        for i in range(3)
    ]
    assert all(r.ok for r in archive.check_fixity(archive.fixity_keys(), "fixity"))
    corrupt(archive.store, keys[1])
    results = {r.key: r.outcome for r in archive.check_fixity(archive.fixity_keys(), "fixity")}
    assert results == {keys[0]: "ok", keys[1]: "changed", keys[2]: "ok"}
    failures = [e for e in archive.index.events(object_key=keys[1]) if e.outcome == "failure"]
    assert len(failures) == 1 and failures[0].detail["outcome"] == "changed"


def test_fixity_resumes_where_it_stopped(archive: Archive, tmp_path: Path) -> None:
    for i in range(4):
        archive.ingest(scan(tmp_path, f"{i}.tif", f"scan {i}".encode()), "s")
    keys = archive.fixity_keys()
    round_ = archive.check_fixity(keys, "fixity")
    next(round_), next(round_)  # interrupted after two objects
    round_.close()
    remaining = archive.fixity_keys(resume=True)
    assert remaining == keys[2:]
    list(archive.check_fixity(remaining, "fixity", start_new_round=False))
    assert archive.fixity_keys(resume=True) == []


def test_reading_a_record_is_an_audit_event(archive: Archive, tmp_path: Path) -> None:
    result = archive.ingest(scan(tmp_path, "cccd.jpg", b"ID card scan"), "station:01")
    with archive.open_original(result.document_id, "officer:lan", desk_id=None) as stream:
        assert stream.read() == b"ID card scan"
    reads = [
        e
        for e in archive.index.events(document_id=result.document_id)
        if e.event_type == "retrieved"
    ]
    assert [(e.agent, e.outcome) for e in reads] == [("officer:lan", "success")]


def test_dossier_found_by_code(archive: Archive) -> None:
    from hoso.storage.schema import Dossier

    with archive.index.session() as session:
        session.add(Dossier(code="000.00.48.H17-250301-0042", applicant_citizen_id="048203001234"))
    found = archive.find_dossier(" 000.00.48.H17-250301-0042 ")
    assert found is not None and found.applicant_citizen_id == "048203001234"
    assert archive.find_dossier("000.00.48.H17-250301-0043") is None


@pytest.fixture(params=["folder+sqlite", "s3+postgresql"])
def archive_environment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for the `hoso` command, configured as a real deployment would be."""
    env = {**os.environ, "HOSO_DATA_DIR": str(tmp_path / "var")}
    env.pop("HOSO_DATABASE_URL", None)
    env.pop("HOSO_S3_ENDPOINT", None)
    if request.param == "folder+sqlite":
        yield env
        return
    if not postgres_available():
        pytest.skip("no PostgreSQL at HOSO_TEST_PG")
    s3 = request.getfixturevalue("s3_settings")
    bucket = f"cli-{uuid.uuid4().hex[:12]}"
    with fresh_database("postgresql", tmp_path) as url:
        yield env | {
            "HOSO_DATABASE_URL": url,
            "HOSO_S3_ENDPOINT": s3.endpoint,
            "HOSO_S3_ACCESS_KEY": s3.access_key,
            "HOSO_S3_SECRET_KEY": s3.secret_key,
            "HOSO_S3_BUCKET": bucket,
        }


def test_fixity_command_exit_codes_and_json(
    archive_environment: dict[str, str], tmp_path: Path
) -> None:
    env = archive_environment
    source = scan(tmp_path, "don.pdf", b"%PDF application form")
    added = run_hoso("ingest", source, "--no-digitize", "--json", "--province", "48", env=env)
    key = json.loads(added.stdout)["key"]
    clean = run_hoso("fixity", "--json", env=env)
    assert json.loads(clean.stdout) == {"checked": 1, "problems": []}
    store = Archive.open(ArchiveSettings.from_environment_of(env)).store
    corrupt(store, key)
    broken = run_hoso("fixity", "--json", env=env, expect=ExitCode.FIXITY_FAILED)
    (problem,) = json.loads(broken.stdout)["problems"]
    assert problem["key"] == key and problem["outcome"] == "changed"
    remove(store, key)
    missing = run_hoso("fixity", "--json", env=env, expect=None)
    assert json.loads(missing.stdout)["problems"][0]["outcome"] == "missing"


def test_a_stray_file_in_the_store_is_reported_and_the_round_goes_on(
    archive_environment: dict[str, str], tmp_path: Path
) -> None:
    """A file that is no content key (a `.bak` left by hand) is a problem named by its key,
    shown even with --quiet, and the objects after it are still checked."""
    env = archive_environment
    source = scan(tmp_path, "don.pdf", b"%PDF application form")
    key = json.loads(
        run_hoso("ingest", source, "--no-digitize", "--json", "--province", "48", env=env).stdout
    )["key"]
    store = Archive.open(ArchiveSettings.from_environment_of(env)).store
    plant(store, "json/4b/8d/notes.json.bak", b"{}")
    plant(store, "zz-after-everything.txt", b"x")
    told = run_hoso("fixity", "--json", env=env, expect=ExitCode.FIXITY_FAILED)
    summary = json.loads(told.stdout)
    assert summary["checked"] == 3
    assert sorted((p["key"], p["outcome"]) for p in summary["problems"]) == [
        ("json/4b/8d/notes.json.bak", "unknown"),
        ("zz-after-everything.txt", "unknown"),
    ]
    assert key not in {p["key"] for p in summary["problems"]}
    quiet = run_hoso("fixity", "--quiet", env=env, expect=ExitCode.FIXITY_FAILED)
    assert "unknown: json/4b/8d/notes.json.bak" in quiet.stderr


@pytest.mark.parametrize("down", ["database", "s3"])
def test_storage_down_is_a_clear_error_with_its_exit_code(tmp_path: Path, down: str) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once closed
    env = {**os.environ, "HOSO_DATA_DIR": str(tmp_path / "var")}
    env.pop("HOSO_DATABASE_URL", None)
    env.pop("HOSO_S3_ENDPOINT", None)
    if down == "database":
        env["HOSO_DATABASE_URL"] = (
            f"postgresql+psycopg://hoso@127.0.0.1:{port}/hoso?connect_timeout=2"
        )
    else:
        env |= {"HOSO_S3_ENDPOINT": f"127.0.0.1:{port}", "HOSO_S3_ACCESS_KEY": "k",
                "HOSO_S3_SECRET_KEY": "s", "HOSO_S3_BUCKET": "hoso"}  # fmt: skip
    source = scan(tmp_path, "a.pdf", b"%PDF-1.4 test")
    for args in (["ingest", str(source), "--no-digitize", "--province", "48"], ["fixity"]):
        result = run_hoso(*args, env=env, expect=ExitCode.STORAGE_UNAVAILABLE)
        assert "unreachable" in result.stderr and "Traceback" not in result.stderr
