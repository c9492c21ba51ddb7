"""Every attack on a signed PDF that the archive must catch is reported as failed or
indeterminate, with the reason that names it (tests/signature_attacks.py builds them)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from hoso.signatures.errors import NotSignableError
from hoso.signatures.sign import SigningService
from hoso.signatures.verify import Verdict, Verifier
from tests.signature_attacks import ATTACKS, Attack, attacked


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attack_is_detected_with_its_reason(
    attack: Attack, signing: SigningService, verifier: Verifier, pdfa_copy: Path, tmp_path: Path
) -> None:
    report = verifier.verify_bytes(attacked(attack, signing, pdfa_copy, tmp_path), name=attack.name)
    assert report.verdict is attack.verdict, report.render_vi()
    assert attack.reasons & set(report.reasons), report.render_vi()


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_the_same_file_untampered_is_judged_on_its_certificate_only(
    attack: Attack, signing: SigningService, verifier: Verifier, pdfa_copy: Path, tmp_path: Path
) -> None:
    """Control: without the tampering, a good certificate passes; so each detection above is
    caused by the attack, not by the way the file was made."""
    untampered = Attack(attack.name, attack.profile, attack.verdict, attack.reasons,
                        None, attack.prepare)  # fmt: skip
    report = verifier.verify_bytes(
        attacked(untampered, signing, pdfa_copy, tmp_path), name=attack.name
    )
    if attack.tamper is None:  # the attack is the certificate itself
        assert report.verdict is attack.verdict
    else:
        assert report.verdict is Verdict.PASSED, report.render_vi()


def test_damaged_signed_files_get_a_verdict_or_a_typed_error_never_a_pass(
    signing: SigningService, verifier: Verifier, pdfa_copy: Path, tmp_path: Path
) -> None:
    """Random truncations and byte changes (a fuzz with a fixed seed): each answer is a report
    or a NotSignableError; a change inside the signed ranges never passes. Unsigned by design,
    so they may change unnoticed: the zero padding of /Contents, and the last revision, added
    after the document timestamp with that timestamp's own validation data (PAdES B-LTA: the
    next archive timestamp covers it; pyHanko's difference analysis judges what it may hold,
    and lets an XMP metadata update pass; the archive's fixity check sees any changed byte).
    A CI run (session 16) flipped a byte of that revision's XMP title: it passed."""
    signed = tmp_path / "signed.pdf"
    signing.sign(pdfa_copy, signed, "p12-B-LTA")
    data = signed.read_bytes()
    ranges = [
        tuple(int(n) for n in m.groups())
        for m in re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", data)
    ]
    signed_end = max(c + d for _, _, c, d in ranges)
    gaps = [(a + b, c) for a, b, c, _ in ranges] + [(signed_end, len(data))]
    rnd = random.Random(7)
    for round_ in range(60):
        damaged = bytearray(data)
        changed: list[int] = []
        if round_ % 2:
            damaged = damaged[: rnd.randrange(10, len(damaged))]
        else:
            changed = [rnd.randrange(len(damaged)) for _ in range(rnd.randrange(1, 4))]
            for offset in changed:
                damaged[offset] ^= rnd.randrange(1, 256)
        try:
            report = verifier.verify_bytes(bytes(damaged), name=f"damaged-{round_}")
        except NotSignableError:
            continue
        if report.verdict is Verdict.PASSED:
            assert changed, "a truncated file passed"
            assert all(any(a <= c < b for a, b in gaps) for c in changed), changed
