"""Issue 14: the scan operator's own signature (Circular 01/2023 Art. 8: the person who digitized
a copy signs it). Two operators hold SoftHSM tokens of their own (two labels), a third a personal
PKCS#12 key, each a person of the test PKI. Stations upload through the API; the workers'
`Processor` signs each copy with its station's operator's key and never with another's; a
station without a signer fails at once, keeps its original, and is signed as itself once mapped
and retried. `hoso ingest` signs as the operator it is told, and refuses without one."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hoso.api.app import Services, create_app
from hoso.api.auth import Role, Tokens
from hoso.digitize.models import Options
from hoso.digitize.pipeline import PageRunner
from hoso.errors import ExitCode
from hoso.signatures.errors import OperatorSignerMissingError, SigningConfigError
from hoso.signatures.profiles import SigningConfig
from hoso.signatures.sign import PipelineSigner, pipeline_signer
from hoso.signatures.verify import Verdict, Verifier
from hoso.storage.archive import Archive
from hoso.storage.fs_store import FilesystemStore
from hoso.storage.index import RecordIndex
from hoso.storage.intake import Intake
from hoso.storage.schema import Account, Document
from hoso.workflows.processing import Processor
from hoso.workflows.queue import JobQueue
from tests.cli import run_hoso
from tests.databases import fresh_database, postgres_available
from tests.pki import OPERATORS, TestPki
from tests.signing_setup import SoftHsm, write_operator_config, write_signing_config
from tests.synthetic import PageSpec, render_page

API = "/api/v1"
# [operators]: each station account signs with its operator's own token
STATIONS = {"desk-binh": "operator-token", "desk-cuong": "operator2-token"}
PERSON_ACCOUNT = "cuong.tv"  # Cường in the desk UI, signing with the token at his desk
UNMAPPED = "desk-dung"  # a third station, whose operator has only a personal PKCS#12 key
PERSON = {"desk-binh": "operator", "desk-cuong": "operator2", UNMAPPED: "operator3"}


def person(station: str) -> str:
    """The common name on the certificate of the operator at `station`."""
    return OPERATORS[PERSON[station]]


@dataclass
class Desk:
    client: TestClient
    archive: Archive
    runner: PageRunner
    verifier: Verifier
    tokens: dict[str, str]
    folder: Path

    @contextmanager
    def worker(self, config: Path) -> Iterator[Processor]:
        """A worker's processor as `hoso worker` builds it, signing with `config`; its tokens
        are closed when it stops (a token stays logged in while a session of it is open)."""
        sign = pipeline_signer(SigningConfig.load(config))
        assert isinstance(sign, PipelineSigner)
        try:
            yield Processor(
                Intake(self.archive), self.runner, Options(jobs=1), "worker:test", sign=sign
            )
        finally:
            sign.service.keyring.close()

    def as_(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def send(self, processor: Processor, station: str, payload: bytes) -> int:
        """One paper uploaded by `station` in a batch of its own, processed as a worker does."""
        headers = self.as_(station)
        batch = self.client.post(f"{API}/batches", json={"name": station}, headers=headers).json()
        sent = self.client.post(
            f"{API}/batches/{batch['id']}/files",
            files={"file": ("scan.png", io.BytesIO(payload))},
            headers=headers,
        )
        assert sent.status_code == 201, sent.text
        assert self.client.post(f"{API}/batches/{batch['id']}/close", headers=headers).is_success
        [document_id] = processor.plan(batch["id"])
        processor.process(document_id)
        return document_id

    def document(self, document_id: int) -> Document:
        found = Intake(self.archive).document(document_id)
        assert found is not None
        return found

    def signer_of(self, document_id: int) -> str:
        """The archived copy's one signature, verified: its signer certificate's subject."""
        answer = self.client.get(f"{API}/documents/{document_id}/pdf", headers=self.as_("officer"))
        assert answer.status_code == 200, answer.text
        report = self.verifier.verify_bytes(answer.content, name=f"{document_id}.pdf")
        assert report.verdict is Verdict.PASSED, report.render_vi()
        [signature] = report.signatures
        assert (signature.field_name, signature.level) == ("hoso-scan", "B-T")
        assert signature.signer is not None
        return signature.signer.subject

    def signed_by(self, document_id: int) -> dict[str, Any]:
        [processed] = [
            e
            for e in self.archive.index.events(document_id=document_id)
            if e.event_type == "processed" and e.outcome == "success"
        ]
        signed: dict[str, Any] = processed.detail["signed_by"]
        return signed


def scan(seed: int) -> bytes:
    out = io.BytesIO()
    render_page(PageSpec(seed=seed, dpi=150, body_lines=3)).image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def hsm(softhsm_token: SoftHsm | None) -> SoftHsm:
    if softhsm_token is None:
        pytest.skip("softhsm2 not installed (scripts/system-deps.sh installs it: make install)")
    return softhsm_token


@pytest.fixture(scope="module")
def operators_config(tmp_path_factory: pytest.TempPathFactory, pki: TestPki, hsm: SoftHsm) -> Path:
    operators = STATIONS | {PERSON_ACCOUNT: "operator2-token"}
    return write_operator_config(tmp_path_factory.mktemp("operators"), pki, hsm, operators)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def desk(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, operators_config: Path
) -> Iterator[Desk]:
    if request.param == "postgresql" and not postgres_available():
        pytest.skip("no PostgreSQL")
    folder = tmp_path_factory.mktemp(f"operators-{request.param}")
    with fresh_database(request.param, folder) as url, PageRunner(Options(jobs=1)) as runner:
        index = RecordIndex(url)
        index.migrate()
        archive = Archive(FilesystemStore(folder / "objects"), index, folder / "spool")
        jobs_url = url if request.param == "postgresql" else f"sqlite:///{folder / 'dbos.sqlite'}"
        queue = JobQueue(jobs_url)
        client = TestClient(create_app(Services(archive, queue)))
        tokens = {
            name: Tokens(index).create(name, role, "48", "test")[1]
            for name, role in [*((s, Role.STATION) for s in PERSON), ("officer", Role.OFFICER)]
        }
        verifier = Verifier(SigningConfig.load(operators_config))
        yield Desk(client, archive, runner, verifier, tokens, folder)
        client.close()
        queue.close()
        index.engine.dispose()


def test_each_station_signs_as_its_own_operator_and_never_as_the_other(
    desk: Desk, operators_config: Path
) -> None:
    with desk.worker(operators_config) as processor:
        first = desk.send(processor, "desk-binh", scan(31))
        second = desk.send(processor, "desk-cuong", scan(32))
    for document_id, station, other in [
        (first, "desk-binh", "desk-cuong"),
        (second, "desk-cuong", "desk-binh"),
    ]:
        subject = desk.signer_of(document_id)
        assert person(station) in subject and person(other) not in subject
        assert desk.signed_by(document_id) == {
            "operator": station,
            "signer": STATIONS[station],
            "certificate": subject,
        }


def test_a_station_without_a_signer_fails_at_once_then_signs_as_itself_once_mapped(
    desk: Desk, operators_config: Path, pki: TestPki, hsm: SoftHsm, tmp_path: Path
) -> None:
    payload = scan(33)
    with desk.worker(operators_config) as processor:
        document_id = desk.send(processor, UNMAPPED, payload)
    failed = desk.document(document_id)
    assert (failed.status, failed.failure_code) == ("failed", "operator_signer_missing")
    assert failed.pages_done == 0  # refused before a page was read
    reason = failed.failure_reason or ""
    assert UNMAPPED in reason and "[operators]" in reason
    original = desk.client.get(
        f"{API}/documents/{document_id}/original", headers=desk.as_("officer")
    )
    assert original.content == payload
    unsigned = desk.client.get(f"{API}/documents/{document_id}/pdf", headers=desk.as_("officer"))
    assert unsigned.status_code == 404  # nothing signed by anyone else's key

    # the administrator gives the station its operator's own key and restarts the workers
    mapped = write_operator_config(tmp_path, pki, hsm, STATIONS | {UNMAPPED: "operator3"})
    retried = desk.client.post(f"{API}/documents/{document_id}/retry", headers=desk.as_(UNMAPPED))
    assert retried.status_code == 202, retried.text
    with desk.worker(mapped) as processor:
        assert processor.process(document_id) == "done"
    subject = desk.signer_of(document_id)
    assert person(UNMAPPED) in subject
    assert not any(person(s) in subject for s in STATIONS)
    assert desk.signed_by(document_id)["operator"] == UNMAPPED


def test_a_batch_opened_in_the_desk_ui_is_signed_as_the_person_logged_in(
    desk: Desk, operators_config: Path
) -> None:
    intake = Intake(desk.archive)
    with desk.archive.index.session() as session:
        account = Account(username=PERSON_ACCOUNT, password_hash="-", role="station",
                          province_code="48")  # fmt: skip
        session.add(account)
        session.flush()
        account_id = account.id
    batch = intake.create_batch("desk ui", "48", f"person:{PERSON_ACCOUNT}",
                                station_account_id=account_id)  # fmt: skip
    intake.add_file(batch.id, io.BytesIO(scan(36)), "scan.png", 0, f"person:{PERSON_ACCOUNT}")
    intake.close(batch.id, f"person:{PERSON_ACCOUNT}")
    with desk.worker(operators_config) as processor:
        [document_id] = processor.plan(batch.id)
        assert processor.process(document_id) == "done"
    subject = desk.signer_of(document_id)
    assert person("desk-cuong") in subject and person("desk-binh") not in subject
    assert desk.signed_by(document_id)["operator"] == PERSON_ACCOUNT


def test_ingest_signs_as_the_operator_it_is_given(desk: Desk, operators_config: Path) -> None:
    path = desk.folder / "counter.png"
    path.write_bytes(scan(34))
    with desk.worker(operators_config) as processor:
        outcome = processor.ingest(path, province_code="48", operator="desk-cuong")
    assert outcome.signed_by is not None and person("desk-cuong") in outcome.signed_by
    assert desk.signed_by(outcome.document_id)["operator"] == "desk-cuong"


def test_ingest_without_an_operator_archives_nothing(
    operators_config: Path, tmp_path: Path
) -> None:
    """With operators configured, `hoso ingest` needs `--operator`: refused before archiving."""
    path = tmp_path / "counter.png"
    path.write_bytes(scan(35))
    env = {
        **os.environ,
        "HOSO_SIGNING_CONFIG": str(operators_config),
        "HOSO_DATA_DIR": str(tmp_path / "var"),
    }
    env.pop("HOSO_DATABASE_URL", None)
    done = run_hoso(
        "ingest", path, "--province", "48", "--json", env=env, expect=ExitCode.SIGNING_FAILED
    )
    error = json.loads(done.stdout)["error"]
    assert error["code"] == "operator_signer_missing"
    assert "--operator" in error["message"]
    index = RecordIndex(f"sqlite:///{tmp_path / 'var' / 'hoso.sqlite'}")
    with index.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 0
    index.engine.dispose()


# --- the configuration ----------------------------------------------------------------------------


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "signing.toml"
    path.write_text(
        '[signers.desk-key]\npkcs12 = "desk.p12"\n'
        '[profiles.scan]\nsigner = "desk-key"\nlevel = "B-B"\nappearance = "operator"\n' + text,
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ('[pipeline]\nprofile = "scan"\n[operators]\n"desk-1" = "nobody"\n', "'nobody'"),
        ('[operators]\n"desk-1" = "desk-key"\n', "[pipeline] profile"),
        ('[pipeline]\nprofile = "scan"\n[operators]\n"desk-1" = 7\n', "[operators] maps"),
    ],
    ids=["unknown-signer", "no-pipeline-profile", "not-a-name"],
)
def test_a_configuration_whose_operators_cannot_sign_is_refused(
    tmp_path: Path, table: str, says: str
) -> None:
    with pytest.raises(SigningConfigError) as refused:
        SigningConfig.load(_config(tmp_path, table))
    assert refused.value.code == "signing_config_invalid"
    assert says in refused.value.message


def test_without_operators_the_desk_key_signs_for_everyone_and_says_so(
    tmp_path: Path, pki: TestPki
) -> None:
    config = SigningConfig.load(write_signing_config(tmp_path, pki, None))
    assert config.operators is None
    sign = pipeline_signer(config)
    assert sign is not None
    profile = config.profile("scan")
    assert config.operator_signer(profile, "any-station") == profile.signer
    assert config.operator_signer(profile, None) == profile.signer
    assert "signs every copy, whoever scanned it" in sign.describe()
    mapped = SigningConfig.load(_config(tmp_path, '[pipeline]\nprofile = "scan"\n[operators]\n'))
    assert mapped.operators == {}  # an empty table: nobody signs as the desk key
    with pytest.raises(OperatorSignerMissingError):
        mapped.operator_signer(mapped.profile("scan"), "any-station")
