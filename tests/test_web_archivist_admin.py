"""The archivist's and admin's screens of the desk UI (issue 15).

In Chromium against a real `hoso serve` with the test PKI's signing configuration: an archivist
verifies a signed PDF (valid), a tampered one (invalid) and an untrusted one (trust unknown,
shown apart from invalid), downloads the JSON report, and reads an archived document's history,
fixity and signatures; an admin creates an officer who then logs in, disables them (login
refused), creates and revokes a token, and filters the audit log. axe-core finds nothing on
each screen, and each is saved as a screenshot.

Over HTTP, on SQLite and PostgreSQL: a province's admin is refused a global account or token
and sees neither another province's accounts nor its events; the audit log's filters, days
taken in Vietnam's time; fixity problems of the caller's province only; the verify screen
without a signing configuration.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pikepdf
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from hoso.api.web.texts import EVENT_TEXTS, OUTCOME_TEXTS
from hoso.signatures.sign import SigningService
from hoso.signatures.verify import REASONS_VI, Reason
from hoso.storage.archive import Archive, ArchiveSettings
from hoso.storage.schema import Account, ApiToken, Event
from hoso.storage.vocabulary import EventType, Outcome
from tests import test_web_foundation as foundation
from tests.s3server import corrupt
from tests.signature_attacks import flip_byte_in_signed_range
from tests.test_web_foundation import App, csrf_of, login
from tests.web import (
    PASSWORD,
    Desk,
    assert_accessible,
    log_in,
    new_page,
    page_as,
    running_desk,
    screenshot,
)

ORIGIN = {"Origin": "http://testserver"}
app = foundation.app  # the app in this process with the test accounts, on both databases
VALID, UNKNOWN, INVALID = "HỢP LỆ", "CHƯA XÁC ĐỊNH", "KHÔNG HỢP LỆ"


def post(app: App, path: str, data: dict[str, str], page: str) -> httpx.Response:
    """A form of `page` posted as the browser does (its CSRF token, from this site)."""
    token = csrf_of(app.client, page)
    answer: httpx.Response = app.client.post(
        path, data={**data, "csrf_token": token}, headers=ORIGIN, follow_redirects=False
    )
    return answer


def province_admin(app: App) -> None:
    """`quantri-48`, an admin of province 48 only, logged in."""
    app.services.accounts.create("quantri-48", PASSWORD, "admin", "48", "test")
    app.client.cookies.clear()
    login(app.client, "quantri-48")


def archived(archive: Archive, folder: Path, name: str, data: bytes, province: str) -> int:
    path = folder / name
    path.write_bytes(data)
    return archive.ingest(path, "test", province_code=province).document_id


# --- admin, over HTTP ----------------------------------------------------------------------


def test_a_province_admin_is_refused_global_accounts_and_tokens(app: App) -> None:
    province_admin(app)
    for province in ("", "01"):  # every province, another province
        wanted = {"username": "ke-gian", "password": "mot-mat-khau-dai", "role": "officer"}
        refused = post(app, "/admin", {**wanted, "province": province}, "/admin")
        assert refused.status_code == 403, province
        assert "chỉ được tạo tài khoản và mã truy cập của tỉnh đó" in refused.text
        token = post(app, "/admin/tokens", {"name": "x", "role": "officer", "province": province},
                     "/admin/tokens")  # fmt: skip
        assert token.status_code == 403
    with app.index.sessions() as session:
        assert session.scalar(select(Account).where(Account.username == "ke-gian")) is None
        assert session.scalars(select(ApiToken)).all() == []
    made = post(app, "/admin", {"username": "canbo2-48", "password": "mot-mat-khau-dai",
                                "role": "officer", "province": "48"}, "/admin")  # fmt: skip
    assert made.headers["location"] == "/admin?created=canbo2-48"
    issued = post(app, "/admin/tokens", {"name": "may-quet", "role": "station", "province": "48"},
                  "/admin/tokens")  # fmt: skip
    assert issued.status_code == 201 and re.search(r"hoso_[\w-]{43}", issued.text)


def test_a_refused_account_is_shown_with_its_reason(app: App) -> None:
    """A short password or a taken name: the form says why, in Vietnamese (a helper's weak
    password had answered 500: the translation named a value the message does not carry)."""
    province_admin(app)
    for username, password in (("canbo3-48", "ngan"), ("quantri-48", "mot-mat-khau-dai")):
        refused = post(app, "/admin", {"username": username, "password": password,
                                       "role": "officer", "province": "48"}, "/admin")  # fmt: skip
        assert refused.status_code == 422, username
        assert "mật khẩu có ít nhất 10 ký tự" in refused.text


def test_a_province_admin_sees_and_disables_only_its_provinces_accounts(app: App) -> None:
    login(app.client, "canbo-01")  # an event of province 01, which 48's admin must not see
    province_admin(app)
    people = app.client.get("/admin").text
    listed = set(re.findall(r'<tr id="account-([^"]+)"', people))
    assert listed == {"tram-48", "tram2-48", "canbo-48", "luutru-48", "quantri-48"}
    elsewhere = post(app, "/admin/people/canbo-01/disable", {}, "/admin")
    assert elsewhere.status_code == 404
    audit = app.client.get("/admin/audit", params={"event_type": "logged_in"}).text
    assert "person:quantri-48" in audit and "person:canbo-01" not in audit
    with app.index.sessions() as session:
        account = session.scalar(select(Account).where(Account.username == "canbo-01"))
        assert account is not None and account.disabled_at is None


def test_the_audit_log_filters_by_type_agent_outcome_and_vietnamese_days(app: App) -> None:
    def event(at: dt.datetime, kind: EventType, outcome: Outcome, agent: str) -> None:
        with app.index.session() as session:
            session.add(Event(at=at, event_type=kind, outcome=outcome, agent=agent, detail={
                "province": "48", "query": "Nguyễn Văn An"}))  # fmt: skip

    late = dt.datetime(2026, 11, 30, 17, 30, tzinfo=dt.UTC)  # 1 December, 00:30 in Vietnam
    event(late - dt.timedelta(hours=1), EventType.SEARCHED, Outcome.SUCCESS, "person:canbo-48")
    event(late, EventType.SEARCHED, Outcome.SUCCESS, "person:canbo-48")
    event(late, EventType.AUTH_FAILED, Outcome.FAILURE, "anonymous")
    login(app.client, "quantri")

    def shown(**filters: str) -> list[str]:
        answer = app.client.get("/admin/audit", params=filters)
        assert answer.status_code == 200
        return re.findall(r"<td>(\d\d/\d\d/\d{4} \d\d:\d\d)</td>", answer.text)

    december = {"day_from": "2026-12-01", "day_to": "2026-12-01"}
    assert shown(event_type="searched", **december) == ["01/12/2026 00:30"]
    assert shown(event_type="searched", day_to="2026-11-30") == ["30/11/2026 23:30"]
    assert shown(outcome="failure", **december) == ["01/12/2026 00:30"]
    assert shown(agent="person:canbo-48", day_from="2026-11-30", day_to="2026-12-01") == [
        "01/12/2026 00:30", "30/11/2026 23:30",
    ]  # fmt: skip
    assert shown(agent="person:nobody", **december) == []
    page = app.client.get("/admin/audit", params={"event_type": "searched"}).text
    assert "Nguyễn Văn An" not in page  # references only: never what was searched
    assert app.client.get("/admin/audit", params={"day_from": "2026-02-31"}).status_code == 400


def test_every_event_type_and_outcome_has_a_text() -> None:
    assert set(EventType) <= set(EVENT_TEXTS)
    assert set(Outcome) <= set(OUTCOME_TEXTS)


# --- archivist, over HTTP ------------------------------------------------------------------


def test_fixity_problems_and_history_of_the_archivists_province_only(
    app: App, tmp_path: Path
) -> None:
    archive = app.services.archive
    ours = archived(archive, tmp_path, "don-48.pdf", b"%PDF-1.7 don 48", "48")
    theirs = archived(archive, tmp_path, "don-01.pdf", b"%PDF-1.7 don 01", "01")
    list(archive.check_fixity(archive.fixity_keys(), "fixity-cli"))
    keys = {d: archive.index.events(document_id=d)[0].object_key for d in (ours, theirs)}
    for key in keys.values():
        corrupt(archive.store, str(key))
    list(archive.check_fixity(archive.fixity_keys(), "fixity-cli"))
    login(app.client, "luutru-48")
    home = app.client.get("/archivist").text
    problems = re.findall(r"<td><code>([^<]+)</code></td>", home)
    assert problems == [keys[ours]], "another province's problem shown, or ours missing"
    assert "Đã bị thay đổi kể từ khi lưu trữ" in home and f"/archivist/documents/{ours}" in home
    # the round checked both provinces' objects; the page counts this province's only
    assert "đã kiểm tra 1 tệp lưu trữ của tỉnh" in home and "2/2 tệp" not in home
    document = app.client.get(f"/archivist/documents/{ours}").text
    fixity = document.split('id="document-fixity"')[1].split("</table>")[0]
    assert '<tr class="bad">' in fixity and "Đã bị thay đổi kể từ khi lưu trữ" in fixity
    history = document.split('id="history"')[1]
    assert re.search(r"<td>Đã lưu trữ</td>\s*<td>Thành công</td>\s*<td>test</td>", history)
    assert app.client.get(f"/archivist/documents/{theirs}").status_code == 404
    history_reads = archive.index.events(document_id=ours)
    assert history_reads[-1].event_type == "document_read"
    assert history_reads[-1].agent == "person:luutru-48"


def test_the_verify_screen_verifies_without_a_signing_configuration(
    app: App, tmp_path: Path
) -> None:
    """Without HOSO_SIGNING_CONFIG the screen used to say verification was not set up and
    answer 503, while `hoso verify` checked the same file; the server now verifies as the
    command does (trust unknown), so the screen offers the file and judges what it gets."""
    login(app.client, "luutru-48")
    home = app.client.get("/archivist").text
    assert "chưa được thiết lập kiểm tra chữ ký số" not in home and 'type="file"' in home
    unsigned = tmp_path / "unsigned.pdf"
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(unsigned)
    token = csrf_of(app.client, "/archivist")
    answer = app.client.post(
        "/archivist/verify",
        files={"file": ("a.pdf", unsigned.read_bytes(), "application/pdf")},
        data={"csrf_token": token},
        headers=ORIGIN,
    )
    assert answer.status_code == 200 and REASONS_VI[Reason.NO_SIGNATURE] in answer.text


# --- in Chromium -----------------------------------------------------------------------------

browser_tests = pytest.mark.xdist_group("web-archivist-admin")


@pytest.fixture(scope="module")
def signing_desk(
    tmp_path_factory: pytest.TempPathFactory, signing_config_file: Path
) -> Iterator[Desk]:
    """A server whose archivists can verify signatures (the test PKI's trust anchors)."""
    folder = tmp_path_factory.mktemp("desk")
    with running_desk(folder, worker=False, signing_config=signing_config_file) as running:
        yield running


@pytest.fixture(scope="module")
def signed_files(
    signing: SigningService, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:  # before `browser` in a test's arguments: pyHanko runs its own event loop
    """A paper signed by the agency (valid), the same with a changed byte (invalid), and one
    signed by a certificate no trusted authority issued (trust unknown). The paper is a plain
    one-page PDF: what is verified is the signature, not what the page says."""
    folder = tmp_path_factory.mktemp("signed")
    paper = folder / "paper.pdf"
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(595, 842))
        pdf.save(paper)
    files = {name: folder / f"{name}.pdf" for name in ("valid", "invalid", "untrusted")}
    signing.sign(paper, files["valid"], "p12-B-T")
    files["invalid"].write_bytes(flip_byte_in_signed_range(files["valid"].read_bytes()))
    signing.sign(paper, files["untrusted"], "rogue-B-T")
    return files


def verify_upload(page: Page, path: Path) -> str:
    page.goto("/archivist")
    page.get_by_label("Tệp PDF đã ký").set_input_files(path)
    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    page.wait_for_url("**/archivist/verify")
    return page.locator("#verdict").inner_text()


@browser_tests
def test_an_archivist_tells_valid_invalid_and_unknown_apart_and_keeps_the_report(
    signed_files: dict[str, Path], signing_desk: Desk, browser: Browser
) -> None:
    page = page_as(signing_desk, browser, "luutru-48")
    assert_accessible(page)
    screenshot(page, "archivist-home")

    assert verify_upload(page, signed_files["valid"]).startswith(VALID)
    signature = page.locator("section.signature").first
    expect(signature).to_contain_text("Văn phòng UBND tỉnh Thử Nghiệm")  # the signer
    expect(signature).to_contain_text(re.compile(r"Issuing CA[^←]* ← [^←]*Test Root CA"))
    expect(signature).to_contain_text("Chưa bị thu hồi")
    assert_accessible(page)
    screenshot(page, "archivist-verify-valid")
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Tải báo cáo (JSON)").click()
    report = json.loads(Path(downloading.value.path()).read_text(encoding="utf-8"))
    assert report["verdict"] == "TOTAL-PASSED" and report["signatures"][0]["trusted"]

    assert verify_upload(page, signed_files["invalid"]).startswith(INVALID)
    expect(page.locator("#reasons")).to_contain_text("giá trị băm không khớp")
    assert_accessible(page)
    screenshot(page, "archivist-verify-invalid")

    assert verify_upload(page, signed_files["untrusted"]).startswith(UNKNOWN)
    expect(page.locator("#verdict-meaning")).to_contain_text("khác với không hợp lệ")
    expect(page.locator("section.signature").first).to_contain_text(
        "Không có chuỗi tới tổ chức chứng thực tin cậy"
    )
    assert_accessible(page)
    screenshot(page, "archivist-verify-unknown")
    page.context.close()


@browser_tests
def test_an_archivist_reads_an_archived_documents_history_fixity_and_signatures(
    signed_files: dict[str, Path], signing_desk: Desk, browser: Browser, tmp_path: Path
) -> None:
    folder = signing_desk.deployment.folder
    env = {"HOSO_DATA_DIR": str(folder / "var"),
           "HOSO_DATABASE_URL": signing_desk.deployment.database_url}  # fmt: skip
    archive = Archive.open(ArchiveSettings.from_environment_of(env))
    document = archived(archive, tmp_path, "giay-khai-sinh.pdf", b"%PDF-1.7 original", "48")
    archive.add_derived(document, "pdfa", signed_files["valid"], "worker:test")
    list(archive.check_fixity(archive.fixity_keys(), "fixity-cli"))

    page = page_as(signing_desk, browser, "luutru-48")
    page.get_by_label("Số tài liệu").fill(str(document))
    page.get_by_role("button", name="Mở", exact=True).click()
    page.wait_for_url(f"**/archivist/documents/{document}")
    history = page.locator("#history tbody tr")
    expect(history.first).to_contain_text("Đã lưu trữ")
    expect(page.locator("#document-fixity tbody tr")).to_have_count(2)
    expect(page.locator("#document-fixity")).not_to_contain_text("Chưa kiểm tra lần nào")
    assert_accessible(page)
    screenshot(page, "archivist-document")
    page.get_by_role("button", name="Kiểm tra bản lưu trữ").click()
    expect(page.locator("#verdict")).to_contain_text(VALID)
    page.get_by_role("link", name=f"Quay lại tài liệu {document}").click()
    expect(history.last).to_contain_text("Kiểm tra chữ ký")
    page.context.close()


def fill_form(page: Page, fields: dict[str, str], button: str) -> None:
    for label, value in fields.items():
        field = page.get_by_label(label, exact=True)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    page.get_by_role("button", name=button).click()


@browser_tests
def test_an_admin_manages_people_and_tokens_and_reads_the_audit_log(
    signing_desk: Desk, browser: Browser
) -> None:
    admin = page_as(signing_desk, browser, "quantri")
    account = {"Tên đăng nhập": "canbo3-48", "Mật khẩu (ít nhất 10 ký tự)": "mot-mat-khau-dai",
               "Vai trò": "Cán bộ xử lý", "Mã tỉnh": "48"}  # fmt: skip
    fill_form(admin, account, "Tạo tài khoản")
    expect(admin.locator("#done")).to_contain_text("Đã tạo tài khoản canbo3-48")
    assert_accessible(admin)
    screenshot(admin, "admin-people")

    officer = new_page(signing_desk, browser)
    log_in(officer, "canbo3-48", "mot-mat-khau-dai")
    officer.wait_for_url("**/officer")
    admin.get_by_role("button", name="Khóa tài khoản canbo3-48").click()
    expect(admin.locator("#done")).to_contain_text("Đã khóa tài khoản canbo3-48")
    officer.goto("/officer")
    assert officer.url.endswith("/login")  # the session ended with the account
    log_in(officer, "canbo3-48", "mot-mat-khau-dai")
    expect(officer.get_by_role("alert")).to_contain_text("Tên đăng nhập hoặc mật khẩu")
    officer.context.close()

    admin.get_by_role("link", name="Mã truy cập API").click()
    fill_form(admin, {"Tên (dùng để làm gì)": "may-quet-ban-2", "Vai trò": "Trạm quét",
                      "Mã tỉnh": "48"}, "Tạo mã truy cập")  # fmt: skip
    secret = admin.locator("#new-token").inner_text()
    assert re.fullmatch(r"hoso_[\w-]{43}", secret)
    assert_accessible(admin)
    screenshot(admin, "admin-tokens")
    admin.reload()  # shown once: never again
    expect(admin.locator("#new-token")).to_have_count(0)
    assert secret not in admin.content()
    token_id = admin.locator("#tokens tbody tr").last.locator("td").first.inner_text()
    admin.get_by_role("button", name=f"Thu hồi mã truy cập {token_id}").click()
    expect(admin.locator(f"#token-{token_id}")).to_contain_text("Đã thu hồi")

    admin.get_by_role("link", name="Nhật ký kiểm tra").click()
    admin.get_by_label("Sự kiện", exact=True).select_option(label="Khóa tài khoản")
    admin.get_by_role("button", name="Xem", exact=True).click()
    rows = admin.locator("#events tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("person:quantri")
    assert_accessible(admin)
    screenshot(admin, "admin-audit")
    admin.context.close()
