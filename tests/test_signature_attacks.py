"""Every attack on a signed PDF that the archive must catch is reported as failed or
indeterminate, with the reason that names it (tests/signature_attacks.py builds them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from signatures.sign import SigningService
from signatures.verify import Verdict, Verifier
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
