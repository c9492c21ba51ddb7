"""BagIt export, verification and import, on SQLite + folder store and PostgreSQL + a real S3
server: a real dossier (digitized and signed as a worker does it) leaves as a bag that
`bagit` and `hoso export --verify` accept, a changed or removed file is named, the bag comes
back into an empty archive with every checksum and event, twice without duplicates, and a
hostile bag is refused whole, before anything is written."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import stat
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bagit
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hoso.errors import ExitCode
from hoso.signatures.sign import SigningService
from hoso.storage.bags import check
from hoso.storage.bags.check import BagInvalidError, UnsafeBagError
from hoso.storage.bags.package import (
    Exporter,
    InvalidSelectionError,
    NothingToExportError,
    Selection,
    zip_bag,
)
from hoso.storage.bags.receive import Importer
from hoso.storage.objects import verify
from hoso.storage.records import ArchivalRecords, RecordMetadata
from hoso.storage.s3_store import S3Settings
from hoso.storage.schema import DerivedObject, Document, Event
from tests.archives import DOSSIER, PROVINCE, Held, digitize_dossier, empty_archive, s3_for
from tests.cli import run_hoso
from tests.desk_days import desk_day

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("export")]  # one dossier digitized
METS = "{http://www.loc.gov/METS/}"
PREMIS = "{http://www.loc.gov/premis/v3}"
XLINK = "{http://www.w3.org/1999/xlink}"


@dataclass
class Source:
    held: Held
    kind: str
    documents: list[int]
    bag: Path  # the dossier's bag, made once by `hoso export`
    s3: S3Settings | None


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def source(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    signing: SigningService,
) -> Iterator[Source]:
    kind = request.param
    s3 = s3_for(kind, request)
    folder = tmp_path_factory.mktemp(f"export-{kind}")
    with empty_archive(kind, folder / "source", s3) as held:
        documents = digitize_dossier(held, signing)
        given = {"retention": "vĩnh viễn", "access_level": "hạn chế"}
        ArchivalRecords(held.archive).set(documents[0], given, "archivist:a", None)
        archive = held.archive
        assert all(r.ok for r in archive.check_fixity(archive.fixity_keys(), "fixity-test"))
        bag = folder / "bag"
        done = run_hoso("export", "--dossier", DOSSIER, "-o", bag, "--json", env=held.env)
        assert json.loads(done.stdout)["documents"] == len(documents) == 2
        yield Source(held, kind, documents, bag, s3)


def _copy(bag: Path, where: Path) -> Path:
    return Path(shutil.copytree(bag, where / "bag"))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_dossier_bag_holds_every_object_bit_exact_with_mets_and_premis(source: Source) -> None:
    bag = bagit.Bag(str(source.bag))
    assert bag.is_valid()
    assert bag.info["Source-Organization"] == "Đà Nẵng"
    assert bag.info["Hoso-Documents"] == "2" and bag.info["Hoso-Dossiers"] == "1"
    archive = source.held.archive
    with archive.index.sessions() as session:
        documents = [session.get(Document, i) for i in source.documents]
        derived = list(session.scalars(select(DerivedObject).where(
            DerivedObject.document_id.in_(source.documents))))  # fmt: skip
        events = list(session.scalars(select(Event).where(
            Event.document_id.in_(source.documents))))  # fmt: skip
    keys = {d.original_key: d.original_sha256 for d in documents if d} | {
        d.key: d.sha256 for d in derived
    }
    assert {d.kind for d in derived} == {"pdfa", "json"}
    for key, sha256 in keys.items():
        copy = source.bag / "data" / "objects" / key
        with archive.store.open(key) as stored:
            assert copy.read_bytes() == stored.read()
        assert _sha(copy) == sha256
    root = ET.parse(source.bag / "data" / "mets.xml").getroot()
    files = {f.get("ID"): f for f in root.iter(f"{METS}file")}
    for element in files.values():
        location = element.find(f"{METS}FLocat")
        assert location is not None
        path = source.bag / "data" / str(location.get(f"{XLINK}href"))
        assert element.get("CHECKSUMTYPE") == "SHA-256" and element.get("CHECKSUM") == _sha(path)
    dossiers = [d for d in root.iter(f"{METS}div") if d.get("TYPE") == "dossier"]
    assert [d.get("LABEL") for d in dossiers] == [DOSSIER]
    papers = [d for d in dossiers[0] if d.get("TYPE") == "document"]
    assert len(papers) == 2
    pointed = {p.get("FILEID") for paper in papers for p in paper}
    assert pointed == set(files) and len(files) == len(keys)
    premis = {e.findtext(f"{PREMIS}eventIdentifier/{PREMIS}eventIdentifierValue")
              for e in root.iter(f"{PREMIS}event")}  # fmt: skip
    logged_before = [e for e in events if e.event_type != "exported"]  # logged once it is made
    assert {str(e.id) for e in logged_before} <= premis
    types = {e.findtext(f"{PREMIS}eventType") for e in root.iter(f"{PREMIS}event")}
    assert {"creation", "fixity check"} <= types  # the digitized copy; each object's check
    signed = [e.findtext(f"{PREMIS}eventDetailInformation/{PREMIS}eventDetail") or ""
              for e in root.iter(f"{PREMIS}event")]  # fmt: skip
    assert {s.split(";")[0] for s in signed} >= {f"hoso:{e.event_type}" for e in logged_before}
    assert sum("digital signature generation by" in s for s in signed) == 2
    verified = run_hoso("export", "--verify", source.bag, "--json", env=source.held.env)
    assert json.loads(verified.stdout) == {"bag": str(source.bag), "valid": True, "problems": []}
    bag_id = bag.info["External-Identifier"]
    exported = [e for e in archive.index.events()
                if e.event_type == "exported" and e.detail["bag"] == bag_id]  # fmt: skip
    assert sorted(e.document_id or 0 for e in exported) == sorted(source.documents)


def test_a_span_of_days_exports_the_documents_received_then(source: Source, tmp_path: Path) -> None:
    exporter = Exporter(source.held.archive)
    with source.held.archive.index.sessions() as session:
        received = session.scalars(
            select(Document.created_at).where(Document.id.in_(source.documents))
        ).all()
    first, last = min(map(desk_day, received)), max(map(desk_day, received))
    plan = exporter.plan(Selection(day_from=first, day_to=last, province_code=PROVINCE))
    assert sorted(plan.document_ids) == sorted(source.documents)
    result = exporter.export(plan, tmp_path / "days", "archivist:a")
    assert check.verify_bag(result.path).ok and result.documents == 2
    with pytest.raises(NothingToExportError):
        exporter.plan(Selection(day_to=first - dt.timedelta(days=1)))
    with pytest.raises(NothingToExportError):  # another province's dossier is nothing to it
        exporter.plan(Selection(dossier_code=DOSSIER, province_code="01"))
    with pytest.raises(InvalidSelectionError):
        Selection(dossier_code=DOSSIER, batch_id=1)
    for first_or_last in (dt.date(1, 1, 1), dt.date(9999, 12, 31)):  # were 500s (overflow)
        with pytest.raises(InvalidSelectionError, match="choose days"):
            Selection(day_from=first_or_last, day_to=dt.date(9999, 12, 31))


def test_a_changed_or_removed_file_is_named_by_verify(source: Source, tmp_path: Path) -> None:
    changed = _copy(source.bag, tmp_path / "changed")
    pdf = next((changed / "data" / "objects" / "derived").rglob("*.pdf"))
    body = bytearray(pdf.read_bytes())
    body[len(body) // 2] ^= 0x01
    pdf.write_bytes(bytes(body))
    told = run_hoso("export", "--verify", changed, env=source.held.env,
                    expect=ExitCode.UNREADABLE_INPUT)  # fmt: skip
    assert str(pdf.relative_to(changed)) in told.stderr and "INVALID" in told.stderr
    removed = _copy(source.bag, tmp_path / "removed")
    original = next((removed / "data" / "objects" / "originals").rglob("*.jpg"))
    original.unlink()
    told = run_hoso("export", "--verify", removed, "--json", env=source.held.env,
                    expect=ExitCode.UNREADABLE_INPUT)  # fmt: skip
    problems = json.loads(told.stdout)["problems"]
    assert any(str(original.relative_to(removed)) in p for p in problems)
    grown = _copy(source.bag, tmp_path / "grown")  # a file that grew changes the Payload-Oxum
    pdf = next((grown / "data" / "objects" / "derived").rglob("*.pdf"))
    pdf.write_bytes(pdf.read_bytes() + b"x\n")
    told = run_hoso("export", "--verify", grown, "--json", env=source.held.env,
                    expect=ExitCode.UNREADABLE_INPUT)  # fmt: skip
    problems = json.loads(told.stdout)["problems"]
    assert any(str(pdf.relative_to(grown)) in p for p in problems), problems


def _counts(held: Held) -> tuple[int, int, int, int]:
    with held.archive.index.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Document)) or 0,
            session.scalar(select(func.count()).select_from(Event)) or 0,
            session.scalar(select(func.count()).select_from(DerivedObject)) or 0,
            len(list(held.archive.store.keys())),
        )


def test_a_bag_comes_back_whole_into_an_empty_archive_once(source: Source, tmp_path: Path) -> None:
    with empty_archive(source.kind, tmp_path / "target", source.s3) as target:
        done = run_hoso("import", source.bag, "--json", env=target.env)
        assert len(json.loads(done.stdout)["imported"]) == 2
        first = _counts(target)
        again = json.loads(run_hoso("import", source.bag, "--json", env=target.env).stdout)
        assert again["imported"] == [] and again["already_held"] == 2
        assert _counts(target) == first
        _same_records(source.held, target, source.documents)
        checks = [
            (e.object_key, e.at.replace(tzinfo=None), json.dumps(e.detail, sort_keys=True))
            for e in target.archive.index.events()
            if e.event_type == "fixity_check"
        ]
        held = {
            (e.object_key, e.at.replace(tzinfo=None), json.dumps(e.detail, sort_keys=True))
            for e in source.held.archive.index.events()
            if e.event_type == "fixity_check"
        }
        assert len(checks) == len(set(checks)) and set(checks) <= held
        assert {key for key, _, _ in checks} == set(target.archive.store.keys())
        hits = target.archive.index.search_text("cộng hòa", province_code=PROVINCE)
        assert hits.total >= 1
        stored = list(target.archive.store.keys())
        assert stored and all(verify(target.archive.store, key).ok for key in stored)


def _same_records(held: Held, target: Held, documents: list[int]) -> None:
    """Each document again, under its record identifier: the same objects (keys and
    SHA-256), fields of the records metadata, and events (time, type, agent, detail)."""
    for document_id in documents:
        with held.archive.index.sessions() as session:
            identifier = session.get(RecordMetadata, document_id)
            assert identifier is not None
            before = _document_state(session, document_id)
        with target.archive.index.sessions() as session:
            row = session.scalar(select(RecordMetadata).where(
                RecordMetadata.identifier == identifier.identifier))  # fmt: skip
            assert row is not None
            after = _document_state(session, row.document_id)
        assert after["objects"] == before["objects"]
        assert after["document"] == before["document"]
        exported = [e for e in before["events"] if e[1] != "exported"]
        assert [e for e in after["events"] if e[1] not in ("imported", "exported")] == exported
        assert after["records"] == before["records"]


def _document_state(session: Session, document_id: int) -> dict[str, Any]:
    document = session.get(Document, document_id)
    assert document is not None
    derived = session.scalars(select(DerivedObject).where(DerivedObject.document_id == document_id))
    events = session.scalars(select(Event).where(Event.document_id == document_id)
                             .order_by(Event.at, Event.id))  # fmt: skip
    row = session.get(RecordMetadata, document_id)
    assert row is not None
    return {
        "document": (document.title, document.doc_type, document.pages, document.status,
                     document.province_code, document.original_sha256,
                     document.created_at.replace(tzinfo=None, microsecond=0)),
        "objects": sorted((d.kind, d.key, d.sha256, d.size) for d in derived),
        "events": [(e.at.replace(tzinfo=None), e.event_type, e.outcome, e.agent, e.object_key,
                    e.detail) for e in events],
        "records": (row.identifier, row.retention, row.access_level, row.digitization),
    }  # fmt: skip


# --- hostile bags: refused whole, nothing written ---------------------------------------------


def _hostile(bag: Path, how: str) -> None:
    data = bag / "data"
    if how == "dotdot":
        manifest = bag / "manifest-sha256.txt"
        manifest.write_text(manifest.read_text() + f"{'0' * 64}  data/../../outside.txt\n")
    elif how == "symlink":
        os.symlink("/etc/hostname", data / "objects" / "link.txt")
    elif how == "entities":
        laughs = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
                  '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>')  # fmt: skip
        (data / "mets.xml").write_text(laughs)
    elif how == "fetch":
        (bag / "fetch.txt").write_text("http://example.invalid/x 10 data/x\n")
    elif how == "key":
        record = next((data / "hoso" / "documents").glob("*.json"))
        body = json.loads(record.read_text())
        sha = body["objects"][1]["sha256"]
        body["objects"][1]["key"] = f"derived/{'0' * 64}/../{sha}.pdf"
        record.write_text(json.dumps(body))
        _rebag(bag)


def _rebag(bag: Path) -> None:
    """Make a doctored bag consistent again (its manifests), as an attacker would."""
    opened = bagit.Bag(str(bag))
    cwd = Path.cwd()
    try:
        opened.save(manifests=True)
    finally:
        os.chdir(cwd)


def _refused_whole(
    bag: Path, tmp_path: Path, error: type[Exception], match: str | None = None
) -> None:
    """Importing `bag` into an empty archive raises `error`, and nothing is written."""
    with empty_archive("sqlite", tmp_path / "target", None) as target:
        with pytest.raises(error, match=match):
            Importer(target.archive).import_bag(bag, "cli")
        assert _counts(target) == (0, 0, 0, 0)


@pytest.mark.parametrize("how", ["dotdot", "symlink", "entities", "fetch", "key", "many"])
def test_a_hostile_bag_is_refused_before_anything_is_written(
    source: Source, tmp_path: Path, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if source.kind != "sqlite":
        pytest.skip("the checks read the bag, not the archive: once is enough")
    bag = _copy(source.bag, tmp_path / "hostile")
    if how == "many":
        monkeypatch.setattr(check, "MAX_ENTRIES", 10)  # an export this small has ~20 entries
    else:
        _hostile(bag, how)
    _refused_whole(bag, tmp_path, UnsafeBagError if how != "key" else BagInvalidError)


def _doctored(record: dict, how: str) -> None:  # type: ignore[type-arg]
    """One record changed as helper-73's resealed bags changed theirs."""
    if how == "status":
        record["status"] = "processing-forever"
    elif how == "warnings":
        record["warnings"] = {"not": "a list"}
    elif how == "field_problems":
        record["fields"][0]["problems"] = "not a list"
    elif how == "field_box":
        record["fields"][0]["box"] = ["a", "b"]
    elif how == "field_status":
        record["fields"][0]["status"] = "bogus"
    elif how == "event_type":
        record["events"][0]["event_type"] = "auth_failed_forged"
    elif how == "event_future":
        record["events"][0]["at"] = "2031-01-01T00:00:00+00:00"


@pytest.mark.parametrize(
    "how",
    ["status", "warnings", "field_problems", "field_box", "field_status", "event_type",
     "event_future"],
)  # fmt: skip
def test_a_resealed_bag_of_malformed_records_is_refused_whole(
    source: Source, tmp_path: Path, how: str
) -> None:
    """Hole: a bag resealed with records an archive cannot hold (an unknown status, problems
    that are no list, events dated 2031) was imported: the province's review queue and
    document pages answered 500 after it, forged events stood in its audit log, and one bad
    record among four left three written (a reviewing helper's)."""
    if source.kind != "sqlite":
        pytest.skip("the checks read the bag, not the archive: once is enough")
    bag = _copy(source.bag, tmp_path / "doctored")
    records = sorted((bag / "data" / "hoso" / "documents").glob("*.json"))
    last = records[-1]  # the last record doctored: the ones before it must not be written
    body = json.loads(last.read_text())
    assert len(records) > 1 and body["fields"] and body["events"]
    _doctored(body, how)
    last.write_text(json.dumps(body))
    _rebag(bag)
    _refused_whole(bag, tmp_path, BagInvalidError)


# --- zipped bags (as POST /exports hands them out) ------------------------------------------


def test_a_zipped_bag_verifies_and_imports_like_its_folder(source: Source, tmp_path: Path) -> None:
    if source.kind != "sqlite":
        pytest.skip("unzipping reads the bag, not the archive: once is enough")
    zipped = tmp_path / "bag.zip"
    zip_bag(source.bag, zipped)
    checked = json.loads(run_hoso("export", "--verify", zipped, "--json", env=os.environ).stdout)
    assert checked["valid"] is True and checked["problems"] == []
    with empty_archive("sqlite", tmp_path / "target", None) as target:
        done = json.loads(run_hoso("import", zipped, "--json", env=target.env).stdout)
        assert len(done["imported"]) == 2
        _same_records(source.held, target, source.documents)


def _hostile_zip(bag: Path, target: Path, how: str) -> None:
    zip_bag(bag, target)
    with zipfile.ZipFile(target, "a") as zipped:
        if how == "dotdot":
            zipped.writestr("bag/../../outside.txt", b"escaped")
        elif how == "absolute":
            zipped.writestr("/tmp/hoso-outside.txt", b"escaped")
        elif how == "symlink":
            link = zipfile.ZipInfo("bag/data/objects/link.txt")
            link.external_attr = (stat.S_IFLNK | 0o777) << 16
            zipped.writestr(link, "/etc/hostname")


def test_a_zip_of_too_many_entries_is_refused_before_its_directory_is_read(
    source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entries are counted header by header, stopping past the cap: `zipfile` would build
    every one of them first (millions of tiny entries cost memory before any check). The end
    record's own count is not trusted: here it says 1."""
    if source.kind != "sqlite":
        pytest.skip("the checks read the zip, not the archive: once is enough")
    zipped = tmp_path / "bag.zip"
    zip_bag(source.bag, zipped)  # an export this small has ~20 entries
    data = bytearray(zipped.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    data[end + 8 : end + 12] = (1).to_bytes(2, "little") * 2  # entries on this disk, in all
    zipped.write_bytes(bytes(data))
    monkeypatch.setattr(check, "MAX_ENTRIES", 10)

    def never(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the zip's directory was read before its entries were counted")

    monkeypatch.setattr(zipfile, "ZipFile", never)
    _refused_whole(zipped, tmp_path, UnsafeBagError, match="more than 10 entries")


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink", "room"])
def test_a_hostile_zip_is_refused_before_anything_is_unpacked_or_written(
    source: Source, tmp_path: Path, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if source.kind != "sqlite":
        pytest.skip("the checks read the zip, not the archive: once is enough")
    zipped = tmp_path / "bag.zip"
    _hostile_zip(source.bag, zipped, how)
    if how == "room":  # what it declares would leave less than this free
        monkeypatch.setattr(check, "FREE_AFTER_UNZIP", shutil.disk_usage(tmp_path).free)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", None)  # TMPDIR is read again
    _refused_whole(zipped, tmp_path, UnsafeBagError)
    assert list(scratch.iterdir()) == [] and not (tmp_path.parent / "outside.txt").exists()


def _damaged_zip(target: Path, how: str) -> None:
    info = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n" * 40
    method = zipfile.ZIP_STORED if how == "crc" else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(target, "w", method) as archive:
        archive.writestr("bag/bagit.txt", info)
        if how == "file_and_folder":
            archive.writestr("bag/data", "a file")
            archive.writestr("bag/data/x.txt", "where the file is")
    if how in ("crc", "deflate"):
        data = bytearray(target.read_bytes())
        at = data.index(b"BagIt-Version") if how == "crc" else 60
        data[at] ^= 0x5A  # the entry's bytes no longer match their CRC / their code lengths
        target.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["crc", "deflate", "file_and_folder"])
def test_a_damaged_zip_is_a_clear_error(source: Source, tmp_path: Path, how: str) -> None:
    if source.kind != "sqlite":
        pytest.skip("the checks read the zip, not the archive: once is enough")
    zipped = tmp_path / "bag.zip"
    _damaged_zip(zipped, how)
    _refused_whole(zipped, tmp_path, BagInvalidError, match="cannot be unpacked")


def test_a_bag_zipped_on_a_mac_imports(source: Source, tmp_path: Path) -> None:
    """macOS puts __MACOSX/ beside the folder it compresses: not a second top folder."""
    if source.kind != "sqlite":
        pytest.skip("unzipping reads the bag, not the archive: once is enough")
    zipped = tmp_path / "bag.zip"
    zip_bag(source.bag, zipped)
    with zipfile.ZipFile(zipped, "a") as archive:
        archive.writestr("__MACOSX/bag/._bagit.txt", b"\x00\x05\x16\x07")
    with empty_archive("sqlite", tmp_path / "target", None) as target:
        assert len(Importer(target.archive).import_bag(zipped, "cli").imported) == 2


def test_a_refused_bag_creates_no_archive(tmp_path: Path) -> None:
    not_a_bag = tmp_path / "papers"
    not_a_bag.mkdir()
    (not_a_bag / "scan.pdf").write_bytes(b"%PDF-1.7")
    data_dir = tmp_path / "var"
    env = {"PATH": "/usr/bin:/bin", "HOSO_DATA_DIR": str(data_dir)}
    refused = run_hoso("import", not_a_bag, env=env, expect=ExitCode.UNREADABLE_INPUT)
    assert "bag_invalid" in refused.stderr and "bagit.txt" in refused.stderr
    assert not data_dir.exists()
