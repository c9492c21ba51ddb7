"""The field contract (shared/domain/fields.md): document types, the fields each yields, and the
shape of an extracted value as every part sees it.

`digitize.fields` produces values of this shape; `storage` records and serves them; `workflows`
passes them from one to the other. Keeping the contract here lets storage stay ignorant of how
fields are read (it imports nothing of digitize), and the protocols below let each side keep its
own dataclasses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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


# A citizen ID's fourth digit tells the holder's century of birth and sex (even: male, odd:
# female), its fifth and sixth the year of birth's last two digits (shared/domain, section 5).
CENTURY_START = {0: 1900, 2: 2000, 4: 2100, 6: 2200, 8: 2300}
SEXES = ("Nam", "Nữ")


@dataclass(frozen=True)
class IdHolder:
    """What a 12-digit citizen ID says of the person it was issued to."""

    sex: str  # "Nam" or "Nữ"
    birth_year: int

    def contradicted_by(self, name: str, value: str) -> bool:
        """Whether a field's value (sex; date of birth as dd/mm/yyyy) says otherwise: a value of
        another shape says nothing either way."""
        if name == "sex":
            return value in SEXES and value != self.sex
        if name == "date_of_birth":
            year = re.fullmatch(r"\d{2}/\d{2}/(\d{4})", value)
            return year is not None and int(year.group(1)) != self.birth_year
        return False


def id_holder(number: str) -> IdHolder | None:
    """The holder a citizen ID describes, or None if `number` is not 12 digits."""
    if not re.fullmatch(r"\d{12}", number):
        return None
    digit = int(number[3])
    return IdHolder(
        "Nữ" if digit % 2 else "Nam", CENTURY_START[digit - digit % 2] + int(number[4:6])
    )


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
