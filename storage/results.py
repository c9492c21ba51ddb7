"""Results issued electronically: the signed decision or certificate a desk hands back for a
dossier, kept in the archive (Decision 766/QĐ-TTg counts the dossiers whose result went out
this way).

An issued result is an object under a content key made from the uploaded, unsigned file
(`derived/<upload sha256>/result/<signed sha256>.pdf`), a row of `issued_result` (migration
0012) naming the dossier, and a `result_issued` event. The row is keyed by dossier and the
upload's SHA-256: the signed bytes differ at every signing (time, time-stamp), so the same
upload issued twice is recognised by what was uploaded and answers the first record.

Storage stores; the signing is the workflow's (`workflows/results.py`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError as SqlIntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from hoso.errors import ExitCode, HosoError, InputError
from hoso.storage.archive import Archive
from hoso.storage.schema import Base, Dossier, UtcDateTime, utcnow
from hoso.storage.vocabulary import EventType, Outcome

RESULT_KIND = "result"


class IssuedResult(Base):
    """One result issued for a dossier (migration 0012)."""

    __tablename__ = "issued_result"
    __table_args__ = (UniqueConstraint("dossier_id", "source_sha256"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    province_code: Mapped[str | None] = mapped_column(ForeignKey("province.code"), index=True)
    procedure_code: Mapped[str] = mapped_column(String(40))
    applicant_id: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    source_sha256: Mapped[str] = mapped_column(String(64))  # the upload, before QR and signing
    object_key: Mapped[str] = mapped_column(String(250))
    sha256: Mapped[str] = mapped_column(String(64))  # the signed PDF
    size: Mapped[int] = mapped_column(Integer)
    signer: Mapped[str] = mapped_column(String(300))  # the certificate's subject
    issued_by: Mapped[str] = mapped_column(String(120))
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desk.id"))
    issued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class DossierNotFoundError(HosoError):
    """No dossier with this code that the caller may see (another province's answers alike)."""

    code = "dossier_not_found"
    exit_code = ExitCode.BAD_ARGUMENTS
    http_status = 404


class InvalidResultError(InputError):
    """A result's procedure code, applicant or title is not one hoso can print in its QR."""

    code = "invalid_result"
    exit_code = ExitCode.BAD_ARGUMENTS
    http_status = 422


class ResultNotFoundError(HosoError):
    code = "result_not_found"
    exit_code = ExitCode.BAD_ARGUMENTS
    http_status = 404


@dataclass(frozen=True)
class SignedResult:
    """What the signing step made of an upload, ready to be kept."""

    path: Path
    signer: str


@dataclass(frozen=True)
class ResultRecord:
    """What an officer says of the result: the procedure, the applicant (a citizen's 12-digit
    ID number, or an organisation's tax code) and the paper's title, all printed in its QR."""

    procedure_code: str
    applicant_id: str
    title: str
    validity: str | None = None

    def checked(self) -> ResultRecord:
        """The same, trimmed, or `InvalidResultError` naming what is wrong."""
        cleaned = ResultRecord(
            self.procedure_code.strip(), self.applicant_id.strip(), " ".join(self.title.split()),
            " ".join(self.validity.split()) or None if self.validity else None,
        )  # fmt: skip
        if not _PROCEDURE.fullmatch(cleaned.procedure_code):
            raise InvalidResultError("the procedure code is 1-40 letters, digits, '.' or '-'")
        if not _APPLICANT.fullmatch(cleaned.applicant_id):
            raise InvalidResultError(
                "the applicant is a 12-digit ID number or a 10/13-digit tax code (0101234567-001)"
            )
        for name, value, longest in (("title", cleaned.title, 300),
                                     ("validity", cleaned.validity or "-", 200)):  # fmt: skip
            if not value or len(value) > longest or not value.isprintable():
                raise InvalidResultError(f"the {name} is 1-{longest} printable characters")
        return cleaned


_PROCEDURE = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-]{0,39}")
_APPLICANT = re.compile(r"\d{12}|\d{10}(-\d{3})?")


class IssuedResults:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.index = archive.index

    def dossier(self, code: str, province_code: str | None) -> Dossier:
        """The dossier of this code in the province (None: any province)."""
        found = self.archive.find_dossier(code)
        if found is None or (province_code is not None and found.province_code != province_code):
            raise DossierNotFoundError(f"there is no dossier {code}")
        return found

    def dossier_of(self, dossier_id: int | None) -> Dossier | None:
        """A document's dossier (by its id), if it has one."""
        if dossier_id is None:
            return None
        with self.index.sessions() as session:
            return session.get(Dossier, dossier_id)

    def issued(self, dossier_id: int, source_sha256: str) -> IssuedResult | None:
        """The result already issued from these uploaded bytes for the dossier, if any."""
        with self.index.sessions() as session:
            return session.scalar(
                select(IssuedResult).where(
                    IssuedResult.dossier_id == dossier_id,
                    IssuedResult.source_sha256 == source_sha256,
                )
            )

    def keep(
        self,
        dossier: Dossier,
        source_sha256: str,
        record: ResultRecord,
        signed: SignedResult,
        agent: str,
        desk_id: int | None,
    ) -> tuple[IssuedResult, bool]:
        """Store the signed PDF and record it with its event, in one transaction; `False`
        with the first record when the same upload was issued for the dossier meanwhile."""
        stored = self.archive.put_derived(source_sha256, RESULT_KIND, signed.path)
        row = IssuedResult(
            dossier_id=dossier.id, province_code=dossier.province_code,
            procedure_code=record.procedure_code, applicant_id=record.applicant_id,
            title=record.title, source_sha256=source_sha256, object_key=stored.key,
            sha256=stored.sha256, size=stored.size, signer=signed.signer[:300],
            issued_by=agent, desk_id=desk_id, issued_at=utcnow(),
        )  # fmt: skip
        try:
            with self.index.session() as session:
                session.add(row)
                session.flush()
                self.index.log_event(
                    session, EventType.RESULT_ISSUED, Outcome.SUCCESS, agent,
                    desk_id=desk_id, object_key=stored.key,
                    detail={"result_id": row.id, "dossier": dossier.code,
                            "procedure": record.procedure_code,
                            "province": dossier.province_code, "sha256": stored.sha256},
                )  # fmt: skip
        except SqlIntegrityError:
            first = self.issued(dossier.id, source_sha256)
            if first is None:
                raise
            return first, False
        return row, True

    def of_dossier(self, dossier_id: int) -> list[IssuedResult]:
        with self.index.sessions() as session:
            return list(
                session.scalars(
                    select(IssuedResult)
                    .where(IssuedResult.dossier_id == dossier_id)
                    .order_by(IssuedResult.id)
                )
            )

    def one(self, dossier_id: int, result_id: int) -> IssuedResult:
        with self.index.sessions() as session:
            found = session.get(IssuedResult, result_id)
        if found is None or found.dossier_id != dossier_id:
            raise ResultNotFoundError(f"there is no result {result_id} of this dossier")
        return found
