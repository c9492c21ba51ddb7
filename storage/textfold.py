"""Fold Vietnamese text for search: "Nguyễn Văn Đạt" and "nguyen van dat" must meet.

Officers type without diacritics (or with a different keyboard's composition), so the index
stores and the query uses the same folded form: NFD, drop combining marks, đ→d, lower case,
punctuation to spaces. Folding in Python keeps SQLite and PostgreSQL behaving identically (no
`unaccent` extension needed).
"""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return " ".join(_NON_WORD.sub(" ", stripped.lower()).split())
