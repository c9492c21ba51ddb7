"""The verification report is typed: reasons, coverage, changes after signing, verdicts and
signature kinds are enums a UI can render, every reason has its Vietnamese text, and the JSON
(`hoso verify --json`, the API) carries the same strings as the documented contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate

from hoso.signatures.sign import SigningService
from hoso.signatures.verify import (
    REASONS_VI,
    ChangesAfter,
    Coverage,
    Reason,
    SignatureKind,
    Verdict,
    VerificationReport,
    Verifier,
    configured_verifier,
)
from tests.signature_attacks import add_page_content, blank_signature_value

# The contract, written out here rather than read from the code, so that renaming a value fails
# this file: verdicts as the README gives them; reason codes as benchmarks/results/signing.md and
# shared/notes/signing.md show them; kinds, coverage and changes as the report's fields listed
# them before they were enums; allowed changes as docs/architecture.md states them.
VERDICTS = {"TOTAL-PASSED", "INDETERMINATE", "TOTAL-FAILED"}
KINDS = {"signature", "document-timestamp"}
COVERAGES = {"entire-file", "entire-revision", "partial", "unknown"}
CHANGES = {"none", "lta-updates", "form-filling", "annotations", "other"}
ALLOWED_CHANGES = {"none", "lta-updates", "form-filling"}


@pytest.mark.parametrize("reason", list(Reason), ids=str)
def test_every_reason_has_a_vietnamese_text(reason: Reason) -> None:
    assert REASONS_VI[reason].strip()


def test_reason_texts_are_distinct() -> None:
    texts = [REASONS_VI[reason] for reason in Reason]
    assert len(set(texts)) == len(texts)


def test_every_ades_subindication_pyhanko_can_return_is_a_reason() -> None:
    """The verifier keeps the AdES sub-indication as the reason; one pyHanko adds must get a
    code and a text here before it can reach a report."""
    names = {sub.standard_name for sub in [*AdESFailure, *AdESIndeterminate]}
    assert names <= {str(reason) for reason in Reason}


def test_enum_values_are_the_documented_strings() -> None:
    assert {str(v) for v in Verdict} == VERDICTS
    assert {str(k) for k in SignatureKind} == KINDS
    assert {str(c) for c in Coverage} == COVERAGES
    assert {str(c) for c in ChangesAfter} == CHANGES
    assert {str(c) for c in ChangesAfter if c.allowed} == ALLOWED_CHANGES
    for code in ("HASH_FAILURE", "DISALLOWED_CHANGES", "PARTIAL_COVERAGE", "REVOKED_NO_POE",
                 "OUT_OF_BOUNDS_NO_POE", "SIGNATURE_UNREADABLE", "NO_SIGNATURE"):  # fmt: skip
        assert Reason(code) == code


def _json_round_trip(report: VerificationReport) -> dict[str, Any]:
    """What `hoso verify --json` prints, read back; checked against what the API sends."""
    data: dict[str, Any] = json.loads(json.dumps(report.to_dict(), ensure_ascii=False, default=str))
    api = TypeAdapter(VerificationReport).dump_python(report, mode="json")
    assert api == {key: value for key, value in data.items() if key != "reasons_vi"}
    return data


def _assert_typed(report: VerificationReport) -> None:
    assert type(report.verdict) is Verdict
    assert all(type(reason) is Reason for reason in report.reasons)
    for sig in report.signatures:
        assert type(sig.kind) is SignatureKind
        assert type(sig.indication) is Verdict
        assert type(sig.coverage) is Coverage
        assert type(sig.changes_after) is ChangesAfter
        assert all(type(reason) is Reason for reason in sig.reasons)


def test_a_countersigned_b_lta_report_is_typed_and_its_json_uses_the_contract_strings(
    signing: SigningService, verifier: Verifier, pdfa_copy: Path, tmp_path: Path
) -> None:
    scanned, issued = tmp_path / "scanned.pdf", tmp_path / "issued.pdf"
    signing.sign(pdfa_copy, scanned, "scan")
    signing.sign(scanned, issued, "result")
    report = verifier.verify_file(issued)
    _assert_typed(report)

    data = _json_round_trip(report)
    assert data["verdict"] == "TOTAL-PASSED" and data["reasons"] == [] == data["reasons_vi"]
    operator, agency, stamp = data["signatures"]
    assert [operator["kind"], agency["kind"], stamp["kind"]] == [
        "signature", "signature", "document-timestamp"
    ]  # fmt: skip
    assert {s["coverage"] for s in data["signatures"]} == {"entire-revision"}
    assert [operator["changes_after"], agency["changes_after"], stamp["changes_after"]] == [
        "form-filling", "lta-updates", "lta-updates"
    ]  # fmt: skip
    assert {s["indication"] for s in data["signatures"]} == {"TOTAL-PASSED"}
    # and back: the strings read from the JSON are the report's enum members
    assert [Coverage(s["coverage"]) for s in data["signatures"]] == [
        s.coverage for s in report.signatures
    ]
    assert [SignatureKind(s["kind"]) for s in data["signatures"]] == [
        s.kind for s in report.signatures
    ]


def test_one_signature_then_tampering_carries_reason_codes_and_their_vietnamese_texts(
    signing: SigningService, verifier: Verifier, pdfa_copy: Path, tmp_path: Path
) -> None:
    signed = tmp_path / "signed.pdf"
    signing.sign(pdfa_copy, signed, "p12-B-T")
    (alone,) = _json_round_trip(verifier.verify_file(signed))["signatures"]
    assert alone["coverage"] == "entire-file" and alone["changes_after"] == "none"
    assert alone["level"] == "B-T" and alone["reasons"] == []
    forged = verifier.verify_bytes(add_page_content(signed.read_bytes()), name="forged.pdf")
    blanked = verifier.verify_bytes(blank_signature_value(signed.read_bytes()), name="blank.pdf")
    for report in (forged, blanked):
        _assert_typed(report)

    data = _json_round_trip(forged)
    assert data["verdict"] == "TOTAL-FAILED" and data["reasons"] == ["DISALLOWED_CHANGES"]
    assert data["signatures"][0]["changes_after"] == "other"
    assert data["reasons_vi"] == [REASONS_VI[Reason.DISALLOWED_CHANGES]]
    assert REASONS_VI[Reason.DISALLOWED_CHANGES] in forged.render_vi()

    data = _json_round_trip(blanked)
    assert data["verdict"] == "TOTAL-FAILED" and data["reasons"] == ["SIGNATURE_UNREADABLE"]
    assert data["signatures"][0]["kind"] == "signature"
    assert data["signatures"][0]["coverage"] == "unknown"
    assert [Reason(code) for code in data["reasons"]] == blanked.reasons


def test_the_server_verifies_without_a_signing_configuration(
    signing: SigningService, pdfa_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the embedded defaults (no HOSO_SIGNING_CONFIG) the API's verification answered 503
    where `hoso verify` worked (helper-76): now the integrity and the changes are checked and
    trust is unknown until anchors are configured."""
    monkeypatch.delenv("HOSO_SIGNING_CONFIG", raising=False)
    signed = tmp_path / "signed.pdf"
    signing.sign(pdfa_copy, signed, "scan")
    report = configured_verifier().verify_file(signed)
    assert report.verdict == Verdict.INDETERMINATE
    (signature,) = report.signatures
    assert signature.coverage == Coverage.ENTIRE_FILE
    # the Vietnamese report says the revocation status in Vietnamese (it said "unknown")
    assert "Tình trạng thu hồi: không xác định được" in report.render_vi()
    forged = configured_verifier().verify_bytes(add_page_content(signed.read_bytes()), name="f")
    assert forged.verdict == Verdict.FAILED and Reason.DISALLOWED_CHANGES in forged.reasons
