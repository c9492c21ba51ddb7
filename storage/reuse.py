"""Reuse of digitized papers: record extracted fields, queue doubtful ones for an officer, and
give any desk a person's reusable records and the best current value of each field, so the next
application is prefilled instead of asking the citizen again (Decrees 45/2020, 107/2021).

Every read of a person's data is an audit event (who, desk, what, when).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hoso.contract import PREFILL_FIELDS, ExtractedFields
from hoso.errors import ExitCode, HosoError
from hoso.storage.index import RecordIndex
from hoso.storage.schema import Document, ExtractedField, Person
from hoso.storage.textfold import fold
from hoso.storage.vocabulary import EventType, FieldStatus, Outcome

# What is wrong with a field's value on its own: (field name, value) -> reasons, none if fine.
# The faces pass digitize's checks, so storage imports nothing of digitize.
ValueCheck = Callable[[str, str], list[str]]

REVIEW_BELOW = 0.85  # confidence under which a value waits for an officer
# Which value of a field wins for a person: an officer's word, then a confident reading.
STATUS_RANK = {
    FieldStatus.CORRECTED: 3,
    FieldStatus.ACCEPTED: 2,
    FieldStatus.EXTRACTED: 1,
    FieldStatus.NEEDS_REVIEW: 0,
}


@dataclass(frozen=True)
class BestValue:
    value: str
    confidence: float
    status: str
    document_id: int
    field_id: int


@dataclass(frozen=True)
class PersonRecord:
    citizen_id: str
    fields: dict[str, BestValue]
    documents: list[dict[str, Any]]


class InvalidValueError(HosoError):
    """An officer's correction fails the check its field's readings get."""

    code = "invalid_value"
    exit_code = ExitCode.BAD_ARGUMENTS
    http_status = 422


def upsert_person(
    session: Session, province_code: str | None, citizen_id: str, name: str
) -> Person:
    """The province's record of this citizen, created or renamed; other provinces' records of
    the same ID number are never touched."""
    person = session.scalars(
        select(Person).where(Person.province_code == province_code, Person.citizen_id == citizen_id)
    ).one_or_none()
    if person is None:
        person = Person(province_code=province_code, citizen_id=citizen_id, name=name,
                        name_folded=fold(name))  # fmt: skip
        session.add(person)
    else:
        person.name, person.name_folded = name, fold(name)
    return person


class Reuse:
    def __init__(self, index: RecordIndex) -> None:
        self.index = index

    def record_fields(self, document_id: int, result: ExtractedFields, agent: str) -> list[int]:
        """Store a document's fields; doubtful ones go to the review queue. Returns field ids."""
        with self.index.session() as session:
            return self.add_fields(session, document_id, result, agent)

    def add_fields(
        self, session: Session, document_id: int, result: ExtractedFields, agent: str
    ) -> list[int]:
        """`record_fields` inside the caller's transaction (a job stores a document's results,
        text and fields together, so a retried step writes them once)."""
        ids = []
        document = session.get(Document, document_id)
        if document is None:
            raise KeyError(document_id)
        document.doc_type = result.doc_type
        for name, found in result.fields.items():
            doubtful = found.confidence < REVIEW_BELOW or bool(found.problems)
            row = ExtractedField(
                document_id=document_id,
                name=name,
                value=found.value,
                confidence=found.confidence,
                source=found.source,
                problems=list(found.problems) or None,
                status=FieldStatus.NEEDS_REVIEW if doubtful else FieldStatus.EXTRACTED,
                page=found.page,
                box=list(found.box) if found.box else None,
            )
            session.add(row)
            session.flush()
            ids.append(row.id)
        citizen = result.fields.get("id_number")
        full_name = result.fields.get("full_name")
        if citizen is not None and full_name is not None and not citizen.problems:
            upsert_person(session, document.province_code, citizen.value, full_name.value)
        self.index.log_event(
            session, EventType.FIELDS_EXTRACTED, Outcome.SUCCESS, agent, document_id=document_id,
            detail={"doc_type": result.doc_type, "fields": len(ids)},
        )  # fmt: skip
        return ids

    def review_queue(
        self, limit: int = 50, province_code: str | None = None, agent: str | None = None
    ) -> list[ExtractedField]:
        """The queue, least confident first. With `agent`, the read is logged here (the values
        are personal data); the API logs its own reads with the caller's desk."""
        with self.index.session() as session:
            statement = (
                select(ExtractedField)
                .where(ExtractedField.status == FieldStatus.NEEDS_REVIEW)
                .order_by(ExtractedField.confidence, ExtractedField.id)
                .limit(limit)
            )
            if province_code is not None:
                statement = statement.join(
                    Document, Document.id == ExtractedField.document_id
                ).where(Document.province_code == province_code)
            rows = list(session.scalars(statement))
            if agent is not None:
                self.index.log_event(
                    session, EventType.RETRIEVED, Outcome.SUCCESS, agent,
                    detail={"what": "review_queue", "fields": [r.id for r in rows]},
                )  # fmt: skip
            return rows

    def review(
        self,
        field_id: int,
        agent: str,
        corrected: str | None = None,
        check: ValueCheck | None = None,
    ) -> ExtractedField:
        """Accept a value, or correct it. A correction must pass `check` (the faces pass the
        checks readings get: an officer's typo would otherwise become the trusted value). The
        decision is an event; a corrected name or ID number updates the person record of the
        document's province only."""
        with self.index.session() as session:
            row = session.get(ExtractedField, field_id)
            if row is None:
                raise KeyError(field_id)
            before = row.value
            if corrected is not None and corrected.strip() != before:
                problems = check(row.name, corrected.strip()) if check is not None else []
                if problems:
                    raise InvalidValueError(f"{row.name}: " + "; ".join(problems))
                row.value, row.source = corrected.strip(), "officer"
                row.status = FieldStatus.CORRECTED
                row.confidence = 1.0
            else:
                row.status = FieldStatus.ACCEPTED
            row.reviewed_by, row.reviewed_at = agent, dt.datetime.now(dt.UTC)
            self.index.log_event(
                session, EventType.REVIEWED, row.status, agent, document_id=row.document_id,
                detail={"field": row.name, "before": before, "after": row.value},
            )  # fmt: skip
            if row.name in ("full_name", "id_number"):
                self._refresh_person(session, row.document_id)
            return row

    def _refresh_person(self, session: Session, document_id: int) -> None:
        document = session.get(Document, document_id)
        assert document is not None  # the field's document
        rows = {
            r.name: r
            for r in session.scalars(
                select(ExtractedField).where(ExtractedField.document_id == document_id)
            )
        }
        if "id_number" in rows and "full_name" in rows:
            upsert_person(
                session, document.province_code, rows["id_number"].value, rows["full_name"].value
            )

    def person(
        self,
        citizen_id: str,
        agent: str,
        desk_id: int | None = None,
        province_code: str | None = None,
    ) -> PersonRecord | None:
        """The documents that carry this ID number and the best value of each field: reviewed
        over extracted, then the most confident, then the newest. With `province_code`, only
        that province's records (any desk of the province may reuse them)."""
        with self.index.session() as session:
            carrying = select(ExtractedField.document_id).where(
                ExtractedField.name == "id_number", ExtractedField.value == citizen_id
            )
            if province_code is not None:
                carrying = carrying.join(Document, Document.id == ExtractedField.document_id).where(
                    Document.province_code == province_code
                )
            document_ids = set(session.scalars(carrying))
            if not document_ids:
                return None
            rows = list(
                session.scalars(
                    select(ExtractedField).where(ExtractedField.document_id.in_(document_ids))
                )
            )
            documents = list(session.scalars(select(Document).where(Document.id.in_(document_ids))))
            best: dict[str, BestValue] = {}
            for row in sorted(rows, key=_preference):
                best[row.name] = BestValue(
                    row.value, row.confidence, row.status, row.document_id, row.id
                )
            self.index.log_event(
                session, EventType.PERSON_READ, Outcome.SUCCESS, agent, desk_id=desk_id,
                detail={"citizen_id": citizen_id, "documents": sorted(document_ids)},
            )  # fmt: skip
            listing = [
                {"document_id": d.id, "doc_type": d.doc_type, "title": d.title,
                 "original_key": d.original_key, "status": d.status}
                for d in sorted(documents, key=lambda d: d.id)
            ]  # fmt: skip
        return PersonRecord(citizen_id, best, listing)

    def prefill(
        self,
        citizen_id: str,
        procedure_code: str,
        agent: str,
        desk_id: int | None = None,
        province_code: str | None = None,
    ) -> dict[str, Any] | None:
        """An e-form prefill for a procedure: each value with where it came from."""
        record = self.person(citizen_id, agent, desk_id, province_code)
        if record is None:
            return None
        return {
            "procedure_code": procedure_code,
            "applicant": {
                name: {
                    "value": best.value,
                    "confidence": round(best.confidence, 3),
                    "source_document_id": best.document_id,
                    "reviewed": FieldStatus(best.status).reviewed,
                }
                for name, best in record.fields.items()
                if name in PREFILL_FIELDS
            },
            "reused_documents": [d["document_id"] for d in record.documents],
        }


def _preference(row: ExtractedField) -> tuple[int, float, int]:
    """Sort key, best last: an officer's word, then the more confident reading, then the newer
    paper."""
    return STATUS_RANK[FieldStatus(row.status)], row.confidence, row.document_id
