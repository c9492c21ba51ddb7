"""Issue 14 (security review): person records per province, corrections checked like readings,
`hoso ingest` documents belong to a province, `hoso review list` is audited, tax codes are
checked, and `hoso verify` runs without a signing configuration."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hoso.api.app import Services, create_app
from hoso.api.auth import Role, Tokens
from hoso.digitize.fields.extract import DocumentFields, FieldValue, validate
from hoso.errors import ExitCode
from hoso.signatures.sign import SigningService
from hoso.storage.archive import Archive, ArchiveSettings
from hoso.storage.fs_store import FilesystemStore
from hoso.storage.index import RecordIndex
from hoso.storage.reuse import Reuse
from hoso.storage.schema import Document, ExtractedField, Person
from hoso.workflows.queue import JobQueue
from tests.cli import run_hoso
from tests.pki import TestPki

CITIZEN_79 = "079203004321"  # a Hồ Chí Minh City citizen
CITIZEN_48 = "048203001234"


@dataclass
class Desks:
    client: TestClient
    index: RecordIndex
    tokens: dict[str, str]

    def as_(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture()
def desks(index: RecordIndex, tmp_path: Path) -> Iterator[Desks]:
    """The API over a fresh index, with an officer in 48 (Đà Nẵng) and one in 79."""
    archive = Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool")
    queue = JobQueue(f"sqlite:///{tmp_path / 'dbos.sqlite'}")
    tokens = {
        name: Tokens(index).create(name, Role.OFFICER, province, "test")[1]
        for name, province in (("officer48", "48"), ("officer79", "79"))
    }
    with TestClient(create_app(Services(archive, queue))) as client:
        yield Desks(client, index, tokens)
    queue.close()


def paper(index: RecordIndex, province: str, citizen_id: str, name: str, confidence: float) -> int:
    """A processed paper of the province carrying an ID number and a name."""
    with index.session() as session:
        row = Document(title=f"{province}-{name}", original_key=f"k/{province}{citizen_id}",
                       original_sha256=f"{province}{citizen_id}".ljust(64, "0"),
                       province_code=province)  # fmt: skip
        session.add(row)
        session.flush()
        document_id = row.id
    found = {
        "id_number": FieldValue(citizen_id, confidence, "label"),
        "full_name": FieldValue(name, 0.95, "label"),
    }
    Reuse(index).record_fields(document_id, DocumentFields("application", 0.9, found), "worker")
    return document_id


def field_of(index: RecordIndex, document_id: int, name: str) -> int:
    with index.sessions() as session:
        return session.scalars(
            select(ExtractedField.id).where(
                ExtractedField.document_id == document_id, ExtractedField.name == name
            )
        ).one()


def names_of(index: RecordIndex, citizen_id: str) -> list[str]:
    with index.sessions() as session:
        return sorted(session.scalars(select(Person.name).where(Person.citizen_id == citizen_id)))


# --- 1. person records per province; corrections checked ---------------------------------------


def test_a_correction_in_one_province_never_renames_another_provinces_person(
    desks: Desks,
) -> None:
    paper(desks.index, "79", CITIZEN_79, "Lê Thị Hoa", 0.99)
    doubtful = paper(desks.index, "48", "048203001299", "Phạm Văn Nam", 0.5)
    answer = desks.client.post(
        f"/api/v1/review/{field_of(desks.index, doubtful, 'id_number')}",
        json={"value": CITIZEN_79},
        headers=desks.as_("officer48"),
    )
    assert answer.status_code == 200, answer.text
    assert "Lê Thị Hoa" in names_of(desks.index, CITIZEN_79)  # 79's record keeps its name
    seen_by_79 = desks.client.get(f"/api/v1/persons/{CITIZEN_79}", headers=desks.as_("officer79"))
    assert seen_by_79.json()["fields"]["full_name"]["value"] == "Lê Thị Hoa"


def test_a_correction_that_fails_its_check_is_a_422_problem_and_changes_nothing(
    desks: Desks,
) -> None:
    doubtful = paper(desks.index, "48", CITIZEN_48, "Phạm Văn Nam", 0.5)
    field_id = field_of(desks.index, doubtful, "id_number")
    answer = desks.client.post(
        f"/api/v1/review/{field_id}", json={"value": "not-an-id"}, headers=desks.as_("officer48")
    )
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["code"] == "invalid_value" and "12 digits" in problem["detail"]
    with desks.index.sessions() as session:
        row = session.get(ExtractedField, field_id)
        assert row is not None and (row.value, row.status) == (CITIZEN_48, "needs_review")


def cli_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, str], Archive]:
    """A SQLite + filesystem archive both the `hoso` child process and the test open."""
    env = {**os.environ, "HOSO_DATA_DIR": str(tmp_path / "var")}
    for name in ("HOSO_DATABASE_URL", "HOSO_S3_ENDPOINT"):
        env.pop(name, None)
        monkeypatch.delenv(name, raising=False)
    archive = Archive.open(ArchiveSettings.from_environment_of(env))
    return env, archive


def test_cli_correction_is_checked_and_exits_2_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env, archive = cli_archive(tmp_path, monkeypatch)
    doubtful = paper(archive.index, "48", CITIZEN_48, "Phạm Văn Nam", 0.5)
    field_id = field_of(archive.index, doubtful, "id_number")
    refused = run_hoso("review", "decide", str(field_id), "--value", "not-an-id", env=env,
                       expect=ExitCode.BAD_ARGUMENTS)  # fmt: skip
    assert "12 digits" in refused.stderr
    run_hoso("review", "decide", str(field_id), "--value", "048203001235", env=env)


def test_cli_person_read_shows_the_given_provinces_record_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env, archive = cli_archive(tmp_path, monkeypatch)
    paper(archive.index, "79", CITIZEN_79, "Lê Thị Hoa", 0.99)
    in_48 = paper(archive.index, "48", CITIZEN_79, "Lê Thị Hoà", 0.9)
    shown = run_hoso("person", CITIZEN_79, "--province", "48", "--json", env=env)
    assert [d["document_id"] for d in json.loads(shown.stdout)["documents"]] == [in_48]
    run_hoso("person", CITIZEN_79, "--province", "01", env=env, expect=ExitCode.FAILURE)


# --- 2. `hoso ingest` documents belong to a province ----------------------------------------------


def test_cli_ingest_needs_a_province_and_its_officers_then_see_the_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env, archive = cli_archive(tmp_path, monkeypatch)
    source = tmp_path / "don.pdf"
    source.write_bytes(b"%PDF-1.4 an application form")
    refused = run_hoso("ingest", source, "--no-digitize", env=env, expect=ExitCode.BAD_ARGUMENTS)
    assert "--province" in refused.stderr
    added = run_hoso("ingest", source, "--no-digitize", "--json", "--province", "48", env=env)
    document_id = json.loads(added.stdout)["document_id"]
    queue = JobQueue(f"sqlite:///{tmp_path / 'dbos.sqlite'}")
    tokens = {
        name: Tokens(archive.index).create(name, Role.ARCHIVIST, province, "test")[1]
        for name, province in (("archivist48", "48"), ("archivist01", "01"))
    }
    with TestClient(create_app(Services(archive, queue))) as client:
        path = f"/api/v1/documents/{document_id}"
        mine = client.get(path, headers={"Authorization": f"Bearer {tokens['archivist48']}"})
        other = client.get(path, headers={"Authorization": f"Bearer {tokens['archivist01']}"})
    queue.close()
    assert mine.status_code == 200, mine.text
    assert other.status_code == 404
    second = tmp_path / "giay.pdf"
    second.write_bytes(b"%PDF-1.4 a second paper")
    again = run_hoso("ingest", second, "--no-digitize", "--json", env=env)  # the only province
    with archive.index.sessions() as session:
        row = session.get(Document, json.loads(again.stdout)["document_id"])
        assert row is not None and row.province_code == "48"


def test_cli_ingest_refuses_an_unknown_province_or_another_provinces_desk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env, _archive = cli_archive(tmp_path, monkeypatch)
    source = tmp_path / "don.pdf"
    source.write_bytes(b"%PDF-1.4 an application form")
    for words in (["--province", "99"], ["--province", "48", "--desk", "7"]):
        run_hoso("ingest", source, "--no-digitize", *words, env=env, expect=ExitCode.BAD_ARGUMENTS)


# --- 3. `hoso review list` is a logged read --------------------------------------------------


def test_cli_review_list_is_an_audit_event(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env, archive = cli_archive(tmp_path, monkeypatch)
    doubtful = paper(archive.index, "48", CITIZEN_48, "Phạm Văn Nam", 0.5)
    run_hoso("review", "list", "--agent", "officer:lan", env=env)
    reads = [e for e in archive.index.events() if e.event_type == "retrieved"]
    assert [(e.agent, e.detail["what"]) for e in reads] == [("officer:lan", "review_queue")]
    assert reads[0].detail["fields"] == [field_of(archive.index, doubtful, "id_number")]


# --- 4. the tax code's check digit is used ------------------------------------------------------


def test_a_tax_code_with_a_wrong_check_digit_gets_a_problem_and_less_confidence() -> None:
    fields = {
        "tax_code": FieldValue("0100109105", 0.9, "label"),
        "document_number": FieldValue("12/QĐ-UBND", 0.9, "label"),
    }
    validate(fields, dt.date(2026, 1, 1))
    assert fields["tax_code"].problems == ["the check digit of the tax code is wrong"]
    assert fields["tax_code"].confidence < 0.9
    right = {"tax_code": FieldValue("0100109106", 0.9, "label")}
    validate(right, dt.date(2026, 1, 1))
    assert (right["tax_code"].problems, right["tax_code"].confidence) == ([], 0.9)


# --- 5. `hoso verify` without a signing configuration --------------------------------------------


def unconfigured() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("HOSO_SIGNING_CONFIG", None)
    return env


@pytest.fixture(scope="module")
def signed_copy(
    signing: SigningService, pdfa_copy: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    signed = tmp_path_factory.mktemp("verify") / "signed.pdf"
    signing.sign(pdfa_copy, signed, "copy")
    return signed


def test_verify_without_configuration_is_indeterminate_and_quiet(signed_copy: Path) -> None:
    checked = run_hoso("verify", signed_copy, "--json", env=unconfigured(),
                       expect=ExitCode.SIGNATURE_INDETERMINATE)  # fmt: skip
    report = json.loads(checked.stdout)
    (signature,) = report["signatures"]
    assert signature["intact"] and signature["changes_after"] == "none"
    assert not signature["trusted"] and report["reasons"] == ["NO_CERTIFICATE_CHAIN_FOUND"]
    assert "Traceback" not in checked.stderr and "pyhanko" not in checked.stderr.lower()


def test_verify_with_trust_anchors_given_on_the_command_line(
    signed_copy: Path, pki: TestPki
) -> None:
    checked = run_hoso("verify", signed_copy, "--trust", pki.root_cert, "--json",
                       env=unconfigured())  # fmt: skip
    assert json.loads(checked.stdout)["verdict"] == "TOTAL-PASSED"


def test_verify_names_missing_revocation_data_as_the_reason(
    signed_copy: Path, pki: TestPki
) -> None:
    """As of a past moment only the file's own data counts; a B-T copy carries no OCSP or CRL,
    so what is missing is revocation data, and the report says so (not "chain invalid")."""
    time.sleep(1.5)
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
    checked = run_hoso("verify", signed_copy, "--trust", pki.root_cert, "--at", past, "--json",
                       env=unconfigured(), expect=ExitCode.SIGNATURE_INDETERMINATE)  # fmt: skip
    report = json.loads(checked.stdout)
    assert "REVOCATION_DATA_MISSING" in report["reasons"]
    assert "CERTIFICATE_CHAIN_GENERAL_FAILURE" not in report["reasons"]
    shown = run_hoso("verify", signed_copy, "--trust", pki.root_cert, "--at", past,
                     env=unconfigured(), expect=ExitCode.SIGNATURE_INDETERMINATE)  # fmt: skip
    assert "thông tin thu hồi" in shown.stdout
    assert "Traceback" not in shown.stderr and "WARNING" not in shown.stderr
    digging = run_hoso("verify", signed_copy, "--trust", pki.root_cert, "--at", past, "--debug",
                       env=unconfigured(), expect=ExitCode.SIGNATURE_INDETERMINATE)  # fmt: skip
    assert "pyhanko" in digging.stderr  # --debug shows pyHanko's own account


def test_migration_keeps_person_rows_under_the_provinces_that_hold_their_papers(
    tmp_path: Path,
) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from hoso.storage.index import MIGRATIONS

    index = RecordIndex(f"sqlite:///{tmp_path / 'old.sqlite'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with index.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
        connection.execute(text(
            "INSERT INTO person (citizen_id, name, name_folded) VALUES "
            f"('{CITIZEN_79}', 'Lê Thị Hoa', 'le thi hoa'), ('{CITIZEN_48}', 'An', 'an');"
        ))  # fmt: skip
        for number, province in ((1, "79"), (2, "48"), (3, None)):
            connection.execute(
                text("INSERT INTO document (id, title, original_key, original_sha256, status, "
                     "province_code, pages_done, created_at) VALUES (:id, 't', 'k', 's', 'done', "
                     ":province, 0, CURRENT_TIMESTAMP)"),
                {"id": number, "province": province},
            )  # fmt: skip
        connection.execute(text(
            "INSERT INTO extracted_field (document_id, name, value, confidence, status) VALUES "
            f"(1, 'id_number', '{CITIZEN_79}', 1, 'extracted'), "
            f"(2, 'id_number', '{CITIZEN_79}', 1, 'extracted'), "
            f"(3, 'id_number', '{CITIZEN_48}', 1, 'extracted')"
        ))  # fmt: skip
    index.migrate()
    with index.sessions() as session:
        rows = session.execute(
            select(Person.province_code, Person.citizen_id, Person.name).order_by(Person.id)
        ).all()
    assert sorted(rows, key=str) == sorted(
        [("48", CITIZEN_79, "Lê Thị Hoa"), ("79", CITIZEN_79, "Lê Thị Hoa"),
         (None, CITIZEN_48, "An")], key=str,
    )  # fmt: skip
    index.engine.dispose()
