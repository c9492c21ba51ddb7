"""The HTTP API in process (FastAPI TestClient) on SQLite and PostgreSQL: uploads, roles and
provinces, problem details, audit of reads. Documents are processed by the same `Processor`
the job workers run, called directly here; tests/test_service_e2e.py runs the real workers."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from hoso.api.app import Services, create_app
from hoso.api.auth import Role, Tokens
from hoso.digitize.models import Options
from hoso.digitize.pipeline import PageRunner
from hoso.signatures.sign import PipelineSigner, SigningService
from hoso.signatures.verify import Verifier
from hoso.storage.archive import Archive
from hoso.storage.fs_store import FilesystemStore
from hoso.storage.index import RecordIndex
from hoso.storage.intake import Intake
from hoso.storage.s3_store import S3Settings, S3Store
from hoso.storage.schema import ApiToken, Dossier, ExtractedField
from hoso.workflows.processing import Processor
from hoso.workflows.queue import JobQueue
from tests.databases import fresh_database, postgres_available
from tests.signature_attacks import add_page_content
from tests.synthetic_documents import make_document

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "dossier-page1.jpg"
DOSSIER = "000.00.48.H48-261201-0001"


@dataclass
class Service:
    client: TestClient
    archive: Archive
    tokens: dict[str, str]
    batch_id: int
    document_ids: list[int]
    citizen_id: str

    def as_(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def service(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    signing: SigningService,
    verifier: Verifier,
) -> Iterator[Service]:
    """Two documents processed as a worker does, each copy signed by the scan operator."""
    if request.param == "postgresql" and not postgres_available():
        pytest.skip("no PostgreSQL")
    folder = tmp_path_factory.mktemp(f"api-{request.param}")
    with fresh_database(request.param, folder) as url:
        index = RecordIndex(url)
        index.migrate()
        archive = Archive(FilesystemStore(folder / "objects"), index, folder / "spool")
        jobs_url = url if request.param == "postgresql" else f"sqlite:///{folder / 'dbos.sqlite'}"
        queue = JobQueue(jobs_url)
        client = TestClient(create_app(Services(archive, queue, verifier)))
        tokens = {}
        for name, role, province in [
            ("station", Role.STATION, "48"), ("officer", Role.OFFICER, "48"),
            ("archivist", Role.ARCHIVIST, "48"), ("admin", Role.ADMIN, None),
            ("station01", Role.STATION, "01"), ("officer01", Role.OFFICER, "01"),
            ("archivist01", Role.ARCHIVIST, "01"),
        ]:  # fmt: skip
            tokens[name] = Tokens(index).create(name, role, province, "test")[1]
        application = make_document("application", 7)
        form = application.page.save(folder / "application.png")
        headers = {"Authorization": f"Bearer {tokens['station']}"}
        batch = client.post("/api/v1/batches", json={"name": "desk 1"}, headers=headers).json()
        for position, path in enumerate([form, SAMPLE]):
            with path.open("rb") as stream:
                answer = client.post(
                    f"/api/v1/batches/{batch['id']}/files",
                    files={"file": (path.name, stream)},
                    data={"position": str(position)},
                    headers=headers,
                )
            assert answer.status_code == 201, answer.text
        assert client.post(f"/api/v1/batches/{batch['id']}/close", headers=headers).is_success
        with PageRunner(Options(jobs=1)) as runner:
            processor = Processor(
                Intake(archive), runner, Options(jobs=1), "worker:test",
                sign=PipelineSigner(signing),
            )  # fmt: skip
            document_ids = processor.plan(batch["id"])
            for document_id in document_ids:
                assert processor.process(document_id) == "done"
        with index.session() as session:  # a dossier of the province, for its results
            session.add(Dossier(code=DOSSIER, province_code="48"))
        yield Service(client, archive, tokens, batch["id"], document_ids,
                      application.fields["id_number"])  # fmt: skip
        client.close()
        queue.close()
        index.engine.dispose()


def test_a_closed_batch_has_one_document_per_file_with_progress(service: Service) -> None:
    batch = service.client.get(
        f"/api/v1/batches/{service.batch_id}", headers=service.as_("station")
    ).json()
    assert batch["status"] == "planned"
    assert batch["done"] is True
    assert [d["status"] for d in batch["documents"]] == ["done", "done"]
    assert batch["pages"] == batch["pages_done"] == 2
    assert [f["name"] for f in batch["files"]] == ["application.png", SAMPLE.name]
    # and the list says so too: a script polling it had waited for a status that stays
    # "planned" (a new user's finding)
    listed = service.client.get("/api/v1/batches", headers=service.as_("station")).json()
    assert [b["done"] for b in listed if b["id"] == service.batch_id] == [True]


def test_a_documents_history_begins_with_its_upload(service: Service) -> None:
    """Its own events began at "fields extracted": no history showed who brought the paper
    or when (a new user's finding). Its batch's opening, the upload of the file it was made
    from and the batch's closing and split come first."""
    document_id = service.document_ids[0]
    events = service.client.get(
        f"/api/v1/documents/{document_id}/events", headers=service.as_("officer")
    ).json()
    kinds = [e["event_type"] for e in events]
    # its batch opened, the file uploaded, the batch closed and split: then its own steps
    assert kinds[:2] == ["batch_created", "ingested"]
    assert kinds.index("batch_closed") < kinds.index("batch_planned") < kinds.index("processed")
    upload = events[1]
    assert upload["agent"].startswith("station:") and upload["detail"]["name"] == "application.png"
    assert all(e["agent"].startswith("station:") for e in events[:3])
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    batch_events = ("ingested", "batch_created", "batch_closed", "batch_planned")
    assert all(
        e["document_id"] == document_id for e in events if e["event_type"] not in batch_events
    )
    other = service.document_ids[1]
    assert not any(
        e["event_type"] == "ingested" and e["detail"].get("name") == "application.png"
        for e in service.client.get(
            f"/api/v1/documents/{other}/events", headers=service.as_("officer")
        ).json()
    )


def test_a_retried_upload_answers_the_same_file_and_stores_nothing_new(
    service: Service, tmp_path: Path
) -> None:
    client, headers = service.client, service.as_("station")
    batch = client.post("/api/v1/batches", json={"name": "retry"}, headers=headers).json()
    body = b"%PDF-1.4 not really a pdf but bytes are bytes"
    answers = [
        client.post(
            f"/api/v1/batches/{batch['id']}/files",
            files={"file": ("x.pdf", io.BytesIO(body))},
            headers=headers,
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 200]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert answers[0].json()["sha256"] == hashlib.sha256(body).hexdigest()
    files = client.get(f"/api/v1/batches/{batch['id']}/files", headers=headers).json()
    assert len(files) == 1


def test_bytes_already_archived_in_the_province_are_marked_duplicate(service: Service) -> None:
    client, headers = service.client, service.as_("station")
    batch = client.post("/api/v1/batches", json={"name": "again"}, headers=headers).json()
    with SAMPLE.open("rb") as stream:
        answer = client.post(
            f"/api/v1/batches/{batch['id']}/files",
            files={"file": (SAMPLE.name, stream)},
            headers=headers,
        ).json()
    assert answer["created"] is True
    assert answer["duplicate_of"] is not None


def test_a_closed_batch_refuses_more_files_with_a_problem(service: Service) -> None:
    answer = service.client.post(
        f"/api/v1/batches/{service.batch_id}/files",
        files={"file": ("late.jpg", io.BytesIO(b"late"))},
        headers=service.as_("station"),
    )
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["code"] == "batch_closed"
    assert problem["status"] == 409 and problem["detail"]


def test_closing_an_empty_batch_is_refused(service: Service) -> None:
    client, headers = service.client, service.as_("station")
    batch = client.post("/api/v1/batches", json={"name": "empty"}, headers=headers).json()
    answer = client.post(f"/api/v1/batches/{batch['id']}/close", headers=headers)
    assert answer.status_code == 409
    assert answer.json()["code"] == "empty_batch"


def test_search_pdf_text_and_fields_of_a_processed_document(service: Service) -> None:
    client, headers = service.client, service.as_("officer")
    hits = client.get("/api/v1/documents", params={"q": "don de nghi"}, headers=headers).json()
    form_id = service.document_ids[0]
    assert form_id in [h["document_id"] for h in hits["hits"]]
    pdf = client.get(f"/api/v1/documents/{form_id}/pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    original = client.get(f"/api/v1/documents/{form_id}/original", headers=headers)
    assert original.content.startswith(b"\x89PNG")
    text = client.get(f"/api/v1/documents/{form_id}/text", headers=headers).json()["text"]
    assert "Họ và tên" in text
    fields = client.get(f"/api/v1/documents/{form_id}/fields", headers=headers).json()
    assert {f["name"]: f["value"] for f in fields}["id_number"] == service.citizen_id


def test_person_record_and_prefill_from_any_desk_of_the_province(service: Service) -> None:
    client = service.client
    person = client.get(f"/api/v1/persons/{service.citizen_id}", headers=service.as_("officer"))
    assert person.status_code == 200
    assert person.json()["fields"]["id_number"]["value"] == service.citizen_id
    url = f"/api/v1/persons/{service.citizen_id}/prefill"
    prefill = client.get(
        url, params={"procedure": "household-business"}, headers=service.as_("officer")
    ).json()
    assert prefill["procedure"]["code"] == "1.001612"
    assert prefill["fields"]["id_number"]["source_document_id"] == service.document_ids[0]
    assert prefill["missing"] == ["tax_code"]  # the application form carries no MST
    old_style = client.get(
        url, params={"procedure_code": "1.004222"}, headers=service.as_("officer")
    )
    assert old_style.json()["applicant"]["id_number"]["value"] == service.citizen_id
    assert "address" not in old_style.json()["fields"]  # CT01 does not take it
    unknown = client.get(url, params={"procedure": "1.001234"}, headers=service.as_("officer"))
    assert unknown.status_code == 422
    assert unknown.headers["content-type"] == "application/problem+json"
    assert unknown.json()["code"] == "unknown_procedure"
    assert "household-business (1.001612)" in unknown.json()["detail"]
    listed = client.get("/api/v1/procedures", headers=service.as_("officer")).json()
    business = next(p for p in listed if p["key"] == "household-business")
    assert {"name": "tax_code", "field": "tax_code", "required": True} in business["fields"]
    events = client.get(
        "/api/v1/audit", params={"event_type": "prefilled"}, headers=service.as_("admin")
    ).json()
    assert {"procedure": "permanent-residence", "documents": [service.document_ids[0]],
            "province": "48"} in [e["detail"] for e in events]  # fmt: skip
    other = client.get(f"/api/v1/persons/{service.citizen_id}", headers=service.as_("officer01"))
    assert other.status_code == 404  # another province's records are not there for it


def test_every_read_of_a_record_is_an_audit_event_admins_can_list(service: Service) -> None:
    client, form_id = service.client, service.document_ids[0]
    client.get(f"/api/v1/documents/{form_id}/fields", headers=service.as_("archivist"))
    client.get(f"/api/v1/persons/{service.citizen_id}", headers=service.as_("officer"))
    events = client.get("/api/v1/audit", params={"limit": 50}, headers=service.as_("admin"))
    reads = [(e["event_type"], e["agent"], e["document_id"]) for e in events.json()]
    assert ("retrieved", "archivist:archivist", form_id) in reads
    assert ("person_read", "officer:officer", None) in reads


def test_problems_for_missing_and_bad_tokens(service: Service) -> None:
    client = service.client
    missing = client.get(f"/api/v1/batches/{service.batch_id}")
    assert missing.status_code == 401 and missing.json()["code"] == "not_authenticated"
    bad = client.get(
        f"/api/v1/batches/{service.batch_id}", headers={"Authorization": "Bearer hoso_nope"}
    )
    assert bad.status_code == 401
    invalid = client.get("/api/v1/documents", params={"q": ""}, headers=service.as_("officer"))
    assert invalid.status_code == 422 and invalid.json()["code"] == "invalid_request"


def test_a_revoked_token_is_refused(service: Service) -> None:
    admin = service.as_("admin")
    made = service.client.post(
        "/api/v1/tokens", json={"name": "temp", "role": "officer", "province_code": "48"},
        headers=admin,
    ).json()  # fmt: skip
    headers = {"Authorization": f"Bearer {made['token']}"}
    assert service.client.get("/api/v1/review", headers=headers).status_code == 200
    service.client.delete(f"/api/v1/tokens/{made['id']}", headers=admin)
    assert service.client.get("/api/v1/review", headers=headers).status_code == 401
    stored = service.client.get("/api/v1/tokens", headers=admin).json()
    assert made["token"] not in str(stored)  # secrets are never listed


def test_a_field_the_server_does_not_know_is_refused_by_name(service: Service) -> None:
    """`province` for `province_code` was dropped, and the answer blamed a missing province."""
    answer = service.client.post(
        "/api/v1/tokens", json={"name": "x", "role": "archivist", "province": "48"},
        headers=service.as_("admin"),
    )  # fmt: skip
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_request"
    assert "province" in answer.text and "extra" in answer.text.lower()


# --- roles and provinces: every endpoint --------------------------------------------------------

STATION, OFFICER, ARCHIVIST, ADMIN = "station", "officer", "archivist", "admin"
ROLE_NAMES = (STATION, OFFICER, ARCHIVIST, ADMIN)


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # with {batch}, {document}, {citizen}, {field}, {token}
    allowed: tuple[str, ...]
    scoped: bool  # a record of another province answers 404
    body: dict[str, Any] | None = None
    params: dict[str, str] | None = None
    upload: bool = False
    form: dict[str, str] | None = None  # with the upload


ENDPOINTS = [
    Endpoint("POST", "/batches", (STATION,), False, body={"name": "x"}),
    Endpoint("GET", "/batches", (STATION, OFFICER, ARCHIVIST), False),
    Endpoint("GET", "/batches/{batch}", (STATION, OFFICER, ARCHIVIST), True),
    Endpoint("GET", "/batches/{batch}/files", (STATION, OFFICER, ARCHIVIST), True),
    Endpoint("POST", "/batches/{batch}/files", (STATION,), True, upload=True),
    Endpoint("POST", "/batches/{batch}/files/bulk", (STATION,), True, upload=True),
    Endpoint("POST", "/batches/{batch}/close", (STATION,), True),
    Endpoint("GET", "/documents", (OFFICER, ARCHIVIST), False, params={"q": "ho"}),
    Endpoint("GET", "/documents/{document}", (OFFICER, ARCHIVIST), True),
    Endpoint("GET", "/documents/{document}/pdf", (OFFICER, ARCHIVIST), True),
    Endpoint("GET", "/documents/{document}/original", (OFFICER, ARCHIVIST), True),
    Endpoint("GET", "/documents/{document}/text", (OFFICER, ARCHIVIST), True),
    Endpoint("GET", "/documents/{document}/fields", (OFFICER, ARCHIVIST), True),
    Endpoint("GET", "/documents/{document}/events", (OFFICER, ARCHIVIST), True),
    Endpoint("PUT", "/documents/{document}/records", (ARCHIVIST,), True, body={}),
    Endpoint("POST", "/exports", (ARCHIVIST,), False,
             body={"day_from": "2000-01-01", "day_to": "2000-01-02"}),
    Endpoint("GET", "/persons/{citizen}", (OFFICER,), True),
    Endpoint("GET", "/persons/{citizen}/prefill", (OFFICER,), True,
             params={"procedure": "permanent-residence"}),
    Endpoint("GET", "/procedures", (OFFICER,), False),
    Endpoint("GET", "/review", (OFFICER,), False),
    Endpoint("POST", "/review/{field}", (OFFICER,), True, body={}),
    Endpoint("POST", "/tokens", (ADMIN,), False,
             body={"name": "t", "role": "station", "province_code": "48"}),
    Endpoint("GET", "/tokens", (ADMIN,), False),
    Endpoint("DELETE", "/tokens/{token}", (ADMIN,), False),
    Endpoint("POST", "/desks", (ADMIN,), False, body={"name": "d", "province_code": "48"}),
    Endpoint("GET", "/desks", (OFFICER, ADMIN), False),
    Endpoint("GET", "/audit", (ADMIN,), False),
    Endpoint("GET", "/fixity", (ARCHIVIST, ADMIN), False),
    Endpoint("GET", "/stats", (OFFICER, ADMIN), False,
             params={"from": "2026-01-01", "to": "2026-12-31"}),
    Endpoint("POST", "/verify", (OFFICER, ARCHIVIST), False, upload=True),
    Endpoint("POST", "/documents/{document}/verify", (ARCHIVIST,), True),
    Endpoint("POST", "/documents/{document}/retry", (STATION, OFFICER), True),
    Endpoint("POST", "/documents/{document}/replace", (STATION, OFFICER), True, upload=True),
    Endpoint("POST", "/dossiers/{dossier}/results", (OFFICER,), True, upload=True,
             form={"procedure_code": "1.001234", "applicant_id": "048095000123",
                   "title": "Giấy xác nhận"}),
    Endpoint("GET", "/dossiers/{dossier}/results", (OFFICER, ARCHIVIST), True),
    Endpoint("GET", "/dossiers/{dossier}/results/{result}/pdf", (OFFICER, ARCHIVIST), True),
]  # fmt: skip


def _call(service: Service, endpoint: Endpoint, who: str) -> Any:
    with service.archive.index.sessions() as session:
        field = session.scalar(select(ExtractedField.id).order_by(ExtractedField.id))
        token = session.scalar(select(ApiToken.id).where(ApiToken.name == "station01"))
    path = "/api/v1" + endpoint.path.format(
        batch=service.batch_id, document=service.document_ids[0], citizen=service.citizen_id,
        field=field, token=token, dossier=DOSSIER, result=1,
    )  # fmt: skip
    kwargs: dict[str, Any] = {"headers": service.as_(who), "params": endpoint.params}
    if endpoint.body is not None:
        kwargs["json"] = endpoint.body
    if endpoint.upload:
        kwargs["files"] = {"file": ("x.png", io.BytesIO(b"\x89PNG"))}
        kwargs["data"] = endpoint.form
    return service.client.request(endpoint.method, path, **kwargs)


def test_every_endpoint_is_in_the_role_table(service: Service) -> None:
    """A new endpoint without a role test fails here (read from the published OpenAPI)."""
    paths = service.client.get("/api/v1/openapi.json").json()["paths"]
    routes = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, methods in paths.items()
        if path not in ("/api/v1/health", "/api/v1/ready")
        for method in methods
    }
    table = {
        (e.method, e.path.replace("{batch}", "{batch_id}").replace("{document}", "{document_id}")
         .replace("{citizen}", "{citizen_id}").replace("{field}", "{field_id}")
         .replace("{token}", "{token_id}").replace("{dossier}", "{dossier_code}")
         .replace("{result}", "{result_id}"))
        for e in ENDPOINTS
    }  # fmt: skip
    assert routes == table


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
def test_a_wrong_role_gets_403(service: Service, endpoint: Endpoint) -> None:
    for who in ROLE_NAMES:
        if who in endpoint.allowed:
            continue
        answer = _call(service, endpoint, who)
        assert answer.status_code == 403, (who, answer.text)
        assert answer.json()["code"] == "forbidden"


@pytest.mark.parametrize(
    "endpoint", [e for e in ENDPOINTS if e.scoped], ids=lambda e: f"{e.method} {e.path}"
)
def test_another_province_gets_404(service: Service, endpoint: Endpoint) -> None:
    for who in endpoint.allowed:
        answer = _call(service, endpoint, f"{who}01")
        assert answer.status_code == 404, (who, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"


def test_health_and_readiness_need_no_token_metrics_need_the_metrics_token(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = service.client
    assert client.get("/api/v1/health").json() == {"status": "ok"}
    ready = client.get("/api/v1/ready").json()
    assert ready["status"] == "ready" and set(ready["checks"]) == {"database", "objects", "queue"}
    # Without a token it says each part answers, not how much every province has waiting.
    assert set(ready["checks"].values()) == {"ok"}
    assert client.get("/metrics").status_code == 404  # no metrics token: metrics are off
    app = client.app
    assert isinstance(app, FastAPI)
    services = app.state.services
    counted, count_documents = [], services.records.documents_by_status

    def documents_by_status() -> Any:
        counted.append(1)
        return count_documents()

    monkeypatch.setattr(services.records, "documents_by_status", documents_by_status)
    metrics_token = "scrape-" + "m" * 24
    with TestClient(create_app(services, metrics_token=metrics_token)) as scraper:
        assert scraper.get("/metrics").status_code == 401
        assert scraper.get("/metrics", headers=service.as_("admin")).status_code == 401
        scrapes = [
            scraper.get("/metrics", headers={"Authorization": f"Bearer {metrics_token}"})
            for _ in range(3)
        ]
    assert [answer.status_code for answer in scrapes] == [200, 200, 200]
    assert 'hoso_documents{status="done"} 2.0' in scrapes[0].text
    assert "hoso_queue_depth" in scrapes[0].text
    assert len(counted) == 1  # the GROUP BY over every document runs once per 30 s, not per scrape


def test_from_s3_the_pdf_is_a_redirect_to_a_presigned_url(
    s3_settings: S3Settings, tmp_path: Path
) -> None:
    from dataclasses import replace

    import httpx

    store = S3Store(replace(s3_settings, bucket="api-presigned"))
    store.ensure_bucket()
    index = RecordIndex(f"sqlite:///{tmp_path / 'index.sqlite'}")
    index.migrate()
    archive = Archive(store, index, tmp_path / "spool")
    queue = JobQueue(f"sqlite:///{tmp_path / 'dbos.sqlite'}")
    officer = Tokens(index).create("o", Role.OFFICER, "48", "test")[1]
    intake = Intake(archive)
    batch = intake.create_batch("s3", "48", "station:test")
    with SAMPLE.open("rb") as stream:
        intake.add_file(batch.id, stream, SAMPLE.name, 0, "station:test")
    intake.close(batch.id, "station:test")
    with PageRunner(Options(jobs=1)) as runner:
        processor = Processor(intake, runner, Options(jobs=1), "worker:test")
        [document_id] = processor.plan(batch.id)
        assert processor.process(document_id) == "done"
    with TestClient(create_app(Services(archive, queue))) as client:
        answer = client.get(
            f"/api/v1/documents/{document_id}/pdf",
            headers={"Authorization": f"Bearer {officer}"},
            follow_redirects=False,
        )
    assert answer.status_code == 307
    fetched = httpx.get(answer.headers["location"], timeout=10)
    assert fetched.status_code == 200 and fetched.content.startswith(b"%PDF-")
    queue.close()


def test_archivist_verifies_the_operators_signature_on_a_stored_copy(service: Service) -> None:
    document_id = service.document_ids[0]
    answer = service.client.post(
        f"/api/v1/documents/{document_id}/verify", headers=service.as_("archivist")
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["verdict"] == "TOTAL-PASSED"
    operator = report["signatures"][0]
    assert (
        operator["field_name"] == "hoso-scan" and "Nguyễn Thị Bình" in operator["signer"]["subject"]
    )
    events = service.client.get(
        "/api/v1/audit", params={"event_type": "verified"}, headers=service.as_("admin")
    ).json()
    assert any(e["document_id"] == document_id for e in events)


def test_a_tampered_upload_is_reported_failed_with_its_reason(service: Service) -> None:
    pdf = service.client.get(
        f"/api/v1/documents/{service.document_ids[0]}/pdf", headers=service.as_("officer")
    ).content
    forged = add_page_content(pdf)
    answer = service.client.post(
        "/api/v1/verify", files={"file": ("forged.pdf", io.BytesIO(forged))},
        headers=service.as_("officer"),
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.json()["verdict"] == "TOTAL-FAILED"
    assert "DISALLOWED_CHANGES" in answer.json()["reasons"]
    not_pdf = service.client.post(
        "/api/v1/verify", files={"file": ("x.pdf", io.BytesIO(b"hello"))},
        headers=service.as_("archivist"),
    )  # fmt: skip
    assert not_pdf.status_code == 422
    assert not_pdf.json()["code"] == "not_signable"
