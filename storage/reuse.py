"""Reuse of digitized papers: record extracted fields, queue doubtful ones for an officer, and
give any desk a person's reusable records and the best current value of each field, so the next
application is prefilled instead of asking the citizen again (Decrees 45/2020, 107/2021): with
the fields its procedure's form takes (`hoso.storage.procedures`), from valid papers only.

Every read of a person's data is an audit event (who, desk, what, when).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hoso.contract import ExtractedFields, IdHolder, id_holder
from hoso.errors import ExitCode, HosoError
from hoso.storage.index import RecordIndex
from hoso.storage.procedures import FormField, Procedure
from hoso.storage.schema import Document, ExtractedField, Person
from hoso.storage.textfold import fold
from hoso.storage.vocabulary import EventType, FieldStatus, Outcome

# What is wrong with a field's value on its own: (field name, value) -> reasons, none if fine.
# The faces pass digitize's checks, so storage imports nothing of digitize.
ValueCheck = Callable[[str, str], list[str]]

REVIEW_BELOW = 0.85  # confidence under which a value waits for an officer


def waits_for_review(confidence: float, problems: Sequence[str] | None) -> bool:
    """Whether a reading goes to the review queue rather than straight to reuse: it is not
    confident enough, or something is wrong with it (a failed check, OCR unsure of its words)."""
    return confidence < REVIEW_BELOW or bool(problems)


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
    # The ID number the record is filed under says otherwise (its sex or year of birth digits),
    # and no paper gave a value that agrees: an officer should look before it is reused.
    contradicts_id: bool = False


@dataclass(frozen=True)
class PersonRecord:
    citizen_id: str
    fields: dict[str, BestValue]
    documents: list[dict[str, Any]]
    # Papers no longer valid (an ID card past its expiry date): a prefill sets them aside.
    expired: list[int] = field(default_factory=list)


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
            doubtful = waits_for_review(found.confidence, found.problems)
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
            papers = _papers(session, citizen_id, province_code)
            if papers is None:
                return None
            rows, documents = papers
            detail: dict[str, Any] = {
                "citizen_id": citizen_id,
                "documents": [d.id for d in documents],
            }
            province = _read_in(province_code, documents)
            if province is not None:  # the province's admin sees who read its people
                detail["province"] = province
            self.index.log_event(
                session, EventType.PERSON_READ, Outcome.SUCCESS, agent, desk_id=desk_id,
                detail=detail,
            )  # fmt: skip
            listing = [
                {"document_id": d.id, "doc_type": d.doc_type, "title": d.title,
                 "original_key": d.original_key, "status": d.status}
                for d in documents
            ]  # fmt: skip
            expired = sorted(_expired_id_cards(rows, documents, dt.date.today()))
        return PersonRecord(citizen_id, _best_values(rows, citizen_id), listing, expired)

    def prefill(
        self,
        citizen_id: str,
        procedure: Procedure,
        agent: str,
        desk_id: int | None = None,
        province_code: str | None = None,
    ) -> dict[str, Any] | None:
        """The procedure's form filled from the person's valid papers: each form field with its
        value and where it came from (or none), the required ones nothing filled, and which
        papers were reused. An ID card past its expiry date is not a valid paper: its values
        are set aside, so another paper's (or none, and the field is missing) take their place.
        A value still waiting for review is used but says so (`reviewed`, `status`).

        The prefill is a `prefilled` event naming the procedure and the reused documents,
        never a value: reuse accounting (Decision 766/QĐ-TTg) counts these."""
        with self.index.session() as session:
            papers = _papers(session, citizen_id, province_code)
            if papers is None:
                return None
            rows, documents = papers
            expired = _expired_id_cards(rows, documents, dt.date.today())
            best = _best_values((r for r in rows if r.document_id not in expired), citizen_id)
            filled = {f.name: (f, best.get(f.takes)) for f in procedure.fields}
            reused = sorted({b.document_id for _, b in filled.values() if b is not None})
            detail: dict[str, Any] = {"procedure": procedure.key, "documents": reused}
            # The province's admin sees the event and its statistics count it.
            province = _read_in(province_code, [d for d in documents if d.id in reused])
            if province is not None:
                detail["province"] = province
            self.index.log_event(
                session, EventType.PREFILLED, Outcome.SUCCESS, agent, desk_id=desk_id,
                detail=detail,
            )  # fmt: skip
        return {
            "procedure": {"key": procedure.key, "code": procedure.code, "name": procedure.name},
            "citizen_id": citizen_id,
            "fields": {name: _form_value(f, b) for name, (f, b) in filled.items()},
            "missing": [n for n, (f, b) in filled.items() if f.required and b is None],
            "reused_documents": reused,
            "expired_documents": sorted(expired),
            # Before issue 14's catalogue: the asked code, the values by person field.
            "procedure_code": procedure.code or procedure.key,
            "applicant": {f.takes: _sourced(b) for f, b in filled.values() if b is not None},
        }


def _read_in(asked: str | None, papers: list[Document]) -> str | None:
    """The province a read of a person's papers belongs to: the reader's; asked by no province
    (the command line reads every one), the papers' own when they are all of one. A prefill
    counted in "all" and in no province made the statistics' rows disagree; a person read by
    an officer was missing from the province admin's audit log (a reviewing helper's)."""
    if asked is not None:
        return asked
    holding = {paper.province_code for paper in papers}
    return holding.pop() if len(holding) == 1 else None


def _papers(
    session: Session, citizen_id: str, province_code: str | None
) -> tuple[list[ExtractedField], list[Document]] | None:
    """Every field of every document carrying the ID number (of the province, when given),
    and those documents in order; None when there are none."""
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
        session.scalars(select(ExtractedField).where(ExtractedField.document_id.in_(document_ids)))
    )
    documents = list(
        session.scalars(select(Document).where(Document.id.in_(document_ids)).order_by(Document.id))
    )
    return rows, documents


def _best_values(
    rows: Iterable[ExtractedField], citizen_id: str | None = None
) -> dict[str, BestValue]:
    """Each field's winning value (`_preference`) across the rows. Filed under `citizen_id`, a
    value its digits contradict (a sex, a year of birth) loses to one they agree with: papers of
    one person, one of them misread ("Nữ" from a noisy extract beside a card's "Nam"), had
    made a person whose sex the ID itself denies, prefilled into a new application unremarked.
    A winner they still contradict says so (`contradicts_id`)."""
    holder = id_holder(citizen_id) if citizen_id else None
    best: dict[str, BestValue] = {}
    for row in sorted(rows, key=lambda row: (_agrees(holder, row), *_preference(row))):
        best[row.name] = BestValue(
            row.value, row.confidence, row.status, row.document_id, row.id,
            contradicts_id=not _agrees(holder, row),
        )  # fmt: skip
    return best


def _agrees(holder: IdHolder | None, row: ExtractedField) -> bool:
    return holder is None or not holder.contradicted_by(row.name, row.value)


def _expired_id_cards(
    rows: list[ExtractedField], documents: list[Document], today: dt.date
) -> set[int]:
    """The ID cards whose expiry date (their best reading of it) is before `today`. A card
    whose expiry cannot be read, or that has none ("không thời hạn"), is not set aside."""
    expired = set()
    for card in (d.id for d in documents if d.doc_type == "id_card"):
        expiry = _best_values(r for r in rows if r.document_id == card).get("date_of_expiry")
        if expiry is not None and _before(expiry.value, today):
            expired.add(card)
    return expired


def _before(value: str, today: dt.date) -> bool:
    """`value` (dd/mm/yyyy, the contract's date format) is a date before `today`."""
    try:
        return dt.datetime.strptime(value, "%d/%m/%Y").date() < today
    except ValueError:
        return False


def _sourced(best: BestValue) -> dict[str, Any]:
    """A reused value with where it came from and whether an officer stands behind it."""
    return {
        "value": best.value,
        "confidence": round(best.confidence, 3),
        "source_document_id": best.document_id,
        "reviewed": FieldStatus(best.status).reviewed,
        "status": best.status,
        "contradicts_id": best.contradicts_id,
    }


def _form_value(field: FormField, best: BestValue | None) -> dict[str, Any]:
    """One form field: what it takes, whether the form needs it, and the value (or nulls)."""
    found = _sourced(best) if best is not None else {
        "value": None, "confidence": None, "source_document_id": None, "reviewed": False,
        "status": None, "contradicts_id": False,
    }  # fmt: skip
    return {"field": field.takes, "required": field.required, **found}


def _preference(row: ExtractedField) -> tuple[int, float, int]:
    """Sort key, best last: an officer's word, then the more confident reading, then the newer
    paper."""
    return STATUS_RANK[FieldStatus(row.status)], row.confidence, row.document_id
