"""The desk UI attacked (issue 15): markup in every value a file or a person brings reaches the
page as text, every UI route has a role decision that holds, and another province's records
are the 404 page from every path, with nothing changed.

Over HTTP against the app in this process, on SQLite and PostgreSQL (`test_web_foundation`'s
`app`: the test accounts, a cheap argon2).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from starlette.routing import BaseRoute

from hoso.api.auth import Role
from hoso.api.web.routing import PageRoute
from hoso.storage.reuse import upsert_person
from hoso.storage.schema import Account, ApiToken, Batch, Document, ExtractedField
from hoso.storage.vocabulary import FieldStatus
from tests import test_web_foundation as foundation
from tests.test_web_foundation import ORIGIN, App, csrf_of, login
from tests.web import PASSWORD

app = foundation.app

# What an attacker writes into a file name, a batch name, a scanned paper, a form: each must
# come back as text. The last is no markup, but breaks a page that formats it with `%`.
PAYLOADS = ("<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>', "l'an 50% <b>")
CITIZEN_01 = "001099012345"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("L", (40, 40), 255).save(out, "PNG")
    return out.getvalue()


def assert_shown_as_text(page: httpx.Response, payload: str) -> None:
    """The payload is on the page, escaped, and nowhere as markup."""
    assert page.status_code == 200, (page.status_code, page.text[:300])
    for tag in re.findall(r"<\w+", payload):
        assert payload[payload.index(tag) :] not in page.text, (payload, page.url)
    escaped = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = escaped.replace('"', "&#34;").replace("'", "&#39;")
    assert escaped in page.text, (payload, page.url)


def document(app: App, tmp_path: Path, name: str, province: str) -> int:
    path = tmp_path / f"{len(list(tmp_path.iterdir()))}.png"
    path.write_bytes(png() + name.encode())  # bytes of its own: a new document
    return app.services.archive.ingest(path, "test", title=name, province_code=province).document_id


def with_fields(app: App, document_id: int, doc_type: str, fields: dict[str, str]) -> list[int]:
    """What a worker stores for a scanned paper: its type, text and values (to review)."""
    with app.index.sessions() as session:
        row = session.get(Document, document_id)
        assert row is not None
        row.doc_type = doc_type
        app.index.set_text(session, document_id, " ".join(fields.values()) + " tim thay")
        made = [
            ExtractedField(
                document_id=document_id,
                name=name,
                value=value,
                confidence=0.4,
                source="ocr",
                status=FieldStatus.NEEDS_REVIEW,
                page=0,
                box=[0, 0, 10, 10],
            )
            for name, value in fields.items()
        ]
        session.add_all(made)
        if "id_number" in fields:
            upsert_person(session, row.province_code, fields["id_number"], fields["full_name"])
        session.commit()
        return [f.id for f in made]


# --- markup as text ------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markup_from_files_papers_and_people_is_shown_as_text(
    app: App, tmp_path: Path, payload: str
) -> None:
    client = app.client
    # The station: a batch name, a file name at upload.
    login(client, "tram-48")
    token = csrf_of(client, "/station")
    opened = client.post(
        "/station/batches", data={"name": payload, "csrf_token": token}, headers=ORIGIN,
        follow_redirects=False,
    )  # fmt: skip
    batch_page = opened.headers["location"]
    sent = client.post(
        f"{batch_page}/files", files={"file": (f"{payload}.png", png(), "image/png")},
        headers={**ORIGIN, "X-CSRF-Token": token},
    )  # fmt: skip
    assert sent.status_code == 201, sent.text
    assert_shown_as_text(client.get("/station"), payload)
    assert_shown_as_text(client.get(batch_page), payload)

    # A scanned paper: its title, its type (a separator sheet's QR can name any), its text
    # and values; then an officer's correction and the search box.
    (tmp_path / "in").mkdir()
    doc = document(app, tmp_path / "in", payload, "48")
    name_field, *_ = with_fields(
        app, doc, payload[:40], {"full_name": payload, "id_number": "048099012345", "x": payload}
    )
    client.cookies.clear()
    login(client, "canbo-48")
    for path in (
        "/officer",
        "/officer?q=tim+thay",
        f"/officer?q={payload}",
        f"/officer/documents/{doc}",
        "/officer/persons/048099012345",
        "/review",
    ):
        assert_shown_as_text(client.get(path), payload)
    corrected = client.post(
        f"/review/{name_field}", data={"value": payload + " sửa"},
        headers={**ORIGIN, "X-CSRF-Token": csrf_of(client, "/review"), "HX-Request": "true"},
    )  # fmt: skip
    assert_shown_as_text(corrected, payload)

    # The archivist's view of the document, the admin's tokens and audit log.
    client.cookies.clear()
    login(client, "luutru-48")
    assert_shown_as_text(client.get(f"/archivist/documents/{doc}"), payload)
    client.cookies.clear()
    login(client, "quantri")
    made = client.post(
        "/admin/tokens", data={"name": payload, "role": "officer", "province": "48",
                               "csrf_token": csrf_of(client, "/admin/tokens")},
        headers=ORIGIN,
    )  # fmt: skip
    assert made.status_code == 201
    assert_shown_as_text(client.get("/admin/tokens"), payload)
    assert_shown_as_text(client.get("/admin/audit", params={"agent": payload}), payload)


def test_every_template_is_autoescaped_and_marks_nothing_safe(app: App) -> None:
    pages = app.client.app.state.web.pages  # type: ignore[attr-defined]
    names = pages.env.list_templates()
    assert names and all(pages.env.autoescape(name) for name in names)
    sources = [pages.env.loader.get_source(pages.env, name)[0] for name in names]
    assert not [s for s in sources if re.search(r"\|\s*safe|autoescape\s+false|Markup", s)]


# --- roles, provinces ----------------------------------------------------------------------

STATION, OFFICER, ARCHIVIST, ADMIN = "station", "officer", "archivist", "admin"
ANYONE = frozenset({STATION, OFFICER, ARCHIVIST, ADMIN})
PEOPLE = {STATION: "tram-48", OFFICER: "canbo-48", ARCHIVIST: "luutru-48", ADMIN: "quantri-48"}
# Each UI route and the roles that may use it. A new route fails the test until it is here.
DECISIONS: dict[str, frozenset[str]] = {
    "GET /": ANYONE,
    "GET /login": ANYONE,
    "POST /login": ANYONE,
    "POST /logout": ANYONE,
    "GET /station": frozenset({STATION}),
    "POST /station/batches": frozenset({STATION}),
    "GET /station/batches/{batch_id}": frozenset({STATION}),
    "GET /station/batches/{batch_id}/status": frozenset({STATION}),
    "POST /station/batches/{batch_id}/files": frozenset({STATION}),
    "POST /station/batches/{batch_id}/close": frozenset({STATION}),
    "POST /station/documents/{document_id}/retry": frozenset({STATION}),
    "POST /station/documents/{document_id}/replace": frozenset({STATION}),
    "GET /officer": frozenset({OFFICER}),
    "GET /officer/documents/{document_id}": frozenset({OFFICER}),
    "GET /officer/documents/{document_id}/view.pdf": frozenset({OFFICER}),
    "GET /officer/documents/{document_id}/download/{what}": frozenset({OFFICER}),
    "POST /officer/documents/{document_id}/results": frozenset({OFFICER}),
    "GET /officer/documents/{document_id}/results/{result_id}/pdf": frozenset({OFFICER}),
    "GET /officer/persons": frozenset({OFFICER}),
    "GET /officer/persons/{citizen_id}": frozenset({OFFICER}),
    "GET /review": frozenset({OFFICER}),
    "GET /review/{field_id}/crop.png": frozenset({OFFICER}),
    "POST /review/{field_id}": frozenset({OFFICER}),
    "GET /archivist": frozenset({ARCHIVIST}),
    "POST /archivist/verify": frozenset({ARCHIVIST}),
    "GET /archivist/documents": frozenset({ARCHIVIST}),
    "GET /archivist/documents/{document_id}": frozenset({ARCHIVIST}),
    "POST /archivist/documents/{document_id}/verify": frozenset({ARCHIVIST}),
    "GET /admin": frozenset({ADMIN}),
    "POST /admin": frozenset({ADMIN}),
    "POST /admin/people/{username}/disable": frozenset({ADMIN}),
    "GET /admin/tokens": frozenset({ADMIN}),
    "POST /admin/tokens": frozenset({ADMIN}),
    "POST /admin/tokens/{token_id}/revoke": frozenset({ADMIN}),
    "GET /admin/audit": frozenset({ADMIN}),
}


def served(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    """Every route the app serves, inside the routers it includes (FastAPI keeps an included
    router as one entry, `original_router`; the UI's have no prefix)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        yield from served(included.routes) if included is not None else (route,)


def ui_routes(app: App) -> list[tuple[str, str]]:
    """(method, path) of every route of the desk UI, from the app itself."""
    return [
        (method, route.path)
        for route in served(app.client.app.routes)  # type: ignore[attr-defined]
        if isinstance(route, PageRoute)
        for method in sorted(route.methods or ())
    ]


def province_01(app: App, tmp_path: Path) -> dict[str, str]:
    """One of each record of province 01, as the path parameters that name them."""
    accounts = {a.username: a for a in app.services.accounts.list()}
    batch = app.services.intake.create_batch(
        "Hà Nội", "01", "test", station_account_id=accounts["tram-01"].id
    )
    doc = document(app, tmp_path, "cccd-ha-noi.png", "01")
    field, *_ = with_fields(
        app, doc, "id_card", {"full_name": "Trần Thị Hà", "id_number": CITIZEN_01}
    )
    token, _secret = app.services.tokens.create("Hà Nội", Role.OFFICER, "01", "test")
    return {
        "batch_id": str(batch.id), "document_id": str(doc), "field_id": str(field),
        "citizen_id": CITIZEN_01, "username": "tram-01", "token_id": str(token.id), "what": "pdf",
        "result_id": "1",
    }  # fmt: skip


def holdings(app: App) -> list[tuple[Any, ...]]:
    """Everything a page could change, to compare before and after."""
    with app.index.sessions() as session:
        return [
            *session.execute(select(Batch.id, Batch.status, Batch.name)).all(),
            *session.execute(select(Document.id, Document.status, Document.doc_type)).all(),
            *session.execute(
                select(ExtractedField.id, ExtractedField.value, ExtractedField.status)
            ).all(),
            *session.execute(select(Account.id, Account.disabled_at)).all(),
            *session.execute(select(ApiToken.id, ApiToken.revoked_at)).all(),
        ]


def call(client: TestClient, method: str, path: str, token: str, empty_form: bool) -> int:
    """The route as a browser of this site calls it. A change the role may make names a record
    of the other province (404), or has an empty form (422): it never changes anything."""
    headers = {**ORIGIN, "X-CSRF-Token": token}
    answer: httpx.Response
    if method == "GET":
        answer = client.get(path, follow_redirects=False)
    elif empty_form:
        answer = client.post(path, headers=headers, follow_redirects=False)
    else:
        files = {"file": ("a.png", png(), "image/png")}
        data = {"value": "x", "name": "x"}  # every field a form of these pages takes
        data |= {"procedure_code": "x", "applicant_id": "x", "title": "x"}
        answer = client.post(path, data=data, files=files, headers=headers, follow_redirects=False)
    return answer.status_code


def test_every_ui_route_has_a_role_decision_and_other_provinces_are_not_found(
    app: App, tmp_path: Path
) -> None:
    routes = ui_routes(app)
    assert sorted(f"{m} {p}" for m, p in routes) == sorted(DECISIONS)
    app.services.accounts.create("quantri-48", PASSWORD, "admin", "48", "test")
    params = province_01(app, tmp_path)
    clients = {}
    for role, username in PEOPLE.items():
        clients[role] = TestClient(app.client.app)
        login(clients[role], username)
    tokens = {role: csrf_of(c, f"/{role}") for role, c in clients.items()}
    before = holdings(app)
    nobody = TestClient(app.client.app)
    for method, template in routes:
        allowed = DECISIONS[f"{method} {template}"]
        if allowed == ANYONE:
            continue
        path = template.format(**params)
        answer = nobody.request(method, path, headers=ORIGIN, follow_redirects=False)
        assert (answer.status_code, answer.headers.get("location")) == (303, "/login"), path
        for role, client in clients.items():
            names_a_record = "{" in template
            empty_form = role in allowed and not names_a_record
            status = call(client, method, path, tokens[role], empty_form)
            if role not in allowed:
                assert status == 403, (role, method, path, status)
            elif names_a_record:
                assert status == 404, (role, method, path, status)
            else:
                assert status in (200, 404, 422), (role, method, path, status)
    assert holdings(app) == before


def test_no_redirect_after_login_leaves_this_site(app: App) -> None:
    client = app.client
    answer = client.post(
        "/login?next=https://evil.example/",
        data={"username": "canbo-48", "password": PASSWORD, "next": "//evil.example"},
        headers=ORIGIN, follow_redirects=False,
    )  # fmt: skip
    assert answer.headers["location"] == "/officer"
    assert (
        client.get("/login?next=//evil.example", follow_redirects=False).headers["location"]
        == "/officer"
    )


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("canbo-48", "/officer?until=31/12/9999"),
        ("canbo-48", "/officer?since=01/01/0001&until=31/12/9999"),
        ("canbo-48", "/officer?desk=99999999999999999999999"),
        ("quantri", "/admin/audit?day_to=9999-12-31"),
        ("quantri", "/admin/audit?day_from=0001-01-01"),
    ],
)
def test_the_calendars_ends_and_huge_numbers_are_no_server_error(
    app: App, who: str, path: str
) -> None:
    """A reviewing helper's: the day after 31/12/9999 and a desk number past 64 bits were
    500s (OverflowError). An officer's search ignores what is no desk day; the audit log says
    what is wrong with the day."""
    login(app.client, who)
    answer = app.client.get(path)
    assert answer.status_code in (200, 400), (answer.status_code, answer.text[:300])
    assert answer.status_code == (400 if path.startswith("/admin") else 200)
