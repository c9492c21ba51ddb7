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


# Vietnamese tone marks, apart from the marks that make a vowel (â, ơ, ư, ă)
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def without_tone(word: str) -> str:
    """`word` decomposed (NFD) with its tone marks taken out and its vowels' hats and horns kept:
    "Thụ" and "Thu" are one, "Thư" another."""
    return "".join(c for c in unicodedata.normalize("NFD", word) if c not in TONE_MARKS)


def spelling(word: str) -> tuple[str, str]:
    """A word's letters (decomposed, hats and horns kept) and its tone mark apart: "Hoà" and
    "Hòa" are one spelling, the older style placing the tone on another vowel."""
    marks = unicodedata.normalize("NFD", word)
    return without_tone(word), "".join(c for c in marks if c in TONE_MARKS)


_QUOTES = "\"'“”‘’„`"


def clean_value(value: str) -> str:
    """NFC, single spaces, trimmed of the punctuation OCR leaves at the edges: a quote mark
    only when the value has no other one (a speck read as “, not a quoted name)."""
    text = " ".join(unicodedata.normalize("NFC", value).split()).strip(" .,;:-–|")
    if sum(text.count(q) for q in _QUOTES) == 1:
        text = text.strip(_QUOTES).strip(" .,;:-–|")
    return text


VOWELS = set("aeiouy")
# What may close a Vietnamese syllable after its vowels, and open one before them (folded; the
# u of "qu" and the i of "gi" count among the vowels, so q and g open; a syllable may open on
# its vowel). Ă and Â never end a syllable.
FINALS = frozenset(["", "c", "ch", "m", "n", "ng", "nh", "p", "t"])
ONSETS = frozenset(
    ["", "b", "c", "ch", "d", "g", "gh", "h", "k", "kh", "l", "m", "n", "ng", "ngh", "nh", "p",
     "ph", "q", "r", "s", "t", "th", "tr", "v", "x"]
)  # fmt: skip
NEVER_LAST = frozenset("ĂÂăâẮẰẲẴẶẤẦẨẪẬắằẳẵặấầẩẫậ")


def syllable_shaped(piece: str) -> bool:
    """One run of vowels between an onset and a final a Vietnamese syllable may have."""
    folded = fold_keep_digits(piece)
    vowels = [at for at, c in enumerate(folded) if c in VOWELS]
    if not vowels or vowels[-1] - vowels[0] + 1 != len(vowels):
        return False
    final = folded[vowels[-1] + 1 :]
    open_on_never_last = not final and piece[vowels[-1]] in NEVER_LAST
    return folded[: vowels[0]] in ONSETS and final in FINALS and not open_on_never_last
