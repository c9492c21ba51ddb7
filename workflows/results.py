"""Issuing a dossier's result electronically, the one order of its steps for the API, the desk
UI and `hoso result issue`: find the dossier (in the caller's province) → already issued from
these bytes? answer that → draw the result QR and sign with the agency's result profile (the
`hoso sign --qr` path) → keep the signed PDF, its record and its event together.

The check before signing makes a repeated issue cheap and signs nothing twice; the record's
unique key (dossier, upload SHA-256) settles two issues racing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hoso.files import sha256_file
from hoso.signatures.result_qr import ResultInfo
from hoso.signatures.sign import ResultSigner
from hoso.storage.results import IssuedResult, IssuedResults, ResultRecord, SignedResult
from hoso.storage.schema import Dossier


@dataclass(frozen=True)
class Issued:
    result: IssuedResult
    created: bool  # False: these bytes were issued for the dossier before; nothing was signed


@dataclass(frozen=True)
class Issuer:
    """Who issues: the agent for the event log, their desk, and the province they may act
    in (None: any, for the local command)."""

    agent: str
    desk_id: int | None
    province_code: str | None


class ResultIssuer:
    def __init__(self, results: IssuedResults, signer: ResultSigner) -> None:
        self.results = results
        self.signer = signer

    def issue(self, dossier_code: str, record: ResultRecord, source: Path, who: Issuer) -> Issued:
        record = record.checked()
        dossier = self.results.dossier(dossier_code, who.province_code)
        source_sha256 = sha256_file(source)
        first = self.results.issued(dossier.id, source_sha256)
        if first is not None:
            return Issued(first, created=False)
        with self.results.archive.work_folder() as folder:
            target = Path(folder) / "result.pdf"
            outcome = self.signer.sign(source, target, _qr_of(dossier, record))
            row, created = self.results.keep(
                dossier, source_sha256, record, SignedResult(target, outcome.signer),
                who.agent, who.desk_id,
            )  # fmt: skip
        return Issued(row, created)


def _qr_of(dossier: Dossier, record: ResultRecord) -> ResultInfo:
    """The QR code's fields (Circular 01/2023): the dossier's code as hoso holds it."""
    return ResultInfo(
        dossier_code=dossier.code or "", procedure_code=record.procedure_code,
        applicant_id=record.applicant_id, title=record.title, validity=record.validity,
    )  # fmt: skip
