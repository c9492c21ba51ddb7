"""Text helpers for matching labels on Vietnamese papers regardless of diacritics and OCR noise."""

from __future__ import annotations

import unicodedata


def fold_keep_digits(text: str) -> str:
    """Lower case, diacritics dropped, đ→d; keeps punctuation and digits (dates and numbers need
    them) and the string's length per character, so positions map back to the original text."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        base = unicodedata.normalize("NFD", char)[0]
        out.append("d" if base in "đĐ" else base.lower())
    return "".join(out)


_QUOTES = "\"'“”‘’„`"


def clean_value(value: str) -> str:
    """NFC, single spaces, trimmed of the punctuation OCR leaves at the edges: a quote mark
    only when the value has no other one (a speck read as “, not a quoted name)."""
    text = " ".join(unicodedata.normalize("NFC", value).split()).strip(" .,;:-–|")
    if sum(text.count(q) for q in _QUOTES) == 1:
        text = text.strip(_QUOTES).strip(" .,;:-–|")
    return text
