"""Records metadata (Circular 05/2025/TT-BNV) of a real, signed dossier, on SQLite + folder
store and PostgreSQL + S3: what hoso derives agrees with the stored copy and its events, what
only a person decides stays empty until an archivist sets it (an event, province-scoped),
migration 0011 goes up and down on both engines, and an archivist's export endpoint hands out
a bag of the province's documents only."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from fastapi.testclient import TestClient

from hoso.api.app import Services, create_app
from hoso.api.auth import Role, Tokens
from hoso.errors import ExitCode
from hoso.signatures.sign import SigningService
from hoso.signatures.verify import Verifier
from hoso.storage.bags.check import verify_bag
from hoso.storage.records import InvalidRecordValueError, clean_value
from hoso.workflows.queue import JobQueue
from tests.archives import DOSSIER, Held, digitize_dossier, empty_archive, s3_for
from tests.cli import run_hoso

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("records")]  # one dossier digitized


@dataclass
class Desk:
    held: Held
    client: TestClient
    tokens: dict[str, str]
    documents: list[int]

    def as_(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def desk(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    signing: SigningService,
    verifier: Verifier,
) -> Iterator[Desk]:
    kind = request.param
    s3 = s3_for(kind, request)
    folder = tmp_path_factory.mktemp(f"records-{kind}")
    with empty_archive(kind, folder, s3) as held:
        documents = digitize_dossier(held, signing)
        queue = JobQueue(f"sqlite:///{folder / 'dbos.sqlite'}")
        client = TestClient(create_app(Services(held.archive, queue, verifier)))
        tokens = {
            name: Tokens(held.archive.index).create(name, role, province, "test")[1]
            for name, role, province in [
                ("archivist", Role.ARCHIVIST, "48"), ("officer", Role.OFFICER, "48"),
                ("archivist01", Role.ARCHIVIST, "01"),
            ]
        }  # fmt: skip
        yield Desk(held, client, tokens, documents)
        client.close()
        queue.close()


def _fields(answer: dict[str, object]) -> dict[str, dict[str, object]]:
    records = answer["records"]
    assert isinstance(records, dict)
    return {f["name"]: f for f in records["fields"]}


def test_derived_fields_agree_with_the_stored_copy_and_its_events(desk: Desk) -> None:
    document_id = desk.documents[1]
    answer = desk.client.get(f"/api/v1/documents/{document_id}", headers=desk.as_("officer"))
    assert answer.status_code == 200, answer.text
    fields = _fields(answer.json())
    archive = desk.held.archive
    with archive.index.sessions() as session:
        pdfa = archive.newest_derived(session, document_id, "pdfa")
        json_object = archive.newest_derived(session, document_id, "json")
    assert pdfa is not None and json_object is not None
    with archive.store.open(json_object.key) as stream:
        pages = json.loads(stream.read())["pages"]
    assert fields["resolution_dpi_pages"]["value"] == [round(p["dpi"]) for p in pages]
    assert fields["resolution_dpi"]["value"] == min(round(p["dpi"]) for p in pages)
    processed = [e for e in archive.index.events(document_id=document_id)
                 if e.event_type == "processed"]  # fmt: skip
    signed_by = processed[0].detail["signed_by"]
    assert fields["signed_by"]["value"] == signed_by["certificate"]
    assert fields["signed_by"]["source"] == "signature"
    with archive.store.open(pdfa.key) as stream, pikepdf.open(io.BytesIO(stream.read())) as pdf:
        signatures = [f for f in pdf.Root.AcroForm.Fields if f.get("/FT") == "/Sig"]
        claimed = str(signatures[0].V.M)  # D:YYYYMMDDHHmmSS+hh'mm'
    signed_at = dt.datetime.fromisoformat(str(fields["signed_at"]["value"]))
    assert signed_at.strftime("%Y%m%d%H%M%S") == claimed[2:16]
    assert fields["digitized_by"]["value"] == "desk-3-scanner"
    assert fields["station"]["value"] == "token:desk-3-scanner"
    assert fields["format"]["value"] == "PDF/A-2b"
    assert fields["language"]["value"] == "vi"
    assert fields["agency"]["value"] == "Đà Nẵng"
    assert fields["dossier_code"]["value"] == DOSSIER
    assert fields["documents_in_file"]["value"] == 2
    assert fields["pages"]["value"] == len(pages)


def test_a_persons_fields_stay_empty_until_an_archivist_sets_them(desk: Desk) -> None:
    document_id = desk.documents[0]
    path = f"/api/v1/documents/{document_id}"
    before = desk.client.get(path, headers=desk.as_("archivist")).json()
    people = [n for n, f in _fields(before).items() if f["source"] == "person"]
    assert set(people) <= set(before["records"]["missing"]) and "retention" in people
    assert all(_fields(before)[n]["value"] is None for n in people if n != "title")
    put = desk.client.put(f"{path}/records", json={"retention": "10 Năm", "record_code": "HS-7"},
                          headers=desk.as_("archivist"))  # fmt: skip
    assert put.status_code == 200, put.text
    shown = {f["name"]: f["value"] for f in put.json()["fields"]}
    assert shown["retention"] == "10 năm" and shown["record_code"] == "HS-7"
    assert "retention" not in put.json()["missing"]
    after = _fields(desk.client.get(path, headers=desk.as_("officer")).json())
    assert after["retention"]["value"] == "10 năm"
    set_events = [e for e in desk.held.archive.index.events(document_id=document_id)
                  if e.event_type == "records_updated"]  # fmt: skip
    assert set_events[-1].detail["after"] == {"retention": "10 năm", "record_code": "HS-7"}
    assert set_events[-1].agent == "archivist:archivist"
    refused = desk.client.put(f"{path}/records", json={"retention": "a while"},
                              headers=desk.as_("archivist"))  # fmt: skip
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_record_value"
    officer = desk.client.put(f"{path}/records", json={}, headers=desk.as_("officer"))
    assert officer.status_code == 403
    other = desk.client.put(f"{path}/records", json={}, headers=desk.as_("archivist01"))
    assert other.status_code == 404


def test_an_archivist_exports_a_bag_of_the_province_only(desk: Desk, tmp_path: Path) -> None:
    wanted = {"dossier_code": DOSSIER}
    answer = desk.client.post("/api/v1/exports", json=wanted, headers=desk.as_("archivist"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as bag:
        bag.extractall(tmp_path)
    (folder,) = list(tmp_path.iterdir())
    report = verify_bag(folder)
    assert report.ok and report.info["Hoso-Documents"] == "2"
    other = desk.client.post("/api/v1/exports", json=wanted, headers=desk.as_("archivist01"))
    assert other.status_code == 404
    assert desk.client.post("/api/v1/exports", json=wanted,
                            headers=desk.as_("officer")).status_code == 403  # fmt: skip
    exported = [e for e in desk.held.archive.index.events() if e.event_type == "exported"]
    assert {e.detail["province"] for e in exported} == {"48"}


def test_records_show_and_set_from_the_command_line(desk: Desk) -> None:
    if desk.held.archive.index.is_postgres:
        pytest.skip("the command is the same on both; the API tests cover PostgreSQL")
    document_id = str(desk.documents[1])
    run_hoso("records", "set", document_id, "--access-level", "hạn chế", "--agent", "arch",
             env=desk.held.env)  # fmt: skip
    shown = json.loads(run_hoso("records", "show", document_id, "--json",
                                env=desk.held.env).stdout)  # fmt: skip
    values = {f["name"]: f["value"] for f in shown["fields"]}
    assert values["access_level"] == "hạn chế" and "access_level" not in shown["missing"]
    bad = run_hoso("records", "set", document_id, "--retention", "forever", env=desk.held.env,
                   expect=ExitCode.BAD_ARGUMENTS)  # fmt: skip
    assert "invalid_record_value" in bad.stderr
    run_hoso("records", "show", "999999", env=desk.held.env, expect=ExitCode.BAD_ARGUMENTS)


@pytest.mark.parametrize(
    ("name", "value", "stored"),
    [("retention", "  Vĩnh   viễn ", "vĩnh viễn"), ("notes", "", None), ("keywords", None, None)],
)
def test_a_persons_value_is_cleaned_or_refused(name: str, value: str | None, stored: str) -> None:
    assert clean_value(name, value) == stored
    for bad_name, bad in [("retention", "0 năm"), ("notes", "a\x07b"), ("pages", "3")]:
        with pytest.raises(InvalidRecordValueError):
            clean_value(bad_name, bad)
