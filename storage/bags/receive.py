"""Import: a bag made by `hoso export` into this archive, empty or not.

Everything is checked before anything is written: the bag must be safe and verify
(`check.verify_bag`), every document record must be well formed, name only content keys that
the bag holds with the checksum the manifest gives, and belong to a province this archive
knows. Then each document is taken in its own transaction: its objects are stored under the
same content keys (so with the same SHA-256), and its row, results, text, fields, records
metadata and events are recreated, event times, agents and details unchanged. A document whose
record identifier the archive already holds is left as it is, so importing a bag twice changes
nothing. Not recreated: batches, desks (an event's desk is dropped) and person records (the
extracted fields are imported; the person index is rebuilt as papers are reviewed).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hoso.storage.archive import Archive
from hoso.storage.bags.check import BagInvalidError, opened_bag, verify_bag
from hoso.storage.bags.package import RECORD_FORMAT
from hoso.storage.objects import StoredObject
from hoso.storage.records import PERSON_FIELDS, RecordMetadata
from hoso.storage.schema import (
    Document,
    Dossier,
    Event,
    ExtractedField,
    Province,
)
from hoso.storage.vocabulary import DocumentStatus, EventType, FieldStatus, Outcome

MAX_RECORD_BYTES = 64 * 1024**2
_ORIGINAL = re.compile(r"^originals/[0-9a-f]{2}/[0-9a-f]{2}/([0-9a-f]{64})(\.[a-z0-9]{1,8})?$")
_DERIVED = re.compile(
    r"^derived/[0-9a-f]{64}/([A-Za-z0-9_-][A-Za-z0-9_.-]{0,63})/([0-9a-f]{64})(\.[A-Za-z0-9]{1,8})?$"
)
_IDENTIFIER = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class ImportResult:
    bag_id: str
    imported: list[int]  # the new documents' ids
    already_held: int  # documents the archive had (same record identifier): left unchanged
    objects: int  # objects stored (new or already there)
    events: int  # events recreated


def key_sha256(key: str) -> str | None:
    """The SHA-256 a content key names, if it is one of the store's key shapes."""
    original = _ORIGINAL.match(key)
    if original:
        return original.group(1)
    derived = _DERIVED.match(key)
    return derived.group(2) if derived and derived.group(1) not in (".", "..") else None


@dataclass(frozen=True)
class BagContents:
    """A bag read and checked, nothing written yet."""

    path: Path
    bag_id: str
    records: list[dict[str, Any]]


def read_bag(bag: Path) -> BagContents:
    """The bag's id and its document records, all checked against the bag alone (safe, whole,
    well formed); needs no archive, so a refused bag touches none."""
    report = verify_bag(bag)
    report.raise_if_invalid()
    folder = bag / "data" / "hoso" / "documents"
    names = sorted(n for n in report.manifest if n.startswith("data/hoso/documents/"))
    if not names:
        raise BagInvalidError("the bag holds no hoso document records", source=bag.name)
    records = [_read_record(folder / n.rsplit("/", 1)[1], report.manifest) for n in names]
    return BagContents(bag, report.info.get("External-Identifier", ""), records)


def _read_record(path: Path, manifest: dict[str, str]) -> dict[str, Any]:
    shown = path.name
    if path.stat().st_size > MAX_RECORD_BYTES:
        raise BagInvalidError(f"{shown} is larger than {MAX_RECORD_BYTES} bytes")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        _check_shape(record)
    except (ValueError, TypeError, KeyError) as error:
        raise BagInvalidError(f"{shown} is not a hoso document record: {error}") from None
    if f"{record['identifier']}.json" != shown:
        raise BagInvalidError(f"{shown} holds the record {record['identifier']}")
    for item in record["objects"]:
        key, sha256 = item["key"], item["sha256"]
        if key_sha256(key) != sha256:
            raise BagInvalidError(f"{shown}: {key!r} is not a content key of {sha256}")
        if manifest.get(f"data/objects/{key}") != sha256:
            raise BagInvalidError(f"{shown}: the bag does not hold {key} with that checksum")
    keys = {item["key"] for item in record["objects"]}
    for event in record["events"]:
        if not event["of_document"] and event["object_key"] not in keys:
            raise BagInvalidError(f"{shown}: an object event names {event['object_key']!r}, "
                                  "not an object of this document")  # fmt: skip
        if event["detail"].get("province") not in (None, record["province_code"]):
            # a province's audit log shows the events naming it: not another's to write
            raise BagInvalidError(f"{shown}: event {event['id']} names another province")
    checked: dict[str, Any] = record
    return checked


class Importer:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.index = archive.index

    def check_provinces(self, records: list[dict[str, Any]]) -> None:
        """Every record of a province this archive knows, every dossier of one province
        (another province's dossier of the same code is not to be joined); raises before any
        write."""
        with self.index.sessions() as session:
            known = set(session.scalars(select(Province.code)))
            dossiers = _dossier_provinces(session, records)
        for record in records:
            if record["province_code"] is not None and record["province_code"] not in known:
                raise BagInvalidError(
                    f"document {record['identifier']} is of province "
                    f"{record['province_code']}, which this archive does not know"
                )
            code = (record["dossier"] or {}).get("code")
            province = record["province_code"]
            if code is not None and dossiers.setdefault(code, province) != province:
                raise BagInvalidError(
                    f"document {record['identifier']} is of dossier {code}, which is another "
                    "province's"
                )

    def import_bag(self, bag: Path, agent: str) -> ImportResult:
        """The bag at `bag` (a folder, or a zip of one) into this archive."""
        with opened_bag(bag) as folder:
            return self.receive(read_bag(folder), agent)

    def receive(self, contents: BagContents, agent: str) -> ImportResult:
        """A bag already read (`read_bag`) into this archive, one document at a time."""
        self.check_provinces(contents.records)
        bag, bag_id, records = contents.path, contents.bag_id, contents.records
        imported: list[int] = []
        already, events, stored_keys = 0, 0, set()
        seen_events: set[int] = set()  # an object's events come with each document holding it
        keys = {o["key"] for record in records for o in record["objects"]}
        # This archive's own history of an object it already holds (its fixity checks) is not
        # to be shadowed by another store's: the bag's object events come only with new objects.
        held_keys = {key for key in keys if self.archive.store.stat(key) is not None}
        for record in records:
            with self.index.sessions() as session:
                held = session.scalar(
                    select(RecordMetadata.document_id).where(
                        RecordMetadata.identifier == record["identifier"]
                    )
                )
            if held is not None:
                already += 1
                continue
            stored = {o["key"]: self._store(bag, o) for o in record["objects"]}
            stored_keys |= set(stored)
            document_id, count = self._recreate(
                record, stored, agent, bag_id, seen_events, held_keys
            )
            imported.append(document_id)
            events += count
        return ImportResult(bag_id, imported, already, len(stored_keys), events)

    # --- writing ------------------------------------------------------------------------

    def _store(self, bag: Path, item: dict[str, Any]) -> StoredObject:
        """Put the object under its own key: the store checks the bytes hash to it."""
        return self.archive.store.put_file(item["key"], bag / "data" / "objects" / item["key"])

    def _recreate(
        self,
        record: dict[str, Any],
        stored: dict[str, StoredObject],
        agent: str,
        bag_id: str,
        seen_events: set[int],
        held_keys: set[str],
    ) -> tuple[int, int]:
        with self.index.session() as session:
            original = record["objects"][0]
            document = Document(
                dossier_id=self._dossier(session, record),
                title=record["title"], doc_type=record["doc_type"], pages=record["pages"],
                original_key=original["key"], original_sha256=original["sha256"],
                status=record["status"], failure_reason=record["failure_reason"],
                failure_code=record["failure_code"], created_at=_moment(record["created_at"]),
                updated_at=_moment(record["updated_at"]), province_code=record["province_code"],
                pages_done=record["pages_done"] or 0, warnings=record["warnings"],
            )  # fmt: skip
            session.add(document)
            session.flush()
            for item in record["objects"][1:]:
                if item["use"] != "original":
                    self.archive.link_derived(
                        session, document.id, item["use"], stored[item["key"]]
                    )
            if record["text"] is not None:
                self.index.set_text(session, document.id, record["text"])
            for f in record["fields"]:
                session.add(ExtractedField(
                    document_id=document.id, name=f["name"], value=f["value"],
                    confidence=f["confidence"], status=f["status"], source=f["source"],
                    problems=f["problems"], reviewed_by=f["reviewed_by"],
                    reviewed_at=_moment(f["reviewed_at"]), page=f["page"], box=f["box"],
                ))  # fmt: skip
            given = record["records"]["given"]
            session.add(RecordMetadata(
                document_id=document.id, identifier=record["identifier"],
                digitization=record["records"]["digitization"],
                **{name: given.get(name) for name in PERSON_FIELDS},
            ))  # fmt: skip
            count = 0
            for event in record["events"]:
                if event["id"] in seen_events or (
                    not event["of_document"] and event["object_key"] in held_keys
                ):
                    continue
                seen_events.add(event["id"])
                session.add(Event(
                    at=_moment(event["at"]), event_type=event["event_type"],
                    outcome=event["outcome"], agent=event["agent"],
                    object_key=event["object_key"],
                    document_id=document.id if event["of_document"] else None,
                    detail=event["detail"],
                ))  # fmt: skip
                count += 1
            self.index.log_event(
                session, EventType.IMPORTED, Outcome.SUCCESS, agent, document_id=document.id,
                detail={"bag": bag_id, "identifier": record["identifier"],
                        "province": record["province_code"]},
            )  # fmt: skip
            return document.id, count

    def _dossier(self, session: Session, record: dict[str, Any]) -> int | None:
        """The dossier of the code the record names: this archive's, or a new one."""
        given = record["dossier"]
        if not given or not given.get("code"):
            return None
        dossier = session.scalar(select(Dossier).where(Dossier.code == given["code"]))
        if dossier is None:
            dossier = Dossier(
                code=given["code"], procedure_code=given.get("procedure_code"),
                applicant_citizen_id=given.get("applicant_citizen_id"),
                province_code=record["province_code"],
            )  # fmt: skip
            session.add(dossier)
            session.flush()
        return int(dossier.id)


def _dossier_provinces(session: Session, records: list[dict[str, Any]]) -> dict[str, str | None]:
    """The province of each dossier code the records name that this archive already holds: a
    document joins a dossier (held, or made by this bag) only of its own province, since a
    code is unique in the archive."""
    codes = {(r["dossier"] or {}).get("code") for r in records} - {None}
    found = session.execute(
        select(Dossier.code, Dossier.province_code).where(Dossier.code.in_(codes))
    )  # fmt: skip
    return {str(code): province for code, province in found}


def _moment(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


_TYPES: dict[str, Any] = {
    "format": int, "identifier": str, "title": str, "status": str, "created_at": str,
    "objects": list, "fields": list, "events": list, "records": dict,
}  # fmt: skip
_PRESENT = (
    "doc_type",
    "pages",
    "pages_done",
    "province_code",
    "updated_at",
    "failure_code",
    "failure_reason",
    "warnings",
    "dossier",
    "text",
)  # read when the rows are made
_DOSSIER_LIMITS = {"code": 40, "procedure_code": 40, "applicant_citizen_id": 12}
_LIMITS = {"title": 300, "doc_type": 40, "status": 20, "failure_code": 40}
_EVENT_LIMITS = {"event_type": 40, "outcome": 20, "agent": 120, "object_key": 250}


def _check_dossier(dossier: Any) -> None:
    if dossier is None:
        return
    if not isinstance(dossier, dict):
        raise TypeError("dossier is not an object")
    for name, limit in _DOSSIER_LIMITS.items():
        value = dossier.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            raise ValueError(f"dossier {name} is not text of at most {limit} characters")


def _known(vocabulary: type[StrEnum], value: Any, what: str) -> None:
    """A word the index stores must be one this hoso knows: an unknown document status had
    made a province's review queue and document pages answer 500 after an import, and an
    unknown event type stood in its audit log (a reviewing helper's crafted bag)."""
    if value not in {member.value for member in vocabulary}:
        raise ValueError(f"{what} {value!r} is not one hoso knows")


def _texts(value: Any, what: str) -> None:
    if value is not None and not (
        isinstance(value, list) and all(isinstance(item, str) for item in value)
    ):
        raise TypeError(f"{what} is not a list of texts")


def _field_extras(field: dict[str, Any]) -> None:
    """An extracted field's status, problems, page, box and review as the index keeps them."""
    _known(FieldStatus, field["status"], "field status")
    _texts(field.get("problems"), "a field's problems")
    page, box = field.get("page"), field.get("box")
    if page is not None and not (isinstance(page, int) and page >= 1):
        raise ValueError("a field's page is not a page number")
    if box is not None and not (
        isinstance(box, list) and len(box) == 4 and all(isinstance(v, int) for v in box)
    ):
        raise ValueError("a field's box is not four whole numbers")
    by = field.get("reviewed_by")
    if by is not None and not (isinstance(by, str) and len(by) <= 120):
        raise ValueError("a field's reviewer is not text of at most 120 characters")
    _moment(field.get("reviewed_at"))


def _tomorrow() -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=1)


def _check_shape(record: Any) -> None:
    """Types and lengths of what becomes rows; anything else is refused, never truncated."""
    if not isinstance(record, dict):
        raise TypeError("not an object")
    for name, kind in _TYPES.items():
        if not isinstance(record.get(name), kind):
            raise TypeError(f"{name} is missing or not a {kind.__name__}")
    missing = [name for name in _PRESENT if name not in record]
    if missing:
        raise KeyError(", ".join(missing))
    for name in ("pages", "pages_done"):
        if record[name] is not None and not isinstance(record[name], int):
            raise TypeError(f"{name} is not a number")
    if record["text"] is not None and not isinstance(record["text"], str):
        raise TypeError("text is not text")
    _check_dossier(record["dossier"])
    if record["format"] != RECORD_FORMAT:
        raise ValueError(f"record format {record['format']} (this hoso reads {RECORD_FORMAT})")
    if not _IDENTIFIER.match(record["identifier"]):
        raise ValueError("identifier is not a UUID")
    for name, limit in _LIMITS.items():
        value = record.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            raise ValueError(f"{name} is not text of at most {limit} characters")
    code = record.get("province_code")
    if code is not None and (not isinstance(code, str) or not re.fullmatch(r"\d{2}", code)):
        raise ValueError("province_code is not two digits")
    if not record["objects"] or record["objects"][0].get("use") != "original":
        raise ValueError("the first object must be the original")
    for item in record["objects"]:
        if not (isinstance(item.get("key"), str) and isinstance(item.get("sha256"), str)
                and isinstance(item.get("use"), str) and len(item["use"]) <= 20):  # fmt: skip
            raise TypeError("an object lacks its key, sha256 or use")
    _known(DocumentStatus, record["status"], "status")
    _texts(record["warnings"], "warnings")
    for f in record["fields"]:
        if not (isinstance(f.get("name"), str) and len(f["name"]) <= 60
                and isinstance(f.get("value"), str)
                and isinstance(f.get("confidence"), int | float)
                and isinstance(f.get("status"), str) and len(f["status"]) <= 20
                and isinstance(f.get("source"), str) and len(f["source"]) <= 20):  # fmt: skip
            raise ValueError("an extracted field is not name, value, confidence, status, source")
        _field_extras(f)
    for event in record["events"]:
        if not isinstance(event.get("id"), int) or not isinstance(event.get("detail"), dict):
            raise TypeError("an event lacks its id or detail")
        if not isinstance(event.get("of_document"), bool):
            raise TypeError("an event does not say whether it is of the document")
        for name, limit in _EVENT_LIMITS.items():
            value = event.get(name)
            if value is not None and (not isinstance(value, str) or len(value) > limit):
                raise ValueError(f"event {name} is not text of at most {limit} characters")
        _known(EventType, event.get("event_type"), "event type")
        _known(Outcome, event.get("outcome"), "event outcome")
        at = _moment(event["at"])
        if at is not None and at.tzinfo is not None and at > _tomorrow():
            raise ValueError(f"event {event['id']} is dated {event['at']}, in the future")
    given = record["records"].get("given")
    if not isinstance(given, dict):
        raise TypeError("records.given is missing")
    for name in PERSON_FIELDS:
        value = given.get(name)
        if value is not None and (
            not isinstance(value, str) or len(value) > PERSON_FIELDS[name][1]
        ):
            raise ValueError(f"records field {name} is too long or not text")
