"""Dust read as punctuation: what a speck beside the letters becomes in the text layer.

At 150 dpi a speck of dust on the scanner glass is as big as a full stop or a tone mark. What
dust the image cleanup cannot tell from marks, Tesseract reads as punctuation, two ways:
- a word of its own made of marks only ("'", ":", "~", "..") that Tesseract itself is unsure of.
  A real dash or bullet is read with confidence (≥ 0.9 on clean pages, measured), so only
  unsure ones are dropped;
- a mark glued between two words in place of the space ("cơ.quan", "lời:khai"). Set
  Vietnamese puts a space after every `. , : ;`; a mark followed by a lower-case letter inside
  a word that Tesseract is not sure of, where a Vietnamese letter (outside ASCII) shows it is
  prose, is a speck in a space: the word is cut there. Left as read: hyphens (transliterations
  and ethnic names are hyphenated in lower case: "Mát-xcơ-va", "Ê-đê"); abbreviations of one
  or two ASCII letters ("tr.đồng", "P.trưởng"); web and mail addresses ("@", "www", ASCII
  either side: "dichvucong.gov.vn"); upper case after the mark ("TP.HCM", "NĐ-CP"); digits
  ("1.000", "12:30"); and a word read with confidence, whatever it holds.
A speck on a blank part of the page becomes a word of one letter; a lone consonant is no
Vietnamese word (every syllable has a vowel: "à", "ở", "ý" are words, "s" or "ñ" is not), so
one read unsurely is dropped as well.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from hoso.digitize.models import Word

UNSURE_MARK = 0.6  # a marks-only word Tesseract is less sure of than this is a speck
UNSURE_LETTER = 0.4  # a lone consonant read less surely than this is a speck
# One letter that is no word: a consonant, or a letter Vietnamese does not write at all.
_NO_WORD = re.compile(r"^[bcdđfghjklmnpqrstvwxzñ]$", re.IGNORECASE)
SURE_WORD = 0.95  # a word read this surely is left whole (the glued dust seen: 0.93 at most)
# Marks only: no letter or digit (to `\w` an underscore is a letter: "_[" read from a
# watermark's edge at confidence 0 was kept)
_MARKS_ONLY = re.compile(r"^[\W_]+$")
# A mark between letters, the next one lower case: the split happens after the mark.
_GLUED = re.compile(r"(?<=[^\W\d_])[.,:;](?=[^\W\d_])")
_ADDRESS = re.compile(r"@|www|://", re.IGNORECASE)


def without_specks(words: list[Word]) -> list[Word]:
    """The words with dust read as punctuation taken out (see the module's docstring)."""
    out: list[Word] = []
    for word in words:
        if _MARKS_ONLY.match(word.text) and word.confidence < UNSURE_MARK:
            continue
        if _NO_WORD.match(word.text) and word.confidence < UNSURE_LETTER:
            continue
        out.extend(_split_at_glued_marks(word))
    return out


def _split_at_glued_marks(word: Word) -> list[Word]:
    text = unicodedata.normalize("NFC", word.text)  # a combining mark is no letter to `\w`
    if word.confidence >= SURE_WORD or _ADDRESS.search(text):
        return [word]
    cuts = [
        match.start()
        for match in _GLUED.finditer(text)
        if text[match.end()].islower()
        and _speck_between(match.group(), *_letters_around(text, match.start()))
    ]
    if not cuts:
        return [word]
    pieces: list[Word] = []
    start = 0
    width = word.right - word.left
    for cut in [*cuts, len(text)]:
        piece = text[start:cut]
        left = word.left + round(width * start / len(text))
        right = word.left + round(width * cut / len(text))
        pieces.append(replace(word, text=piece, left=left, right=max(right, left + 1)))
        start = cut + 1  # the mark itself is the speck
    return pieces


def _letters_around(text: str, at: int) -> tuple[str, str]:
    """The letters either side of the mark at `at` ("cơ", "quan" in "cơ.quan")."""
    before = re.search(r"[^\W\d_]+$", text[:at])
    after = re.match(r"[^\W\d_]+", text[at + 1 :])
    return (before.group() if before else ""), (after.group() if after else "")


def _speck_between(mark: str, before: str, after: str) -> bool:
    """Whether `mark` between those letters is dust in a space: something says it is
    Vietnamese prose (a letter outside ASCII: not a web or mail address, nor an English
    abbreviation), and it is no full stop after one or two ASCII letters ("tr.đồng",
    "P.trưởng", "Q.Tân": an abbreviation)."""
    if (before + after).isascii():
        return False
    return not (mark == "." and len(before) <= 2 and before.isascii())
