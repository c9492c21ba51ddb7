"""The desk UI's foundation (issue 15): logging in and out, sessions that end, the CSRF guard,
each role on its own pages only, the pages' security policy, the Vietnamese catalogue, and
axe-core finding nothing on the login page and each role's home in Chromium.

HTTP-level checks run against the app in this process on SQLite and PostgreSQL (a cheap argon2
for speed; one test holds the real parameters); the browser checks against a real `hoso serve`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import os
import pkgutil
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser
from sqlalchemy import select

import hoso
from hoso.api.app import create_app
from hoso.api.auth import FailureLimiter
from hoso.api.deps import Services
from hoso.api.headers import API_POLICY, UI_POLICY
from hoso.api.web import catalogue
from hoso.api.web.i18n import format_moment, load_translations, po_path
from hoso.api.web.texts import (
    CODE_TEXTS,
    FIELD_PROBLEM_TEXTS,
    WARNING_TEXTS,
    field_problems,
    page_warnings,
)
from hoso.digitize import page_warnings as w
from hoso.digitize.fields import identifiers, problems
from hoso.digitize.fields.extract import value_problems
from hoso.errors import ExitCode, HosoError
from hoso.settings import HosoSettings
from hoso.storage.accounts import Accounts, SessionLimits
from hoso.storage.archive import Archive
from hoso.storage.fs_store import FilesystemStore
from hoso.storage.index import RecordIndex
from hoso.storage.schema import Batch, Event, WebSession
from hoso.workflows.queue import JobQueue
from tests.cli import run_hoso
from tests.web import (
    CHEAP_HASHER,
    HOMES,
    PASSWORD,
    PEOPLE,
    Desk,
    assert_accessible,
    create_people,
    log_in,
    new_page,
    page_as,
    screenshot,
)

ORIGIN = {"Origin": "http://testserver"}
IDLE, MAX_AGE = 600, 3600  # short settings: 10 minutes idle, 1 hour in all
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


class Clock:
    """Time that a test moves (the sessions' idle and maximum age)."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@dataclass
class App:
    client: TestClient
    services: Services
    clock: Clock
    index: RecordIndex


@pytest.fixture()
def app(index: RecordIndex, tmp_path: Path) -> Iterator[App]:
    """The app with the test accounts, sessions on a test clock, limits from short settings,
    and a login limit of 3 failures."""
    archive = Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool")
    queue = JobQueue(f"sqlite:///{tmp_path / 'dbos.sqlite'}")
    services = Services(archive, queue, limiter=FailureLimiter(limit=3))
    clock = Clock()
    services.accounts = Accounts(index, hasher=CHEAP_HASHER, clock=clock)
    create_people(index, services.accounts)
    settings = HosoSettings.from_environment(
        {"HOSO_SESSION_IDLE_SECONDS": str(IDLE), "HOSO_SESSION_MAX_SECONDS": str(MAX_AGE)}
    )
    application = create_app(services, session_limits=SessionLimits.from_settings(settings))
    with TestClient(application) as client:
        yield App(client, services, clock, index)
    queue.close()


def login(
    client: TestClient, username: str, password: str = PASSWORD, csrf_token: str = ""
) -> httpx.Response:
    """The login form posted from this site (logged in already: with the page's token)."""
    answer: httpx.Response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token},
        headers=ORIGIN,
        follow_redirects=False,
    )
    return answer


def csrf_of(client: TestClient, path: str) -> str:
    found = CSRF_META.search(client.get(path).text)
    assert found, path
    return found.group(1)


def events(index: RecordIndex, event_type: str) -> list[Event]:
    with index.sessions() as session:
        return list(session.scalars(select(Event).where(Event.event_type == event_type)))


def logged_out(answer: httpx.Response) -> bool:
    return answer.status_code == 303 and answer.headers["location"] == "/login"


# --- logging in and out ----------------------------------------------------------------------


def test_each_role_lands_on_its_home_with_its_own_menu_and_logs_out(app: App) -> None:
    client = app.client
    for username in ("tram-48", "canbo-48", "luutru-48", "quantri"):
        role = PEOPLE[username][0]
        answer = login(client, username)
        assert answer.status_code == 303 and answer.headers["location"] == HOMES[role]
        home = client.get("/", follow_redirects=True)
        assert home.url.path == HOMES[role] and 'lang="vi"' in home.text
        menu = re.findall(r'<li><a href="(/[^"]*)"', home.text)
        others = {path for other, path in HOMES.items() if other != role}
        assert HOMES[role] in menu and not others & set(menu), (username, menu)
        token = CSRF_META.search(home.text).group(1)  # type: ignore[union-attr]
        out = client.post("/logout", data={"csrf_token": token}, headers=ORIGIN)
        assert out.url.path == "/login" and "hoso_session" not in client.cookies
        assert logged_out(client.get(HOMES[role], follow_redirects=False))
    assert {e.agent for e in events(app.index, "logged_in")} == {
        "person:tram-48", "person:canbo-48", "person:luutru-48", "person:quantri",
    }  # fmt: skip
    assert len(events(app.index, "logged_out")) == 4


def test_wrong_passwords_are_refused_logged_and_rate_limited(app: App) -> None:
    client = app.client
    wrong = login(client, "tram-48", "not-the-password")
    assert wrong.status_code == 401 and "hoso_session" not in wrong.cookies
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in wrong.text
    assert login(client, "no-such-person", PASSWORD).status_code == 401
    failed = events(app.index, "auth_failed")
    assert {e.detail["code"] for e in failed} == {"password_wrong", "account_unknown"}
    assert all(PASSWORD not in str(e.detail) and e.agent == "anonymous" for e in failed)
    assert login(client, "tram-48", "still-not-it").status_code == 401  # the 3rd failure
    limited = login(client, "tram-48")  # the right password, too late
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert "Quá nhiều lần thử" in limited.text


def test_a_login_starts_a_new_session_and_ends_the_one_before(app: App) -> None:
    client = app.client

    def browser_holds(secret: str) -> None:
        client.cookies.clear()
        client.cookies.set("hoso_session", secret)

    browser_holds("planted-by-someone-else")  # session fixation: an id chosen by an attacker
    first = login(client, "tram-48").cookies["hoso_session"]
    assert first != "planted-by-someone-else"
    browser_holds(first)
    second = login(client, "tram-48", csrf_token=csrf_of(client, "/station"))
    browser_holds(first)
    assert logged_out(client.get("/station", follow_redirects=False))
    with app.index.sessions() as session:
        kept = session.scalars(select(WebSession.secret_sha256)).all()
    secret = second.cookies["hoso_session"]
    assert kept == [hashlib.sha256(secret.encode()).hexdigest()]  # the secret is never stored


def test_sessions_end_when_idle_and_at_their_maximum_age(app: App) -> None:
    client = app.client
    login(client, "tram-48")
    for _ in range(6):  # busy, never idle for long: alive until the maximum age
        app.clock.advance(IDLE - 10)
        assert client.get("/station", follow_redirects=False).status_code == 200
    app.clock.advance(MAX_AGE - 6 * (IDLE - 10) + 1)
    assert logged_out(client.get("/station", follow_redirects=False))
    login(client, "tram-48")
    app.clock.advance(IDLE + 1)
    assert logged_out(client.get("/station", follow_redirects=False))
    with app.index.sessions() as session:
        assert session.scalars(select(WebSession)).all() == []  # ended sessions are deleted


def test_the_session_cookie_is_http_only_same_site_and_secure_over_https(app: App) -> None:
    cookie = login(app.client, "tram-48").headers["set-cookie"].lower()
    assert {"httponly", "samesite=lax", "path=/"} <= {p.strip() for p in cookie.split(";")}
    assert "secure" not in cookie and "max-age" not in cookie and "expires" not in cookie
    with TestClient(app.client.app, base_url="https://testserver") as tls:
        answer = tls.post(
            "/login",
            data={"username": "tram-48", "password": PASSWORD},
            headers={"Origin": "https://testserver"},
            follow_redirects=False,
        )
    assert "secure" in {p.strip() for p in answer.headers["set-cookie"].lower().split(";")}


def test_a_disabled_account_is_logged_out_at_once_and_cannot_log_in(app: App) -> None:
    client = app.client
    login(client, "tram-48")
    app.services.accounts.disable("tram-48", "test")
    assert logged_out(client.get("/station", follow_redirects=False))
    assert login(client, "tram-48").status_code == 401
    assert events(app.index, "auth_failed")[-1].detail["code"] == "account_disabled"


def test_passwords_are_kept_as_argon2id_hashes_with_todays_parameters(index: RecordIndex) -> None:
    accounts = Accounts(index)
    row = accounts.create("canbo-02", "mot-cau-mat-khau-dai", "officer", "48", "test")
    assert row.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert "mot-cau-mat-khau-dai" not in row.password_hash
    assert accounts.login("canbo-02", "mot-cau-mat-khau-dai", "127.0.0.1")[0].id == row.id


# --- what a page may do --------------------------------------------------------------------


def test_changes_need_the_pages_token_and_must_come_from_this_site(app: App) -> None:
    client = app.client
    login(client, "tram-48")
    token = csrf_of(client, "/station")
    refused = [
        client.post("/station/batches", data={"name": "a"}, headers=ORIGIN),
        client.post("/station/batches", data={"name": "b", "csrf_token": "x" * 43}, headers=ORIGIN),
        client.post(
            "/station/batches",
            data={"name": "c", "csrf_token": token},
            headers={"Origin": "http://evil.example"},
        ),
        client.post(
            "/station/batches",
            data={"name": "d", "csrf_token": token},
            headers={"Sec-Fetch-Site": "cross-site"},
        ),
        client.post("/station/batches", data={"name": "e", "csrf_token": token}),  # no origin
    ]
    assert [r.status_code for r in refused] == [403] * 5
    assert "không được gửi từ trang này" in refused[0].text
    forged = client.post(
        "/login",
        data={"username": "tram-48", "password": PASSWORD},
        headers={"Origin": "http://evil.example"},
    )
    assert forged.status_code == 403  # login CSRF: the guard needs no session
    with app.index.sessions() as session:
        assert session.scalars(select(Batch)).all() == []
    by_form = client.post(
        "/station/batches", data={"name": "f", "csrf_token": token}, headers=ORIGIN,
        follow_redirects=False,
    )  # fmt: skip
    by_htmx = client.post(
        "/station/batches", data={"name": "g"}, follow_redirects=False,
        headers={"X-CSRF-Token": token, "Sec-Fetch-Site": "same-origin"},
    )  # fmt: skip
    assert [by_form.status_code, by_htmx.status_code] == [303, 303]


def test_each_role_opens_only_its_own_pages_and_its_own_provinces_records(app: App) -> None:
    client = app.client
    login(client, "tram-48")
    for path in ("/officer", "/archivist", "/admin"):
        answer = client.get(path)
        assert answer.status_code == 403, path
        assert "Tài khoản của bạn không được mở trang này" in answer.text
    client.cookies.clear()
    login(client, "canbo-48")
    assert client.get("/station").status_code == 403
    intake, people = app.services.intake, {a.username: a for a in app.services.accounts.list()}
    elsewhere = intake.create_batch("Hà Nội", "01", "test", station_account_id=people["tram-01"].id)
    neighbour = intake.create_batch("Bàn 2", "48", "test", station_account_id=people["tram2-48"].id)
    client.cookies.clear()
    login(client, "tram-48")
    for batch in (elsewhere, neighbour):
        answer = client.get(f"/station/batches/{batch.id}")
        assert answer.status_code == 404 and "thuộc tỉnh khác" in answer.text


def test_pages_carry_the_ui_policy_and_the_api_keeps_its_own(app: App) -> None:
    client = app.client
    page = client.get("/login")
    headers = page.headers
    assert headers["content-security-policy"] == UI_POLICY
    assert "'unsafe-inline'" not in UI_POLICY and "frame-ancestors 'none'" in UI_POLICY
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin" and headers["cache-control"] == "no-store"
    assert not re.search(r"<script(?![^>]*\ssrc=)", page.text), "an inline script"
    assert not re.search(r"\son[a-z]+=", page.text), "an inline event handler"
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text), "an asset from elsewhere"
    for asset in re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", page.text):
        loaded = client.get(asset)
        assert loaded.status_code == 200 and loaded.headers["cache-control"] == "no-cache"
    assert client.get("/api/v1/health").headers["content-security-policy"] == API_POLICY
    assert "/login" not in client.get("/api/v1/openapi.json").text  # pages are not API


# --- words and dates -----------------------------------------------------------------------


def test_the_vietnamese_catalogue_is_complete_and_up_to_date() -> None:
    """Fails when a template or `N_` string is not in `messages.pot` (run
    `python -m hoso.api.web.catalogue`) or has no Vietnamese text in the `.po`."""
    extracted = catalogue.extract()
    assert catalogue.message_ids(extracted) == catalogue.message_ids(catalogue.read(catalogue.POT))
    translated = catalogue.read(po_path(), "vi")
    assert catalogue.untranslated(extracted, translated) == []


def test_every_translation_names_the_values_its_english_names() -> None:
    """A translation that names a value its English does not fails when shown (the refused
    account form answered 500: its Vietnamese had kept another message's %(checked)s)."""

    def named(text: object) -> list[str]:
        texts = text if isinstance(text, tuple | list) else (text,)
        return sorted(set(re.findall(r"%\((\w+)\)", " ".join(str(t) for t in texts))))

    wrong = [
        message.id
        for message in catalogue.read(po_path(), "vi")
        if message.id and message.string and named(message.string) != named(message.id)
    ]
    assert wrong == []


def test_every_error_code_has_a_text_for_people() -> None:
    for module in pkgutil.walk_packages(hoso.__path__, "hoso."):
        if ".migrations" not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    codes, pending = set(), [HosoError]
    while pending:
        error = pending.pop()
        codes.add(error.code)
        pending += error.__subclasses__()
    # codes the service writes without a class of their own
    codes |= {"internal_error", "queue_unavailable", "invalid_request", "request_timeout"}
    codes |= {"too_many_uploads", "request_too_large"}
    assert sorted(codes - set(CODE_TEXTS)) == []


def test_every_page_warning_is_shown_in_vietnamese_with_its_values() -> None:
    """Pages' warnings reached the station in English but for one: each template hoso writes
    a warning from has a Vietnamese text here, its values kept; the below-200-dpi warning is
    the page's "rescan needed" flag instead; an unknown warning is shown as written."""
    vietnamese = load_translations()
    written = {
        w.WAY_UP_UNKNOWN.format(rotation=270): ["270"],
        w.SKEW_UNKNOWN: [],
        w.LOW_CONFIDENCE.format(confidence=0.391): ["39%"],
        w.NOTHING_READ: [],
        w.SHOW_THROUGH: [],
        w.SHOW_THROUGH_OWN_PRINT: [],
        w.OUTLINE_NOT_FOUND: [],
        w.NEGATIVE_PAGE: [],
        w.DAMAGED_IMAGE: [],
        w.ANNOTATIONS_NOT_DRAWN: [],
        w.DRAWN_ONLY.format(operations="20,000"): ["20,000"],
        w.ANALYSIS_TOO_SLOW.format(seconds="5"): ["5"],
        w.FILE_ANALYSIS_TOO_SLOW.format(seconds="110"): ["110"],
        w.HIDDEN_TEXT.format(words=6): ["6"],
        w.BLANK_PAGE: [],
        w.TOO_SMALL.format(width=1, height=40): ["1", "40"],
        w.ATTACHMENTS_NOT_READ.format(count=4, names="đơn.pdf, ảnh.png, bảng.xlsx, …"): [
            "4",
            "đơn.pdf, ảnh.png, bảng.xlsx, …",
        ],
        w.GIF_PICTURES.format(pictures=3): ["3"],
        w.PICTURES_LEFT.format(pictures=30, read=24): ["30", "24"],
        w.PICTURE_NOT_READ: [],
        w.SAME_FILE_TWICE.format(name="đơn.jpg", page=3): ["đơn.jpg", "3"],
        w.CUT_SHORT.format(detail="a header entry is missing"): ["a header entry is missing"],
        w.STATED_DPI_DOUBTED.format(stated=300, width_mm=70, height_mm=99, sheet="A4", dpi=100): [
            "300",
            "70",
            "99",
            "A4",
            "100",
        ],
        w.UNEVEN_RESOLUTION.format(x=204, y=98, axis="rows", low=98, minimum=200): [
            "204",
            "98",
            "200",
        ],
    }
    # every template hoso writes a warning from is shown (or is the rescan flag)
    assert set(WARNING_TEXTS) | {w.BELOW_MINIMUM} == set(w.TEMPLATES)
    notes = [{"page": 2, "warnings": list(written)}]
    shown = page_warnings(notes)
    assert [number for number, _, _ in shown] == [2] * len(written)
    for (_, source, values), kept in zip(shown, written.values(), strict=True):
        text = vietnamese.gettext(source) % values if values else vietnamese.gettext(source)
        assert text != source and all(value in text for value in kept), text
    below = w.BELOW_MINIMUM.format(dpi=150, minimum=200)
    assert page_warnings([{"page": 1, "warnings": [below, "a new 5% warning"]}]) == [
        (1, "a new 5% warning", {})
    ]


def test_every_field_problem_is_shown_in_vietnamese_with_its_values() -> None:
    """Problems as the checks write them (their real wording, not the templates): each reads
    back as its Vietnamese text with its values in it, and every template is one of them."""
    vietnamese = load_translations()
    ids, future = identifiers, dt.date(2026, 1, 1)
    checked: list[tuple[list[str], list[str]]] = [
        (ids.citizen_id_problems("12345"), []),
        (ids.citizen_id_problems("999190000001"), ["999"]),
        (ids.citizen_id_problems("001290000001", "01/01/1990"), ["2", "2000", "1990"]),
        (ids.citizen_id_problems("001085000001", "01/01/1990"), ["85", "1990"]),
        (ids.citizen_id_problems("001190000001", "01/01/1990", "Nam"), ["1", "Nam", "Nữ"]),
        (ids.citizen_id_problems("001784000001", today=future), ["784", "2284"]),
        (ids.tax_code_problems("12"), []),
        (ids.tax_code_problems("0100000000"), []),
        (ids.tax_code_problems("0100109105"), []),
        (ids.dossier_code_problems("1.2"), []),
        (ids.dossier_code_problems("000.00.48.H17-250231-0042"), ["31/02/2025"]),
        (ids.procedure_code_problems("x"), []),
        (ids.document_number_problems("x"), []),
        (ids.phone_problems("08228127156"), []),
        ([problems.ZONE_DISAGREES.format(value="15/03/1990")], ["15/03/1990"]),
        (value_problems("full_name", "An <img src=x>"), []),
        (ids.date_problems("31/02/2020"), ["31/02/2020"]),
        (ids.date_problems("01/01/2027", not_after=future), ["01/01/2027"]),
        (ids.card_expiry_problems("02/03/2030", "01/02/1990"), ["02/03/2030", "01/02/1990"]),
        ([problems.REPAIRED.format(count=2)], ["2"]),
        ([problems.OCR_UNSURE.format(words="Hdàng", confidence=0.31)], ["Hdàng", "31%"]),
        ([problems.ID_TWO_NAMES.format(number="001", one="An", other="Ân")], ["001", "An", "Ân"]),
        ([problems.NAME_TWO_IDS.format(name="An", one="001", other="002")], ["An", "001", "002"]),
        ([problems.ID_TWO_BIRTHS.format(number="1", one="01/01/1990", other="X")], ["01/01/1990"]),
    ]
    written = {text: kept for texts, kept in checked for text in texts}
    shown = field_problems(list(written))
    assert {source for source, _ in shown} == set(FIELD_PROBLEM_TEXTS.values())
    assert set(FIELD_PROBLEM_TEXTS) == set(problems.TEMPLATES)
    for (source, values), (raw, kept) in zip(shown, written.items(), strict=True):
        text = vietnamese.gettext(source) % values if values else vietnamese.gettext(source)
        assert text != source and all(value in text for value in kept), (raw, text)
    unknown = "a newer worker's 5% problem"
    assert field_problems([unknown]) == [(unknown, {})]


def test_dates_are_shown_in_vietnam_time() -> None:
    evening = dt.datetime(2026, 11, 30, 17, 5, tzinfo=dt.UTC)
    assert format_moment(evening) == "01/12/2026 00:05"
    assert format_moment(evening.replace(tzinfo=None)) == "01/12/2026 00:05"  # SQLite: UTC


def test_htmx_is_the_copy_its_provenance_names() -> None:
    static = Path(hoso.api.web.__file__).parent / "static"
    provenance = (static / "PROVENANCE.md").read_text(encoding="utf-8")
    digest = hashlib.sha256((static / "htmx.min.js").read_bytes()).hexdigest()
    assert f"| {digest} |" in provenance and "htmx.org@2." in provenance


# --- accounts from the command line ----------------------------------------------------------


def test_the_first_admin_and_other_accounts_come_from_the_cli(tmp_path: Path) -> None:
    env = {**os.environ, "HOSO_DATA_DIR": str(tmp_path / "var")}
    run_hoso("user", "create", "QuanTri", "--role", "admin", "--password-stdin",
             env=env, input="mot-mat-khau-dai\n")  # fmt: skip
    run_hoso("user", "disable", "quantri", env=env)
    listed = run_hoso("user", "list", env=env).stdout.splitlines()
    assert listed == ["1\tquantri\tadmin\t*\tdisabled"]


def test_an_officer_without_a_province_is_refused_in_plain_english(tmp_path: Path) -> None:
    env = {**os.environ, "HOSO_DATA_DIR": str(tmp_path / "var")}
    refused = run_hoso(
        "user", "create", "canbo", "--role", "officer", "--password-stdin",
        env=env, input="mot-mat-khau-dai\n", expect=None,
    )  # fmt: skip
    assert refused.returncode != 0
    assert "an officer account belongs to a province" in refused.stderr  # was "a officer"


def test_a_command_run_away_from_the_archive_says_so_and_makes_none(tmp_path: Path) -> None:
    """The default data folder `var` is relative: run from another folder, `hoso user create`
    made a second, empty archive there and an admin who could never log in (a new user's
    finding). Without HOSO_DATA_DIR, only the commands that start an archive may make one."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSO_")}
    refused = run_hoso(
        "user", "create", "quantri", "--role", "admin", "--password-stdin",
        env=env, cwd=elsewhere, input="mot-mat-khau-dai\n", expect=ExitCode.BAD_ARGUMENTS,
    )  # fmt: skip
    assert "no archive in" in refused.stderr and "HOSO_DATA_DIR" in refused.stderr
    assert not (elsewhere / "var").exists()
    run_hoso("config", "migrate", env=env, cwd=elsewhere)  # starting one here is a choice
    assert run_hoso("user", "list", env=env, cwd=elsewhere).stdout == ""


# --- in Chromium -----------------------------------------------------------------------------

browser_tests = pytest.mark.xdist_group("web-foundation")


@browser_tests
def test_login_and_every_home_pass_axe_in_chromium(desk: Desk, browser: Browser) -> None:
    page = new_page(desk, browser)
    page.goto("/")
    assert page.url.endswith("/login")
    assert_accessible(page)
    screenshot(page, "login")
    log_in(page, "tram-48", "sai-mat-khau")
    assert page.get_by_role("alert").inner_text().startswith("Tên đăng nhập hoặc mật khẩu")
    assert_accessible(page)
    page.context.close()
    for username in ("tram-48", "canbo-48", "luutru-48", "quantri"):
        home = page_as(desk, browser, username)
        assert home.locator("html").get_attribute("lang") == "vi"
        assert_accessible(home)
        home.context.close()
    station = page_as(desk, browser, "tram-48")
    station.goto("/officer")
    assert station.get_by_role("heading", level=1).inner_text() == "Không được phép"
    assert_accessible(station)
    station.get_by_role("button", name="Đăng xuất").click()
    station.wait_for_url("**/login")
    station.context.close()
