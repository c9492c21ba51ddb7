"""Export: a dossier, a batch or a span of days as one BagIt bag, for the provincial archives.

The bag (BagIt 1.0, SHA-256 manifests) holds under `data/`:

- `objects/<content key>`: every original bit-exact, every PDF/A and digitize JSON, at the key
  they have in the store (the key carries the SHA-256, so an import stores them unchanged);
- `hoso/documents/<record identifier>.json`: the index's record of each document (metadata,
  records fields of Circular 05/2025, text, extracted fields, its events), what an import needs;
- `mets.xml`: METS + PREMIS + Dublin Core over the same objects, for the archive's own tools.

`bag-info.txt` names the source organisation (the provinces), the dates and the counts. The
files are written here rather than by `bagit.make_bag`, which moves the working directory of the
whole process (`os.chdir`) while it runs, something a threaded API server cannot allow; every
bag is then validated by `bagit` before it is handed out, so the library stays the judge.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from hoso.desk_time import FIRST_DAY, LAST_DAY, VIETNAM, a_desk_day
from hoso.errors import ExitCode, HosoError, OutputError
from hoso.storage.archive import Archive
from hoso.storage.bags import mets
from hoso.storage.bags.check import verify_bag
from hoso.storage.objects import IntegrityError
from hoso.storage.records import PERSON_FIELDS, ArchivalRecords, RecordMetadata
from hoso.storage.schema import (
    BatchFile,
    DerivedObject,
    Document,
    DocumentText,
    Dossier,
    Event,
    ExtractedField,
    Province,
)
from hoso.storage.vocabulary import EventType, Outcome

BAGIT_VERSION = "1.0"
RECORD_FORMAT = 1  # of data/hoso/documents/*.json; an import refuses one it does not know
BLOCK = 1 << 20


class NothingToExportError(HosoError):
    """The selection names no document the caller may see (a dossier or batch of another
    province answers the same as one that does not exist)."""

    code = "nothing_to_export"
    exit_code = ExitCode.BAD_ARGUMENTS
    http_status = 404


class InvalidSelectionError(HosoError):
    code = "invalid_selection"
    exit_code = ExitCode.BAD_ARGUMENTS
    http_status = 422


class ExportTargetError(OutputError):
    code = "export_target_exists"


@dataclass(frozen=True)
class Selection:
    """What to export: one dossier, one batch, or the documents received in a span of days
    (inclusive, in Vietnam's time); only `province_code`'s (None: every province)."""

    dossier_code: str | None = None
    batch_id: int | None = None
    day_from: dt.date | None = None
    day_to: dt.date | None = None
    province_code: str | None = None

    def __post_init__(self) -> None:
        kinds = [self.dossier_code is not None, self.batch_id is not None,
                 self.day_from is not None or self.day_to is not None]  # fmt: skip
        if sum(kinds) != 1:
            raise InvalidSelectionError("export one dossier, one batch, or a span of days")
        if self.day_from and self.day_to and self.day_to < self.day_from:
            raise InvalidSelectionError("the span of days ends before it starts")
        if any(d is not None and not a_desk_day(d) for d in (self.day_from, self.day_to)):
            raise InvalidSelectionError(
                f"choose days from {FIRST_DAY:%d/%m/%Y} to {LAST_DAY:%d/%m/%Y}"
            )

    @property
    def description(self) -> str:
        if self.dossier_code is not None:
            return f"dossier {self.dossier_code}"
        if self.batch_id is not None:
            return f"batch {self.batch_id}"
        return f"days {self.day_from or '…'} to {self.day_to or '…'}"


@dataclass(frozen=True)
class ExportPlan:
    selection: Selection
    document_ids: list[int]
    objects: int  # to copy (the progress bar's total)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    bag_id: str
    documents: int
    objects: int
    events: int
    bytes: int
    info: dict[str, str] = field(default_factory=dict)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), VIETNAM).astimezone(dt.UTC)


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


class Exporter:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.index = archive.index
        self.records = ArchivalRecords(archive)

    def plan(self, selection: Selection) -> ExportPlan:
        """The documents the selection names, in dossier then id order, and their objects."""
        statement = select(Document.id).order_by(Document.dossier_id, Document.id)
        if selection.province_code is not None:
            statement = statement.where(Document.province_code == selection.province_code)
        if selection.dossier_code is not None:
            statement = statement.join(Dossier, Dossier.id == Document.dossier_id).where(
                Dossier.code == selection.dossier_code.strip()
            )
        if selection.batch_id is not None:
            statement = statement.where(Document.batch_id == selection.batch_id)
        if selection.day_from is not None:
            statement = statement.where(Document.created_at >= _day_start(selection.day_from))
        if selection.day_to is not None:
            after = selection.day_to + dt.timedelta(days=1)
            statement = statement.where(Document.created_at < _day_start(after))
        with self.index.sessions() as session:
            ids = list(session.scalars(statement))
            keys = {key for i in ids for _use, key, _sha in self._objects(session, i)}
        if not ids:
            raise NothingToExportError(f"there is nothing to export for {selection.description}")
        return ExportPlan(selection, ids, len(keys))

    def export(
        self,
        plan: ExportPlan,
        target: Path,
        agent: str,
        desk_id: int | None = None,
        on_object: Callable[[], None] | None = None,
    ) -> ExportResult:
        """Write the bag at `target` (a new or empty folder), validate it, then log an
        `exported` event per document. Built beside the target and moved in place at the
        end: an interrupted export leaves no half bag."""
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise ExportTargetError(f"{target} exists and is not an empty folder")
        bag_id = str(uuid.uuid4())
        staging = target.parent / f".{target.name}.partial-{bag_id[:8]}"
        staging.mkdir(parents=True)
        try:
            records = [self._record(i) for i in plan.document_ids]
            manifest = self._copy_objects(records, staging / "data" / "objects", on_object)
            for record in records:
                manifest.update(_write_json(staging, record))
            info = self._bag_info(bag_id, plan, records, manifest)
            created = dt.datetime.now(VIETNAM).replace(microsecond=0).isoformat()
            document = mets.mets_xml(bag_id, info["Source-Organization"],
                                     created, records)  # fmt: skip
            (staging / "data" / "mets.xml").write_bytes(document)
            manifest["data/mets.xml"] = (hashlib.sha256(document).hexdigest(), len(document))
            info["Payload-Oxum"] = f"{sum(s for _, s in manifest.values())}.{len(manifest)}"
            _write_tag_files(staging, manifest, info)
            verify_bag(staging).raise_if_invalid()  # bagit's word on what was just written
            if target.exists():
                target.rmdir()
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self._log(plan, bag_id, agent, desk_id)
        events = sum(len(r["events"]) for r in records)
        total = sum(s for _, s in manifest.values())
        objects = len({o["key"] for r in records for o in r["objects"]})
        return ExportResult(target, bag_id, len(records), objects, events, total, info)

    # --- the record of one document -----------------------------------------------------

    def _objects(self, session: Session, document_id: int) -> list[tuple[str, str, str]]:
        """(use, key, sha256) of a document's objects: its originals (every scanned file its
        pages come from), then its results in the order they were made."""
        document = session.get(Document, document_id)
        assert document is not None
        found = [("original", document.original_key, document.original_sha256)]
        ids = [source["file_id"] for source in document.sources or []]
        for file in session.scalars(select(BatchFile).where(BatchFile.id.in_(ids))):
            found.append(("original", file.original_key, file.sha256))
        derived = session.scalars(
            select(DerivedObject).where(DerivedObject.document_id == document_id)
            .order_by(DerivedObject.id)
        )  # fmt: skip
        found += [(row.kind, row.key, row.sha256) for row in derived]
        unique: dict[str, tuple[str, str, str]] = {}
        for item in found:
            unique.setdefault(item[1], item)
        return list(unique.values())

    def _record(self, document_id: int) -> dict[str, Any]:
        sheet = self.records.show(document_id)  # derives (and keeps) the digitization facts
        with self.index.sessions() as session:
            document = session.get(Document, document_id)
            assert document is not None
            dossier = session.get(Dossier, document.dossier_id) if document.dossier_id else None
            row = session.get(RecordMetadata, document_id)
            assert row is not None  # made by show()
            objects = self._objects(session, document_id)
            keys = [key for _use, key, _sha in objects]
            text = session.get(DocumentText, document_id)
            fields = session.scalars(
                select(ExtractedField).where(ExtractedField.document_id == document_id)
                .order_by(ExtractedField.id)
            )  # fmt: skip
            events = [e for e in session.scalars(
                select(Event)
                .where(or_(Event.document_id == document_id,
                           and_(Event.document_id.is_(None), Event.object_key.in_(keys))))
                .order_by(Event.id)
            ) if _of_this_document(e, document)]  # fmt: skip
            return {
                "format": RECORD_FORMAT,
                "identifier": sheet.identifier,
                "source_document_id": document.id,
                "title": document.title,
                "doc_type": document.doc_type,
                "status": document.status,
                "pages": document.pages,
                "pages_done": document.pages_done,
                "province_code": document.province_code,
                "created_at": _iso(document.created_at),
                "updated_at": _iso(document.updated_at),
                "failure_code": document.failure_code,
                "failure_reason": document.failure_reason,
                "warnings": document.warnings,
                "dossier": {
                    "code": dossier.code,
                    "procedure_code": dossier.procedure_code,
                    "applicant_citizen_id": dossier.applicant_citizen_id,
                }
                if dossier is not None
                else None,
                "objects": [{"use": u, "key": k, "sha256": s, "size": None} for u, k, s in objects],
                "text": text.text if text is not None else None,
                "fields": [_field(f) for f in fields],
                "records": {
                    **sheet.as_json(),
                    "given": {name: getattr(row, name) for name in PERSON_FIELDS},
                    "digitization": row.digitization,
                },
                "events": [_event(e) for e in events],
            }

    def _copy_objects(
        self, records: list[dict[str, Any]], folder: Path, on_object: Callable[[], None] | None
    ) -> dict[str, tuple[str, int]]:
        """Copy each object once from the store, hashing as it goes: an object whose bytes no
        longer match its checksum is refused (an export never hands over a damaged copy)."""
        manifest: dict[str, tuple[str, int]] = {}
        sizes: dict[str, int] = {}
        for record in records:
            for item in record["objects"]:
                key = item["key"]
                if key not in sizes:
                    sizes[key] = self._copy(key, item["sha256"], folder / key)
                    manifest[f"data/objects/{key}"] = (item["sha256"], sizes[key])
                    if on_object:
                        on_object()
                item["size"] = sizes[key]
        return manifest

    def _copy(self, key: str, sha256: str, path: Path) -> int:
        path.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        with self.archive.store.open(key) as source, path.open("wb") as out:
            while block := source.read(BLOCK):
                digest.update(block)
                out.write(block)
                size += len(block)
        if digest.hexdigest() != sha256:
            raise IntegrityError(f"{key} no longer hashes to its checksum: run `hoso fixity`")
        return size

    def _bag_info(
        self,
        bag_id: str,
        plan: ExportPlan,
        records: list[dict[str, Any]],
        manifest: dict[str, tuple[str, int]],
    ) -> dict[str, str]:
        codes = sorted({r["province_code"] for r in records if r["province_code"]})
        with self.index.sessions() as session:
            names = [p.name for p in session.scalars(select(Province).where(
                Province.code.in_(codes)).order_by(Province.code))]  # fmt: skip
        days = sorted(r["created_at"][:10] for r in records)
        dossiers = {r["dossier"]["code"] for r in records if r["dossier"]}
        return {
            "Source-Organization": "; ".join(names) or "hoso archive",
            "Bagging-Date": dt.datetime.now(VIETNAM).date().isoformat(),
            "External-Identifier": bag_id,
            "External-Description": f"hoso export of {plan.selection.description}",
            "Bag-Software-Agent": "hoso (bags validated with bagit 1.9)",
            "Hoso-Date-Range": f"{days[0]}/{days[-1]}",
            "Hoso-Documents": str(len(records)),
            "Hoso-Dossiers": str(len(dossiers)),
            "Hoso-Objects": str(sum(1 for n in manifest if n.startswith("data/objects/"))),
            "Hoso-Events": str(sum(len(r["events"]) for r in records)),
        }

    def _log(self, plan: ExportPlan, bag_id: str, agent: str, desk_id: int | None) -> None:
        detail: dict[str, Any] = {"bag": bag_id, "selection": plan.selection.description,
                                  "documents": len(plan.document_ids)}  # fmt: skip
        if plan.selection.province_code is not None:
            detail["province"] = plan.selection.province_code
        with self.index.session() as session:
            for document_id in plan.document_ids:
                self.index.log_event(
                    session, EventType.EXPORTED, Outcome.SUCCESS, agent,
                    document_id=document_id, desk_id=desk_id, detail=detail,
                )  # fmt: skip


def _of_this_document(event: Event, document: Document) -> bool:
    """Whether an event is this document's history. The same bytes received in two provinces
    are one object (one content key), so an event naming the key alone may be another
    document's: only the document's own events, and object events that name no batch
    (fixity checks) or a batch this document comes from, travel with it."""
    if event.document_id is not None:
        return event.document_id == document.id
    batch = (event.detail or {}).get("batch_id")
    return batch is None or batch == document.batch_id


def _field(f: ExtractedField) -> dict[str, Any]:
    return {"name": f.name, "value": f.value, "confidence": f.confidence, "status": f.status,
            "source": f.source, "problems": f.problems, "reviewed_by": f.reviewed_by,
            "reviewed_at": _iso(f.reviewed_at), "page": f.page, "box": f.box}  # fmt: skip


def _event(e: Event) -> dict[str, Any]:
    return {"id": e.id, "at": _iso(e.at), "event_type": e.event_type, "outcome": e.outcome,
            "agent": e.agent, "object_key": e.object_key, "of_document": e.document_id is not None,
            "detail": e.detail or {}}  # fmt: skip


def _write_json(bag: Path, record: dict[str, Any]) -> dict[str, tuple[str, int]]:
    name = f"data/hoso/documents/{record['identifier']}.json"
    body = (json.dumps(record, ensure_ascii=False, indent=1) + "\n").encode()
    (bag / name).parent.mkdir(parents=True, exist_ok=True)
    (bag / name).write_bytes(body)
    return {name: (hashlib.sha256(body).hexdigest(), len(body))}


def _write_tag_files(bag: Path, manifest: dict[str, tuple[str, int]], info: dict[str, str]) -> None:
    """bagit.txt, bag-info.txt, the payload manifest and the tag manifest (SHA-256)."""
    tags = {
        "bagit.txt": f"BagIt-Version: {BAGIT_VERSION}\nTag-File-Character-Encoding: UTF-8\n",
        "bag-info.txt": "".join(f"{k}: {' '.join(v.split())}\n" for k, v in sorted(info.items())),
        "manifest-sha256.txt": "".join(f"{sha}  {name}\n"
                                       for name, (sha, _) in sorted(manifest.items())),
    }  # fmt: skip
    lines = []
    for name, body in tags.items():
        data = body.encode()
        (bag / name).write_bytes(data)
        lines.append(f"{hashlib.sha256(data).hexdigest()}  {name}\n")
    (bag / "tagmanifest-sha256.txt").write_text("".join(lines), encoding="utf-8")


def zip_bag(bag: Path, target: Path) -> None:
    """The bag as one zip file (its folder's name at the top), for a download."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for path in sorted(bag.rglob("*")):
            if path.is_file():
                archive.write(path, f"{bag.name}/{path.relative_to(bag).as_posix()}")
