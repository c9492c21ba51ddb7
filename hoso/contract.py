"""The field contract (shared/domain/fields.md): document types, the fields each yields, and the
shape of an extracted value as every part sees it.

`digitize.fields` produces values of this shape; `storage` records and serves them; `workflows`
passes them from one to the other. Keeping the contract here lets storage stay ignorant of how
fields are read (it imports nothing of digitize), and the protocols below let each side keep its
own dataclasses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

DOC_TYPES = ("application", "decision", "birth_extract", "id_card", "other")

FIELDS_BY_TYPE: dict[str, list[str]] = {
    "application": [
        "full_name",
        "date_of_birth",
        "sex",
        "id_number",
        "id_issue_date",
        "address",
        "phone",
        "tax_code",  # a household business's or person's MST, where the form asks for it
        "document_date",
    ],
    "decision": ["document_number", "document_date", "issuer", "subject", "signer"],
    "birth_extract": [
        "full_name",
        "date_of_birth",
        "sex",
        "id_number",
        "father_name",
        "mother_name",
        "document_number",
        "document_date",
    ],
    "id_card": ["id_number", "full_name", "date_of_birth", "sex", "address", "date_of_expiry"],
    "other": [],
}

# Who the person is: the papers of one dossier must agree on these.
IDENTITY_FIELDS = ("id_number", "full_name", "date_of_birth")

# What an e-form can take from a person's record: the applicant's own fields, not the date of the
# paper they were read from.
PREFILL_FIELDS = tuple(name for name in FIELDS_BY_TYPE["application"] if name != "document_date")


class ExtractedValue(Protocol):
    """One field's value, where it came from and what is doubtful about it."""

    @property
    def value(self) -> str: ...
    @property
    def confidence(self) -> float: ...
    @property
    def source(self) -> str: ...  # "qr" | "mrz" | "label" | "layout" | "officer"
    @property
    def problems(self) -> Sequence[str]: ...
    @property
    def page(self) -> int | None: ...
    @property
    def box(self) -> tuple[int, int, int, int] | None: ...


class ExtractedFields(Protocol):
    """A document's type and its fields by name."""

    @property
    def doc_type(self) -> str: ...
    @property
    def fields(self) -> Mapping[str, ExtractedValue]: ...


class DossierRule(Protocol):
    """A check across the papers of one dossier; returns problems a person can read."""

    def __call__(self, papers: Sequence[ExtractedFields], /) -> list[str]: ...
