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


def clean_value(value: str) -> str:
    """NFC, single spaces, trimmed of the punctuation OCR leaves at the edges."""
    return " ".join(unicodedata.normalize("NFC", value).split()).strip(" .,;:-–|")
