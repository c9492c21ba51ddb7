"""`hoso sign`, `hoso verify` and `hoso archive renew` as a user runs them: exit codes, JSON, and
PINs kept out of the command line and the output."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hoso.errors import ExitCode
from hoso.signatures.profiles import SigningConfig
from hoso.signatures.sign import SigningService
from hoso.signatures.verify import Verdict, Verifier
from hoso.storage.archive import Archive, ArchiveSettings
from hoso.storage.schema import DerivedObject
from tests.cli import run_hoso
from tests.pki import PFX_PASSWORD, SHORTLIVED_DAYS
from tests.signature_attacks import add_page_content


def hoso(
    *args: str, config: Path, expect: ExitCode | None = ExitCode.OK, **env: str
) -> subprocess.CompletedProcess[str]:
    """`hoso ARGS` with the test signing configuration (and `env`) in its environment."""
    environment = {**os.environ, "HOSO_SIGNING_CONFIG": str(config), **env}
    return run_hoso(*args, env=environment, expect=expect)


def test_sign_then_verify_json_passes_and_tampering_fails(
    signing_config_file: Path, pdfa_copy: Path, tmp_path: Path
) -> None:
    signed = tmp_path / "signed.pdf"
    done = hoso("sign", str(pdfa_copy), "-o", str(signed), "--profile", "copy", "--json",
                config=signing_config_file)  # fmt: skip
    outcome = json.loads(done.stdout)
    assert outcome["signed"] and outcome["level"] == "B-T"

    again = hoso("sign", str(signed), "-o", str(signed), "--profile", "copy", "--json",
                 config=signing_config_file)  # fmt: skip
    assert json.loads(again.stdout)["signed"] is False

    checked = hoso("verify", str(signed), "--json", config=signing_config_file)
    assert json.loads(checked.stdout)["verdict"] == "TOTAL-PASSED"

    forged = tmp_path / "forged.pdf"
    forged.write_bytes(add_page_content(signed.read_bytes()))
    rejected = hoso(
        "verify", str(forged), config=signing_config_file, expect=ExitCode.SIGNATURE_FAILED
    )
    assert "KHÔNG HỢP LỆ" in rejected.stdout and "bị sửa sau khi ký" in rejected.stdout


def test_wrong_pin_is_a_signing_failure_and_never_printed(
    signing_config_file: Path, pdfa_copy: Path, tmp_path: Path
) -> None:
    wrong = "not-the-pin-" + PFX_PASSWORD[::-1]
    done = hoso("sign", str(pdfa_copy), "-o", str(tmp_path / "x.pdf"), "--profile", "copy",
                config=signing_config_file, expect=ExitCode.SIGNING_FAILED,
                HOSO_TEST_SIGNING_PIN=wrong)  # fmt: skip
    assert "signer_unavailable" in done.stderr
    assert wrong not in done.stdout + done.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_sign_refuses_a_file_that_is_not_a_pdf(signing_config_file: Path, tmp_path: Path) -> None:
    text = tmp_path / "note.pdf"
    text.write_text("not a pdf")
    done = hoso("sign", str(text), "-o", str(tmp_path / "y.pdf"), "--profile", "copy",
                config=signing_config_file, expect=ExitCode.UNREADABLE_INPUT)  # fmt: skip
    assert "not_signable" in done.stderr


def test_archive_renew_forced_adds_a_timestamp_and_still_verifies(
    signing_config_file: Path, pdfa_copy: Path, tmp_path: Path
) -> None:
    signed = tmp_path / "lta.pdf"
    hoso("sign", str(pdfa_copy), "-o", str(signed), "--profile", "p12-B-LTA",
         config=signing_config_file)  # fmt: skip
    kept = hoso("archive", "renew", str(signed), "--json", config=signing_config_file)
    assert json.loads(kept.stdout)[0]["renewed"] is False  # the test TSA lives until 2045
    before = signed.read_bytes()
    forced = hoso("archive", "renew", str(signed), "--force", "--json",
                  config=signing_config_file, expect=None)  # fmt: skip
    assert json.loads(forced.stdout)[0]["renewed"] is True
    after = signed.read_bytes()
    assert after.startswith(before) and len(after) > len(before)
    checked = hoso("verify", str(signed), "--json", config=signing_config_file, expect=None)
    report = json.loads(checked.stdout)
    assert report["verdict"] == "TOTAL-PASSED"
    assert sum(s["kind"] == "document-timestamp" for s in report["signatures"]) == 2


def test_verify_at_a_later_date_is_indeterminate_for_an_untimestamped_signature(
    signing_config_file: Path, pdfa_copy: Path, tmp_path: Path
) -> None:
    signed = tmp_path / "short.pdf"
    hoso("sign", str(pdfa_copy), "-o", str(signed), "--profile", "shortlived-B-B",
         config=signing_config_file)  # fmt: skip
    hoso("verify", str(signed), config=signing_config_file)
    later = (datetime.now(UTC) + timedelta(days=SHORTLIVED_DAYS + 100)).strftime("%Y-%m-%d")
    checked = hoso("verify", str(signed), "--at", later, "--json", config=signing_config_file,
                   expect=ExitCode.SIGNATURE_INDETERMINATE)  # fmt: skip
    # then the certificate has expired, and nothing fresh or proven vouches for the signature
    reasons = set(json.loads(checked.stdout)["reasons"])
    assert reasons & {"OUT_OF_BOUNDS_NO_POE", "TRY_LATER"}, reasons


def test_archive_renew_without_files_renews_every_signed_copy_in_the_archive(
    signing: SigningService, signing_config_file: Path, pdfa_copy: Path, tmp_path: Path
) -> None:
    """The archive-wide run: the renewed copy is a new object, the old one stays, and the
    document's newest PDF/A is the renewed one; unsigned copies are left as they are."""
    data_dir = tmp_path / "var"
    archive = Archive.open(ArchiveSettings.from_environment_of({"HOSO_DATA_DIR": str(data_dir)}))
    signed = tmp_path / "lta.pdf"
    signing.sign(pdfa_copy, signed, "p12-B-LTA")
    document = archive.ingest(pdfa_copy, "test").document_id
    archive.add_derived(document, "pdfa", signed, "test")
    unsigned_doc = archive.ingest(signed, "test", title="other").document_id  # other bytes
    archive.add_derived(unsigned_doc, "pdfa", pdfa_copy, "test")

    done = hoso("archive", "renew", "--force", "--json", config=signing_config_file,
                HOSO_DATA_DIR=str(data_dir))  # fmt: skip
    rows = {row["file"]: row for row in json.loads(done.stdout)}
    assert rows[f"document {document}"]["renewed"] is True
    assert rows[f"document {unsigned_doc}"]["renewed"] is False  # nothing to keep valid

    with archive.index.sessions() as session:
        newest = archive.newest_derived(session, document, "pdfa")
        count = session.query(DerivedObject).filter_by(document_id=document, kind="pdfa").count()
    assert newest is not None and count == 2
    with archive.store.open(newest.key) as stream:
        report = Verifier(SigningConfig.load(signing_config_file)).verify_bytes(
            stream.read(), name="renewed"
        )
    assert report.verdict is Verdict.PASSED
    assert sum(s.kind == "document-timestamp" for s in report.signatures) == 2


def test_archive_renew_reports_a_damaged_file_and_renews_the_others(
    signing: SigningService, signing_config_file: Path, pdfa_copy: Path, tmp_path: Path
) -> None:
    good = tmp_path / "good.pdf"
    signing.sign(pdfa_copy, good, "p12-B-LTA")
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(b"%PDF-1.7\n" + good.read_bytes()[9:2000])
    done = hoso("archive", "renew", str(damaged), str(good), "--force", "--json",
                config=signing_config_file, expect=ExitCode.FAILURE)  # fmt: skip
    rows = {Path(row["file"]).name: row for row in json.loads(done.stdout)}
    assert rows["good.pdf"]["renewed"] is True
    assert (
        rows["damaged.pdf"]["renewed"] is False and "cannot be read" in rows["damaged.pdf"]["error"]
    )
