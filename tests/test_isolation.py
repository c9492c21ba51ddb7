"""Issue 14 (security review), province isolation, tokens and audit: the role × own/other
province matrix for WRITES (tokens, batches, review decisions), search that pages inside the
caller's province, an audit view without personal content, audit events for metadata reads and
failed authentications, and the per-process limit on failed authentications.

The documents and tokens come from `tests.test_service_api.service` (two processed documents of
province 48; tokens per role for 48 and 01, one global admin)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hoso.api.app import Services, create_app
from hoso.api.auth import FailureLimiter, Role, Tokens, TooManyFailuresError
from hoso.storage.accounts import AccountError, Accounts
from hoso.storage.archive import Archive
from hoso.storage.fs_store import FilesystemStore
from hoso.storage.index import RecordIndex
from hoso.storage.intake import DocumentPlan, Intake
from hoso.storage.schema import ApiToken, Batch, Desk, Document, Dossier, ExtractedField
from hoso.workflows.queue import JobQueue
from tests.test_service_api import Service, service

__all__ = ["service"]  # the module-scoped fixture, shared with tests/test_service_api.py

API = "/api/v1"


@pytest.fixture(scope="module")
def isolated(service: Service) -> Service:
    """The service with one admin per province besides the global one."""
    tokens = Tokens(service.archive.index)
    for name, province in (("admin48", "48"), ("admin01", "01")):
        if name not in service.tokens:
            service.tokens[name] = tokens.create(name, Role.ADMIN, province, "test")[1]
    return service


def _token_id(service: Service, name: str) -> int:
    with service.archive.index.sessions() as session:
        found = session.scalar(select(ApiToken.id).where(ApiToken.name == name))
    assert found is not None
    return found


def _new_token(service: Service, name: str, role: Role, province: str | None) -> tuple[int, str]:
    row, secret = Tokens(service.archive.index).create(name, role, province, "test")
    return row.id, secret


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _audit(service: Service, who: str = "admin", **params: Any) -> list[dict[str, Any]]:
    answer = service.client.get(
        f"{API}/audit", params={"limit": 1000, **params}, headers=service.as_(who)
    )
    assert answer.status_code == 200, answer.text
    events: list[dict[str, Any]] = answer.json()
    return events


# --- 1. tokens: a province admin manages its own province only ----------------------------------


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"role": "officer"}, 403),  # no province: a global officer
        ({"role": "admin"}, 403),  # a global admin
        ({"role": "station", "province_code": "01"}, 403),  # another province
        ({"role": "admin", "province_code": "01"}, 403),
        ({"role": "station", "province_code": "48"}, 201),  # its own province
        ({"role": "admin", "province_code": "48"}, 201),
    ],
    ids=["officer-global", "admin-global", "station-01", "admin-01", "station-48", "admin-48"],
)
def test_a_province_admin_creates_tokens_for_its_own_province_only(
    isolated: Service, body: dict[str, Any], status: int
) -> None:
    answer = isolated.client.post(
        f"{API}/tokens", json={"name": "minted", **body}, headers=isolated.as_("admin48")
    )
    assert answer.status_code == status, answer.text
    if status == 403:
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "forbidden"
    else:
        assert answer.json()["province_code"] == "48"


def test_a_minted_global_token_would_read_every_province(isolated: Service) -> None:
    """The attack of the review, end to end: whatever a province admin sends, no token it
    makes reads another province."""
    answer = isolated.client.post(
        f"{API}/tokens", json={"name": "escalate", "role": "officer"},
        headers=isolated.as_("admin01"),
    )  # fmt: skip
    assert answer.status_code == 403
    assert "token" not in answer.json()


def test_only_the_global_admin_creates_global_tokens(isolated: Service) -> None:
    answer = isolated.client.post(
        f"{API}/tokens", json={"name": "second-global", "role": "admin"},
        headers=isolated.as_("admin"),
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    assert answer.json()["province_code"] is None


def test_a_province_admin_lists_only_its_province_tokens(isolated: Service) -> None:
    listed = isolated.client.get(f"{API}/tokens", headers=isolated.as_("admin48")).json()
    assert listed and {t["province_code"] for t in listed} == {"48"}
    everything = isolated.client.get(f"{API}/tokens", headers=isolated.as_("admin")).json()
    assert {"01", "48", None} <= {t["province_code"] for t in everything}


@pytest.mark.parametrize("victim", ["station01", "admin"])
def test_a_province_admin_cannot_revoke_another_province_token(
    isolated: Service, victim: str
) -> None:
    answer = isolated.client.delete(
        f"{API}/tokens/{_token_id(isolated, victim)}", headers=isolated.as_("admin48")
    )
    assert answer.status_code == 404, answer.text
    missing = isolated.client.delete(f"{API}/tokens/999999", headers=isolated.as_("admin48"))
    assert answer.json()["code"] == missing.json()["code"] == "not_found"
    still = isolated.client.get(f"{API}/tokens", headers=isolated.as_("admin")).json()
    assert not next(t for t in still if t["name"] == victim)["revoked"]


def test_a_province_admin_revokes_its_own_province_token(isolated: Service) -> None:
    token_id, secret = _new_token(isolated, "own-station", Role.STATION, "48")
    answer = isolated.client.delete(f"{API}/tokens/{token_id}", headers=isolated.as_("admin48"))
    assert answer.status_code == 200 and answer.json()["revoked"] is True
    assert isolated.client.get(f"{API}/batches", headers=_bearer(secret)).status_code == 401


def test_a_token_cannot_name_a_desk_of_another_province(isolated: Service) -> None:
    """The desk a token carries is where its reads are logged from: it must be of the
    token's province, or a province admin could log reads as another province's desk."""
    with isolated.archive.index.session() as session:
        desk = Desk(province_code="01", name="Bộ phận một cửa 01")
        session.add(desk)
        session.flush()
        desk_id = desk.id
    body = {"name": "deskless", "role": "officer", "province_code": "48", "desk_id": desk_id}
    answer = isolated.client.post(f"{API}/tokens", json=body, headers=isolated.as_("admin48"))
    assert answer.status_code == 400 and answer.json()["code"] == "bad_request"
    body["province_code"] = "01"
    answer = isolated.client.post(f"{API}/tokens", json=body, headers=isolated.as_("admin"))
    assert answer.status_code == 201, answer.text


def test_a_province_admin_cannot_take_another_operator_name(isolated: Service) -> None:
    """A station's name picks the key its scans are signed with ([operators]), so an admin of 01
    naming a station like one of 48 would sign 01's copies as 48's operator: refused, as is a desk
    account of that name; once the station is revoked its name is free again in 48 only (01
    had named a station after 48's revoked one and signed its copies with 48's key)."""
    token_id, _ = _new_token(isolated, "scanner-an", Role.STATION, "48")
    body = {"name": "scanner-an", "role": "station", "province_code": "01"}
    answer = isolated.client.post(f"{API}/tokens", json=body, headers=isolated.as_("admin01"))
    assert answer.status_code == 400 and "scanner-an" in answer.json()["detail"]
    with pytest.raises(AccountError):
        Accounts(isolated.archive.index).create(
            "scanner-an", "a-long-pass-phrase", "station", "01", "t"
        )
    body["name"] = "reader-an"  # other roles sign nothing: their names may repeat
    for _ in range(2):
        body["role"] = "officer"
        answer = isolated.client.post(f"{API}/tokens", json=body, headers=isolated.as_("admin01"))
        assert answer.status_code == 201
    revoked = isolated.client.delete(f"{API}/tokens/{token_id}", headers=isolated.as_("admin48"))
    assert revoked.status_code == 200
    body.update(name="scanner-an", role="station")
    answer = isolated.client.post(f"{API}/tokens", json=body, headers=isolated.as_("admin01"))
    assert answer.status_code == 400, answer.text
    body["province_code"] = "48"
    answer = isolated.client.post(f"{API}/tokens", json=body, headers=isolated.as_("admin48"))
    assert answer.status_code == 201, answer.text


# --- 1. writes of batches and reviews: own province works, another changes nothing --------------


def _open_batch(service: Service, station: str) -> int:
    answer = service.client.post(
        f"{API}/batches", json={"name": "isolation"}, headers=service.as_(station)
    )
    assert answer.status_code == 201, answer.text
    batch_id: int = answer.json()["id"]
    return batch_id


def _upload(service: Service, batch_id: int, station: str, body: bytes) -> Any:
    return service.client.post(
        f"{API}/batches/{batch_id}/files",
        files={"file": ("page.png", io.BytesIO(body))},
        headers=service.as_(station),
    )


@pytest.mark.parametrize(("station", "province"), [("station", "48"), ("station01", "01")])
def test_a_station_creates_batches_in_its_own_province_only(
    isolated: Service, station: str, province: str
) -> None:
    body = {"name": "elsewhere", "province_code": "79"}  # not part of the contract: refused
    refused = isolated.client.post(f"{API}/batches", json=body, headers=isolated.as_(station))
    assert refused.status_code == 422 and "province_code" in refused.text
    answer = isolated.client.post(
        f"{API}/batches", json={"name": "elsewhere"}, headers=isolated.as_(station)
    )
    assert answer.status_code == 201, answer.text
    batch_id = answer.json()["id"]
    with isolated.archive.index.sessions() as session:
        batch = session.get(Batch, batch_id)
        assert batch is not None and batch.province_code == province
    other = "station01" if station == "station" else "station"
    seen = isolated.client.get(f"{API}/batches/{batch_id}", headers=isolated.as_(other))
    assert seen.status_code == 404


def test_uploading_into_another_province_batch_stores_nothing(isolated: Service) -> None:
    batch_id = _open_batch(isolated, "station")
    refused = _upload(isolated, batch_id, "station01", b"\x89PNG foreign")
    assert refused.status_code == 404
    files = isolated.client.get(f"{API}/batches/{batch_id}/files", headers=isolated.as_("station"))
    assert files.json() == []
    assert _upload(isolated, batch_id, "station", b"\x89PNG own").status_code == 201


def test_closing_another_province_batch_leaves_it_open(isolated: Service) -> None:
    batch_id = _open_batch(isolated, "station")
    assert _upload(isolated, batch_id, "station", b"\x89PNG to close").status_code == 201
    refused = isolated.client.post(
        f"{API}/batches/{batch_id}/close", headers=isolated.as_("station01")
    )
    assert refused.status_code == 404
    batch = isolated.client.get(f"{API}/batches/{batch_id}", headers=isolated.as_("station"))
    assert batch.json()["status"] == "open"


def _a_field(service: Service, name: str = "address") -> ExtractedField:
    """A free-text field of province 48's form (not the name or ID number: a correction of
    those rewrites the person record other tests read)."""
    with service.archive.index.sessions() as session:
        row = session.scalar(
            select(ExtractedField).where(
                ExtractedField.document_id == service.document_ids[0], ExtractedField.name == name
            )
        )
    assert row is not None, f"the form has no {name}"
    return row


def test_a_review_decision_on_another_province_field_changes_nothing(isolated: Service) -> None:
    field = _a_field(isolated)
    refused = isolated.client.post(
        f"{API}/review/{field.id}", json={"value": "foreign correction"},
        headers=isolated.as_("officer01"),
    )  # fmt: skip
    assert refused.status_code == 404
    with isolated.archive.index.sessions() as session:
        after = session.get(ExtractedField, field.id)
        assert after is not None and (after.value, after.status) == (field.value, field.status)


# --- 2. search pages inside the caller's province -----------------------------------------------


def _documents_with_text(index: RecordIndex, counts: dict[str, int], body: str) -> None:
    with index.session() as session:
        for province, count in counts.items():
            for n in range(count):
                row = Document(
                    title=f"{province}-{n}", original_key=f"originals/{province}/{n}",
                    original_sha256=f"{province}{n:062d}", province_code=province,
                )  # fmt: skip
                session.add(row)
                session.flush()
                index.set_text(session, row.id, body)


def test_search_counts_and_pages_inside_the_province(index: RecordIndex) -> None:
    _documents_with_text(index, {"48": 12, "79": 2}, "Giấy khai sinh của công dân")
    in_79 = index.search_text("khai sinh", limit=5, province_code="79")
    assert (in_79.total, len(in_79.hits)) == (2, 2)
    page = index.search_text("khai sinh", limit=5, offset=10, province_code="48")
    assert (page.total, len(page.hits)) == (12, 2)
    assert index.search_text("khai sinh", limit=5).total == 14  # no province: the whole country
    assert index.search_text("khai sinh", province_code="01").total == 0


@pytest.fixture()
def search_api(index: RecordIndex, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    """An app on a fresh index (both engines) and an officer of province 79."""
    archive = Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool")
    queue = JobQueue(f"sqlite:///{tmp_path / 'dbos.sqlite'}")
    officer = Tokens(index).create("officer79", Role.OFFICER, "79", "test")[1]
    with TestClient(create_app(Services(archive, queue))) as client:
        yield client, officer
    queue.close()


def test_an_officer_finds_its_province_documents_among_many_foreign_hits(
    index: RecordIndex, search_api: tuple[TestClient, str]
) -> None:
    client, officer = search_api
    _documents_with_text(index, {"48": 12, "79": 2}, "Giấy khai sinh của công dân")
    for limit in (5, 100):
        answer = client.get(
            f"{API}/documents", params={"q": "khai sinh", "limit": limit}, headers=_bearer(officer)
        ).json()
        assert answer["total"] == 2, (limit, answer)
        assert [h["title"][:3] for h in answer["hits"]] == ["79-", "79-"]
    second = client.get(
        f"{API}/documents", params={"q": "khai sinh", "limit": 1, "offset": 1},
        headers=_bearer(officer),
    ).json()  # fmt: skip
    assert second["total"] == 2 and len(second["hits"]) == 1


# --- 3. the audit view holds references, not personal content ------------------------------------


def test_the_audit_view_shows_no_personal_content(isolated: Service) -> None:
    client, officer = isolated.client, isolated.as_("officer")
    assert client.get(
        f"{API}/documents", params={"q": isolated.citizen_id}, headers=officer
    ).is_success
    field = _a_field(isolated)
    correction = "Thôn Sửa Lại 7731"
    decided = client.post(f"{API}/review/{field.id}", json={"value": correction}, headers=officer)
    assert decided.status_code == 200, decided.text
    assert client.get(f"{API}/persons/{isolated.citizen_id}", headers=officer).is_success
    events = _audit(isolated)
    shown = json.dumps(events, ensure_ascii=False)
    assert isolated.citizen_id not in shown
    assert correction not in shown and field.value not in shown
    kinds = {e["event_type"] for e in events}
    assert {"searched", "reviewed", "person_read"} <= kinds  # the events are there, as references
    searched = next(e for e in events if e["event_type"] == "searched")
    assert "query" not in searched["detail"] and searched["agent"] == "officer:officer"


def test_a_province_admin_sees_only_its_province_events(isolated: Service) -> None:
    form_id = isolated.document_ids[0]
    assert isolated.client.get(
        f"{API}/documents/{form_id}/text", headers=isolated.as_("officer")
    ).is_success
    own = _audit(isolated, "admin48")
    assert any(e["document_id"] == form_id for e in own)
    foreign = _audit(isolated, "admin01")
    assert not any(e["document_id"] in isolated.document_ids for e in foreign)
    assert all(e["detail"].get("province") in ("01", None) for e in foreign)


def test_a_province_admin_sees_its_batches_and_who_read_its_people(isolated: Service) -> None:
    """A reviewing helper's finding: an officer's read of a person, and a batch's opening,
    files, closing and split, were missing from the province admin's log (they name no
    document or desk). The other province's admin sees none of them."""
    person = f"{API}/persons/{isolated.citizen_id}"
    assert isolated.client.get(person, headers=isolated.as_("officer")).is_success
    batch_kinds = {"batch_created", "ingested", "batch_closed", "batch_planned"}

    def of_the_batch(events: list[dict[str, Any]]) -> set[str]:
        return {e["event_type"] for e in events if e["detail"].get("batch_id") == isolated.batch_id}

    own = _audit(isolated, "admin48")
    assert of_the_batch(own) == batch_kinds
    assert any(e["event_type"] == "person_read" and e["agent"] == "officer:officer" for e in own)
    foreign = _audit(isolated, "admin01")
    assert of_the_batch(foreign) == set()
    assert not any(e["event_type"] == "person_read" for e in foreign)


# --- 4. metadata reads and failed authentications are events -------------------------------------


@pytest.mark.parametrize(("suffix", "what"), [("", "metadata"), ("/events", "events")])
def test_reading_a_document_metadata_or_history_is_an_event(
    isolated: Service, suffix: str, what: str
) -> None:
    form_id = isolated.document_ids[0]
    answer = isolated.client.get(
        f"{API}/documents/{form_id}{suffix}", headers=isolated.as_("archivist")
    )
    assert answer.status_code == 200
    reads = [
        e for e in _audit(isolated, event_type="document_read")
        if e["document_id"] == form_id and e["detail"].get("what") == what
    ]  # fmt: skip
    assert reads and reads[0]["agent"] == "archivist:archivist"


def test_a_bad_or_revoked_token_is_an_auth_failed_event(isolated: Service) -> None:
    guess = "hoso_" + "G" * 43
    assert isolated.client.get(f"{API}/review", headers=_bearer(guess)).status_code == 401
    token_id, secret = _new_token(isolated, "soon-revoked", Role.OFFICER, "48")
    Tokens(isolated.archive.index).revoke(token_id, "test")
    assert isolated.client.get(f"{API}/review", headers=_bearer(secret)).status_code == 401
    failed = _audit(isolated, event_type="auth_failed")
    causes = [(e["outcome"], e["detail"].get("code"), e["detail"].get("token_id")) for e in failed]
    assert ("failure", "token_unknown", None) in causes
    assert ("failure", "token_revoked", token_id) in causes
    shown = json.dumps(failed)
    assert guess not in shown and secret not in shown  # the secrets are never logged


# --- 5. failed authentications are limited per client address and per token prefix --------------


def _client_from(service: Service, address: str) -> TestClient:
    return TestClient(service.client.app, client=(address, 40000))


def test_too_many_failures_from_one_address_answer_429(isolated: Service) -> None:
    attacker = _client_from(isolated, "203.0.113.7")
    for n in range(20):
        guess = _bearer(f"hoso_{n:02d}" + "x" * 41)
        assert attacker.get(f"{API}/review", headers=guess).status_code == 401
    blocked = attacker.get(f"{API}/review", headers=_bearer("hoso_zz" + "x" * 41))
    assert blocked.status_code == 429
    assert blocked.headers["content-type"] == "application/problem+json"
    assert blocked.json()["code"] == "too_many_failures"
    # a valid token from that address is served: everyone behind one proxy shares it (a
    # helper's twenty bad headers had locked every province's callers out for a minute)
    assert attacker.get(f"{API}/review", headers=isolated.as_("officer")).status_code == 200
    again = attacker.get(f"{API}/review", headers=_bearer("hoso_zy" + "x" * 41))
    assert again.status_code == 429
    # over the limit, a flood of guesses writes nothing to the audit log (helper-70)
    logged = len(_audit(isolated, event_type="auth_failed"))
    for n in range(5):
        flood = attacker.get(f"{API}/review", headers=_bearer(f"hoso_f{n}" + "x" * 41))
        assert flood.status_code == 429
    assert len(_audit(isolated, event_type="auth_failed")) == logged
    elsewhere = _client_from(isolated, "198.51.100.20")
    assert elsewhere.get(f"{API}/review", headers=isolated.as_("officer")).status_code == 200


def test_too_many_failures_on_one_token_prefix_answer_429(isolated: Service) -> None:
    prefix = "hoso_PREFIXab"
    for n in range(20):
        spread = _client_from(isolated, f"192.0.2.{n + 1}")
        answer = spread.get(f"{API}/review", headers=_bearer(prefix + f"{n:02d}" + "y" * 28))
        assert answer.status_code == 401
    fresh = _client_from(isolated, "192.0.2.200")
    blocked = fresh.get(f"{API}/review", headers=_bearer(prefix + "zz" + "y" * 28))
    assert blocked.status_code == 429 and blocked.json()["code"] == "too_many_failures"


def test_the_limiter_counts_failures_in_a_sliding_window() -> None:
    now = [1000.0]
    limiter = FailureLimiter(limit=20, window=60, clock=lambda: now[0])
    for _ in range(20):
        limiter.check("address:a")
        limiter.fail("address:a", "token:hoso_abc")
        now[0] += 1
    with pytest.raises(TooManyFailuresError) as refused:
        limiter.check("address:b", "token:hoso_abc")  # the prefix is spent, whatever address
    assert refused.value.http_status == 429
    assert refused.value.headers == {"Retry-After": "40"}  # now 1020; the first leaves at 1060
    limiter.check("address:b", "token:hoso_other")
    now[0] = 1060.0
    limiter.check("address:a", "token:hoso_abc")  # one failure left the window: one more try


def test_a_429_says_when_to_retry(isolated: Service) -> None:
    attacker = _client_from(isolated, "203.0.113.99")
    for n in range(21):
        answer = attacker.get(f"{API}/review", headers=_bearer(f"hoso_r{n:02d}" + "x" * 40))
    assert answer.status_code == 429
    assert 1 <= int(answer.headers["Retry-After"]) <= 60


def _planned_with_code(
    intake: Intake, province: str, code: str | None, paper: bytes | None = None
) -> list[int]:
    """A closed batch of one paper in `province`, whose separator sheet named `code`."""
    batch = intake.create_batch(f"desk-{province}", province, f"station:s-{province}")
    body = paper or f"paper of {province}".encode()
    intake.add_file(batch.id, io.BytesIO(body), f"{province}.pdf", 0, f"station:s-{province}")
    intake.close(batch.id, "s")
    plans = [DocumentPlan(code, [{"file_id": f.id, "pages": None}]) for f in intake.files(batch.id)]
    return intake.record_plan(batch.id, plans, "worker:test")


def test_a_dossier_code_of_another_province_is_not_joined(
    index: RecordIndex, tmp_path: Path
) -> None:
    """A station of province 79 printing province 48's dossier code on its separator sheet:
    its papers stand in no dossier, and 48's dossier holds 48's papers only (helper-69 had put
    79's papers into 48's dossier, and seen 48's issued results from them)."""
    intake = Intake(Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool"))
    code = "000.00.48.H17-250301-0042"
    (own,) = _planned_with_code(intake, "48", code)
    (foreign,) = _planned_with_code(intake, "79", code)
    held, other = intake.document(own), intake.document(foreign)
    assert held is not None and other is not None
    assert held.dossier_id is not None
    assert other.dossier_id is None
    with index.sessions() as session:
        dossier = session.get(Dossier, held.dossier_id)
        members = session.scalars(select(Document.id).where(Document.dossier_id == held.dossier_id))
        assert dossier is not None and dossier.province_code == "48"
        assert list(members) == [own]


def test_a_documents_history_holds_no_other_provinces_upload_of_its_bytes(
    index: RecordIndex, tmp_path: Path
) -> None:
    """The same scan sent in 48 and in 79 is one stored object: each document's history shows
    its own province's upload only (79's history had shown 48's station and file name)."""
    intake = Intake(Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool"))
    (first,) = _planned_with_code(intake, "48", None, b"one scan, twice")
    (second,) = _planned_with_code(intake, "79", None, b"one scan, twice")
    # and another province's `hoso ingest` of the same bytes, which names no batch
    (tmp_path / "nguyen-van-a.pdf").write_bytes(b"one scan, twice")
    intake.archive.ingest(tmp_path / "nguyen-van-a.pdf", "cli:clerk-01", province_code="01")
    for document, province in ((first, "48"), (second, "79")):
        uploads = [e for e in index.document_history(document) if e.event_type == "ingested"]
        assert [(e.agent, e.detail["name"]) for e in uploads] == [
            (f"station:s-{province}", f"{province}.pdf")
        ]
