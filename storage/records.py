"""Records metadata of each archived document, after Circular 05/2025/TT-BNV (the data of an
archival file, "dữ liệu của hồ sơ lưu trữ") and the digitization facts an archive receiving the
record must know (docs/records-metadata.md lists each field, its Vietnamese name and source).

Two kinds of field, never mixed: what hoso knows (the index, the document's JSON, its
signature, its batch and desk) is derived; what only a person can decide (record code,
retention, access level, …) is stored as they set it (`record_metadata`, migration 0011) and
is empty until then. An empty field is shown as empty with `source="person"`: it is never
filled with a guess. The digitization facts of a finished document are read once from its
stored copy and kept (`digitization`), since a finished copy never changes.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pikepdf
from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.exc import IntegrityError as SqlIntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from hoso.errors import ExitCode, HosoError
from hoso.storage.archive import Archive
from hoso.storage.schema import (
    Account,
    ApiToken,
    Base,
    Batch,
    Desk,
    Document,
    DocumentText,
    Dossier,
    Event,
    Province,
    UtcDateTime,
)
from hoso.storage.vocabulary import DocumentStatus, EventType, Outcome

PDFA_FORMAT = "PDF/A-2b"  # what digitize.pdfa writes (ISO 19005-2 = TCVN 14159-2:2024)

# The fields a person sets: name -> (Vietnamese name in 05/2025, longest value).
PERSON_FIELDS: dict[str, tuple[str, int]] = {
    "record_code": ("Mã hồ sơ", 60),
    "title": ("Tiêu đề hồ sơ", 500),
    "retention": ("Thời hạn lưu trữ", 40),
    "access_level": ("Mức độ tiếp cận", 40),
    "keywords": ("Từ khóa", 500),
    "physical_state": ("Tình trạng vật lý", 200),
    "information_symbol": ("Ký hiệu thông tin", 60),
    "reliability": ("Mức độ tin cậy", 40),
    "paper_original_code": ("Mã hồ sơ gốc giấy", 60),
    "notes": ("Ghi chú", 1000),
}
_RETENTION = re.compile(r"^(vĩnh viễn|([1-9]\d?) năm)$")


class RecordMetadata(Base):
    """What a person set about one document's record, its identifier across archives, and the
    derived digitization facts of its finished copy (migration 0011)."""

    __tablename__ = "record_metadata"
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(36), unique=True)
    record_code: Mapped[str | None] = mapped_column(String(60))
    title: Mapped[str | None] = mapped_column(String(500))
    retention: Mapped[str | None] = mapped_column(String(40))
    access_level: Mapped[str | None] = mapped_column(String(40))
    keywords: Mapped[str | None] = mapped_column(String(500))
    physical_state: Mapped[str | None] = mapped_column(String(200))
    information_symbol: Mapped[str | None] = mapped_column(String(60))
    reliability: Mapped[str | None] = mapped_column(String(40))
    paper_original_code: Mapped[str | None] = mapped_column(String(60))
    notes: Mapped[str | None] = mapped_column(String(1000))
    digitization: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_by: Mapped[str | None] = mapped_column(String(120))
    updated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class InvalidRecordValueError(HosoError):
    """A value a person gave for a records field is not one the field takes."""

    code = "invalid_record_value"
    exit_code = ExitCode.BAD_ARGUMENTS
    http_status = 422


@dataclass(frozen=True)
class RecordField:
    """One field of a record: `value` None is empty; `source` says where a value comes from
    (`person`: only a person sets it; `index`, `json`, `signature`, `batch`, `text`: derived)."""

    name: str
    label_vi: str
    value: str | int | list[int] | None
    source: str


@dataclass(frozen=True)
class RecordSheet:
    document_id: int
    identifier: str
    fields: list[RecordField]

    @property
    def missing(self) -> list[str]:
        """The person's fields still empty: what an archivist must fill before handover."""
        return [f.name for f in self.fields if f.source == "person" and f.value is None]

    def as_json(self) -> dict[str, Any]:
        return {
            "identifier": self.identifier,
            "fields": [vars(f) for f in self.fields],
            "missing": self.missing,
        }


def clean_value(name: str, value: str | None) -> str | None:
    """A person's value as stored: stripped, NFC; empty clears it. Retention is "vĩnh viễn"
    (permanent) or "<n> năm" (years), the two forms of the Law on Archives' schedules."""
    if name not in PERSON_FIELDS:
        raise InvalidRecordValueError(f"{name!r} is not a records field a person sets")
    if value is None:
        return None
    cleaned = unicodedata.normalize("NFC", " ".join(value.split()))
    if not cleaned:
        return None
    if len(cleaned) > PERSON_FIELDS[name][1]:
        raise InvalidRecordValueError(f"{name} is longer than {PERSON_FIELDS[name][1]} characters")
    if any(unicodedata.category(c) == "Cc" for c in cleaned):
        raise InvalidRecordValueError(f"{name} holds control characters")
    if name == "retention" and not _RETENTION.match(cleaned.lower()):
        raise InvalidRecordValueError(
            'retention is "vĩnh viễn" (permanent) or a number of years, e.g. "10 năm"'
        )
    return cleaned.lower() if name == "retention" else cleaned


def looks_vietnamese(text: str) -> bool:
    """Vietnamese is the only language written with these letters (ă â đ ê ô ơ ư and the
    precomposed tone-marked vowels, U+1EA0–U+1EF9): a few of them in the text settle it."""
    marked = sum(1 for c in text.lower() if c in "ăâđêôơư" or "\u1ea0" <= c <= "\u1ef9")
    return marked >= 3


class ArchivalRecords:
    """Records metadata of an archive's documents: show (derived + set), set (a person)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.index = archive.index

    def identifier(self, session: Session, document_id: int) -> RecordMetadata:
        """The document's row, made (with a new identifier) the first time it is needed."""
        row = session.get(RecordMetadata, document_id)
        if row is None:
            row = RecordMetadata(document_id=document_id, identifier=str(uuid.uuid4()))
            session.add(row)
            session.flush()
        return row

    def show(self, document_id: int) -> RecordSheet:
        """The document's records metadata. The first read makes its row (identifier and
        digitization facts); two first reads at once both try, and the loser reads again."""
        try:
            return self._show(document_id)
        except SqlIntegrityError:
            return self._show(document_id)

    def _show(self, document_id: int) -> RecordSheet:
        with self.index.session() as session:
            document = session.get(Document, document_id)
            if document is None:
                raise KeyError(document_id)
            row = self.identifier(session, document_id)
            if row.digitization is None and document.status == DocumentStatus.DONE:
                row.digitization = self._digitization(session, document)
            return self._sheet(session, document, row)

    def set(
        self, document_id: int, changes: Mapping[str, str | None], agent: str, desk_id: int | None
    ) -> RecordSheet:
        """Set (or clear, with None or "") the person's fields given; an event holds the
        names and the values before and after."""
        cleaned = {name: clean_value(name, value) for name, value in changes.items()}
        with self.index.session() as session:
            document = session.get(Document, document_id)
            if document is None:
                raise KeyError(document_id)
            row = self.identifier(session, document_id)
            before = {name: getattr(row, name) for name in cleaned}
            changed = [name for name, value in cleaned.items() if before[name] != value]
            for name in changed:
                setattr(row, name, cleaned[name])
            if changed:
                row.updated_by, row.updated_at = agent, dt.datetime.now(dt.UTC)
                self.index.log_event(
                    session, EventType.RECORDS_UPDATED, Outcome.SUCCESS, agent,
                    document_id=document_id, desk_id=desk_id,
                    detail={"fields": changed, "before": {n: before[n] for n in changed},
                            "after": {n: cleaned[n] for n in changed}},
                )  # fmt: skip
            return self._sheet(session, document, row)

    # --- derived ----------------------------------------------------------------------------

    def _sheet(self, session: Session, document: Document, row: RecordMetadata) -> RecordSheet:
        dossier = session.get(Dossier, document.dossier_id) if document.dossier_id else None
        province = session.get(Province, document.province_code) if document.province_code else None
        in_file = self._file_documents(session, document)
        text = session.get(DocumentText, document.id)
        digitization = row.digitization or {}
        person = {name: getattr(row, name) for name in PERSON_FIELDS}

        def given(name: str) -> RecordField:
            return RecordField(name, PERSON_FIELDS[name][0], person[name], "person")

        def derived(name: str, label: str, value: Any, source: str) -> RecordField:
            return RecordField(name, label, value, source)

        return RecordSheet(document.id, row.identifier, [
            given("record_code"),
            derived("title", "Tiêu đề hồ sơ", person["title"] or document.title,
                    "person" if person["title"] else "index"),
            derived("dossier_code", "Mã hồ sơ thủ tục hành chính",
                    dossier.code if dossier else None, "index"),
            derived("agency", "Cơ quan, tổ chức", province.name if province else None, "index"),
            derived("desk", "Bộ phận một cửa", digitization.get("desk"), "batch"),
            given("retention"),
            given("access_level"),
            derived("language", "Ngôn ngữ",
                    "vi" if text is not None and looks_vietnamese(text.text) else None, "text"),
            derived("start_date", "Thời gian bắt đầu", min(in_file).date().isoformat(), "index"),
            derived("end_date", "Thời gian kết thúc", max(in_file).date().isoformat(), "index"),
            given("keywords"),
            derived("documents_in_file", "Tổng số tài liệu trong hồ sơ", len(in_file), "index"),
            derived("pages", "Số lượng trang", document.pages, "index"),
            given("physical_state"),
            given("information_symbol"),
            given("reliability"),
            given("paper_original_code"),
            derived("format", "Định dạng", digitization.get("format"), "index"),
            derived("digitized_by", "Người số hóa", digitization.get("operator"), "batch"),
            derived("digitized_at", "Thời gian số hóa", digitization.get("digitized_at"), "index"),
            derived("station", "Trạm số hóa", digitization.get("station"), "batch"),
            derived("resolution_dpi", "Độ phân giải (dpi, thấp nhất)",
                    digitization.get("resolution_dpi"), "json"),
            derived("resolution_dpi_pages", "Độ phân giải từng trang (dpi)",
                    digitization.get("resolution_dpi_pages"), "json"),
            derived("signed_by", "Người ký bản số hóa", digitization.get("signer"), "signature"),
            derived("signed_at", "Thời gian ký", digitization.get("signed_at"), "signature"),
            given("notes"),
        ])  # fmt: skip

    def _file_documents(self, session: Session, document: Document) -> list[dt.datetime]:
        """When each document of the document's file (its dossier; alone without one) came."""
        if document.dossier_id is None:
            return [document.created_at]
        return list(
            session.scalars(
                select(Document.created_at).where(Document.dossier_id == document.dossier_id)
            )
        )

    def _digitization(self, session: Session, document: Document) -> dict[str, Any]:
        """What hoso knows of how a finished document was digitized: who (the operator who
        opened its batch, or who signed), when (its `processed` event), where (station and
        desk of its batch), at which resolution (its JSON's pages), signed by whom and when
        (the `processed` event and the signature dictionary of its PDF/A)."""
        processed = session.scalar(
            select(Event)
            .where(
                Event.document_id == document.id,
                Event.event_type == EventType.PROCESSED,
                Event.outcome == Outcome.SUCCESS,
            )
            .order_by(Event.id.desc())
        )
        signed = (processed.detail or {}).get("signed_by") if processed else None
        facts: dict[str, Any] = {
            "digitized_at": processed.at.isoformat() if processed else None,
            "signer": (signed or {}).get("certificate"),
            "operator": (signed or {}).get("operator"),
        }
        station, desk, operator = self._station(session, document)
        facts |= {"station": station, "desk": desk, "operator": facts["operator"] or operator}
        pdfa = self.archive.newest_derived(session, document.id, "pdfa")
        facts["format"] = PDFA_FORMAT if pdfa is not None else None
        facts["signed_at"] = self._signing_time(pdfa.key) if pdfa is not None else None
        facts |= self._resolution(session, document.id)
        return facts

    def _station(
        self, session: Session, document: Document
    ) -> tuple[str | None, str | None, str | None]:
        """The station that sent the document's batch, its desk, and the operator it names
        (the station token's name, or the desk UI account's username: `Intake.operator_of`)."""
        if document.batch_id is None:
            return None, None, None
        found = session.execute(
            select(ApiToken.name, Account.username, Desk.name)
            .select_from(Batch)
            .outerjoin(ApiToken, ApiToken.id == Batch.station_token_id)
            .outerjoin(Account, Account.id == Batch.station_account_id)
            .outerjoin(Desk, Desk.id == Batch.desk_id)
            .where(Batch.id == document.batch_id)
        ).first()
        token, account, desk = found if found else (None, None, None)
        station = f"token:{token}" if token else (f"desk UI:{account}" if account else None)
        return station, desk, token or account

    def _resolution(self, session: Session, document_id: int) -> dict[str, Any]:
        json_object = self.archive.newest_derived(session, document_id, "json")
        if json_object is None:
            return {"resolution_dpi": None, "resolution_dpi_pages": None}
        with self.archive.store.open(json_object.key) as stream:
            pages = json.loads(stream.read()).get("pages", [])
        dpis = [int(p["dpi"]) for p in pages if isinstance(p.get("dpi"), int | float)]
        return {"resolution_dpi": min(dpis) if dpis else None, "resolution_dpi_pages": dpis}

    def _signing_time(self, key: str) -> str | None:
        """The signing time the copy's first signature claims (/M of its signature dictionary;
        the time-stamp token proves it, `hoso verify` checks that). A copy pikepdf cannot read
        has no time to give: `hoso fixity` and `hoso verify` are what report damage."""
        with self.archive.store.open(key) as stream:
            body = stream.read()
        try:
            with pikepdf.open(io.BytesIO(body)) as pdf:
                form = pdf.Root.get("/AcroForm")
                for field in form.get("/Fields", []) if form is not None else []:
                    value = field.get("/V")
                    if field.get("/FT") == "/Sig" and value is not None and "/M" in value:
                        return _pdf_date(str(value.M))
        except pikepdf.PdfError:
            return None
        return None


_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(Z|[+-]\d{2}'?\d{2}'?)?")


def _pdf_date(text: str) -> str | None:
    """A PDF date (D:YYYYMMDDHHmmSS+07'00') as ISO 8601; None if it is not one."""
    match = _PDF_DATE.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    digits = (zone or "").replace("'", "")
    offset = "+00:00" if zone in (None, "Z") else f"{digits[:3]}:{digits[3:5]}"
    return f"{year}-{month}-{day}T{hour}:{minute}:{second}{offset}"
