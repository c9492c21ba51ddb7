"""Text accuracy metrics shared by tests and benchmarks."""

from __future__ import annotations

import unicodedata

from rapidfuzz.distance import Levenshtein


def normalize_text(text: str) -> str:
    """NFC and single spaces: compare what was read, not how lines were broken."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def cer(reference: str, hypothesis: str) -> float:
    ref, hyp = normalize_text(reference), normalize_text(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = normalize_text(reference).split(), normalize_text(hypothesis).split()
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)
