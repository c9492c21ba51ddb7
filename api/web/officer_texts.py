"""What the officer's screens say about the archive's words: document types, field names and
statuses, event types, sorts, and the marks that make a search's matches stand out in a snippet.

English source strings (translated by the catalogue, `hoso.api.web.i18n`); a word hoso does not
know yet (a newer worker's) is shown as stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hoso.api.web.i18n import N_
from hoso.storage.queries import DocumentSort
from hoso.storage.textfold import fold

DOC_TYPE_TEXTS: dict[str, str] = {
    "application": N_("Application form"),
    "decision": N_("Decision"),
    "birth_extract": N_("Birth certificate extract"),
    "id_card": N_("Citizen ID card"),
    "other": N_("Other paper"),
}

FIELD_TEXTS: dict[str, str] = {
    "full_name": N_("Full name"),
    "date_of_birth": N_("Date of birth"),
    "sex": N_("Sex"),
    "id_number": N_("ID number"),
    "id_issue_date": N_("ID issue date"),
    "address": N_("Address"),
    "phone": N_("Phone"),
    "tax_code": N_("Tax code"),
    "document_date": N_("Date of the paper"),
    "document_number": N_("Number of the paper"),
    "issuer": N_("Issued by"),
    "subject": N_("Subject"),
    "signer": N_("Signed by"),
    "father_name": N_("Father's name"),
    "mother_name": N_("Mother's name"),
    "date_of_expiry": N_("Valid until"),
}

FIELD_STATUS_TEXTS: dict[str, str] = {
    "extracted": N_("Read with confidence"),
    "needs_review": N_("Waiting for review"),
    "accepted": N_("Accepted by an officer"),
    "corrected": N_("Corrected by an officer"),
}

SORT_TEXTS: dict[DocumentSort, str] = {
    DocumentSort.RELEVANCE: N_("Best match"),
    DocumentSort.NEWEST: N_("Newest first"),
    DocumentSort.OLDEST: N_("Oldest first"),
    DocumentSort.TITLE: N_("By title"),
}

# Confidence bands a reviewer sees as a colour and a word (never the colour alone).
LOW_CONFIDENCE = 0.6
CONFIDENCE_TEXTS = {
    "low": N_("low confidence"),
    "medium": N_("medium confidence"),
    "high": N_("high confidence"),
}


def word(texts: dict[str, str], key: str | None) -> str:
    """The English source text of a stored word (translated in the template), or the word."""
    return texts.get(key or "", key or "")


def confidence_band(confidence: float, review_below: float) -> str:
    """ "low", "medium" or "high": what the reviewer's colour and word say."""
    if confidence < LOW_CONFIDENCE:
        return "low"
    return "medium" if confidence < review_below else "high"


@dataclass(frozen=True)
class Piece:
    text: str
    match: bool


_WORD = re.compile(r"\w+", re.UNICODE)


def marked(snippet: str, query: str) -> list[Piece]:
    """The snippet cut into pieces, the words the query matched (diacritics and case ignored,
    as the search does) flagged. The template escapes every piece and wraps the matches in
    `<mark>`, so nothing of a document's text ever becomes markup."""
    wanted = set(fold(query).split())
    pieces: list[Piece] = []
    at = 0
    for found in _WORD.finditer(snippet):
        if fold(found.group()) in wanted:
            if found.start() > at:
                pieces.append(Piece(snippet[at : found.start()], False))
            pieces.append(Piece(found.group(), True))
            at = found.end()
    if at < len(snippet):
        pieces.append(Piece(snippet[at:], False))
    return pieces
