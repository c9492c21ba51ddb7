"""The officer's and reviewer's screens in Chromium against a real `hoso serve` holding real
OCR'd papers (issue 15): an officer searches by name without diacritics and by ID number, pages
and sorts, opens a document (its PDF embedded from this same server, its fields), opens the
person and prefills a procedure; another province's document is the 404 page; a reviewer
accepts one value with Enter and corrects another by typing, and the document's history shows
both. axe-core finds nothing on any screen; each is saved for the README."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from benchmarks import ui_speed
from hoso.digitize.fields.problems import ID_TWO_BIRTHS
from hoso.storage.archive import Archive as Holdings
from hoso.storage.fs_store import FilesystemStore
from hoso.storage.index import RecordIndex
from hoso.storage.queries import DocumentQuery, Records
from hoso.storage.schema import Document, ExtractedField
from hoso.storage.textfold import fold
from hoso.storage.vocabulary import FieldStatus
from tests.cli import run_hoso
from tests.synthetic_documents import SyntheticDocument, make_document
from tests.web import Desk, assert_accessible, page_as, running_desk, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("web-officer")]


@dataclass
class Archive:
    """The desk and what was ingested into it (province 48 unless named)."""

    desk: Desk
    card: SyntheticDocument
    form: SyntheticDocument
    ids: dict[str, int]  # file name -> document id
    index: RecordIndex


def _ingest(desk: Desk, folder: Path, papers: dict[str, SyntheticDocument], province: str) -> None:
    paths = [str(paper.page.save(folder / name)) for name, paper in papers.items()]
    env = desk.deployment.env("web-officer-ingest")
    run_hoso("ingest", *paths, "--province", province, "--quiet", env=env)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    folder = tmp_path_factory.mktemp("officer")
    card, form = make_document("id_card", 3), make_document("application", 5, "mild")
    other_form = make_document("application", 6, "mild")  # each form's date waits for review
    with running_desk(folder / "desk", worker=False) as desk:
        papers = {"the-can-cuoc.png": card, "don-de-nghi.jpg": form, "to-khai.jpg": other_form}
        _ingest(desk, folder, papers, "48")
        _ingest(desk, folder, {"cccd-ha-noi.png": make_document("id_card", 4)}, "01")
        index = RecordIndex(desk.deployment.database_url)
        with index.sessions() as session:
            ids = {d.title: d.id for d in session.query(Document)}
        yield Archive(desk, card, form, ids, index)
        index.engine.dispose()


def test_an_officer_finds_reads_and_prefills(archive: Archive, browser: Browser) -> None:
    page = page_as(archive.desk, browser, "canbo-48")
    name = archive.card.fields["full_name"]
    citizen = archive.card.fields["id_number"]

    # By name without diacritics: the accented name is found, marked in the snippet.
    page.get_by_label("Số định danh, mã hồ sơ, họ tên hoặc từ bất kỳ").fill(fold(name))
    page.get_by_role("button", name="Tìm", exact=True).click()
    rows = page.locator("table.results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("a")).to_have_text("the-can-cuoc.png")
    marks = rows.first.locator("mark").all_inner_texts()  # "do" of "Tự do" is a match too
    assert fold(name) in fold(" ".join(marks)), marks
    expect(page).to_have_url(re.compile(r"q=do(\+|%20)van"))  # htmx pushed the search's address
    assert "sort=newest" not in page.url  # words: the best match first, not the newest
    assert_accessible(page)
    screenshot(page, "officer-search")

    # By ID number; then everything, sorted and paged (two documents of 48, never 01's).
    page.get_by_label("Số định danh, mã hồ sơ, họ tên hoặc từ bất kỳ").fill(citizen)
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(rows).to_have_count(1)
    page.goto("/officer?sort=title")
    expect(page.locator("#results-count")).to_contain_text("Tìm thấy 3 giấy tờ")
    titles = rows.locator("td:first-child > a").all_inner_texts()
    assert titles == ["don-de-nghi.jpg", "the-can-cuoc.png", "to-khai.jpg"]
    page.goto("/officer?sort=title&page=2")
    expect(rows).to_have_count(0)
    page.goto("/officer")
    page.get_by_label("Sắp xếp").select_option("oldest")  # htmx: results only
    expect(page).to_have_url(re.compile(r"sort=oldest"))
    expect(rows.first.locator("a")).to_have_text("the-can-cuoc.png")

    # The document: PDF from this server inside the page, fields with confidence.
    rows.first.locator("a").click()
    page.wait_for_url(f"**/officer/documents/{archive.ids['the-can-cuoc.png']}")
    frame = page.locator("#pdf-frame")
    source = frame.get_attribute("src") or ""
    assert source.startswith("/officer/documents/")
    expect(page.locator("#fields")).to_contain_text(citizen)
    pdf = page.request.get(source)
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    assert "frame-ancestors 'self'" in pdf.headers["content-security-policy"]
    assert pdf.headers["x-frame-options"] == "SAMEORIGIN"
    embedded = page.frame_locator("#pdf-frame").locator("embed, body")
    expect(embedded.first).to_be_attached()  # the browser's own viewer took it (not refused)
    assert_accessible(page)
    screenshot(page, "officer-document")

    # The person, and a procedure prefilled (the card expired: its values are set aside).
    page.goto("/officer")
    page.get_by_label("Giấy tờ của công dân theo số định danh").fill(citizen)
    page.get_by_role("button", name="Xem công dân").click()
    page.wait_for_url(f"**/officer/persons/{citizen}")
    expect(page.locator("#best-values")).to_contain_text(name)
    expect(page.locator(".paper h3")).to_contain_text("Hết hiệu lực")
    page.get_by_role("button", name="Điền sẵn").click()
    prefill = json.loads(page.locator("#prefill-json").inner_text())
    assert prefill["citizen_id"] == citizen
    assert prefill["expired_documents"] == [archive.ids["the-can-cuoc.png"]]
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải tệp JSON").click()
    assert json.loads(Path(download.value.path()).read_text()) == prefill
    expect(page.locator("#prefill-values")).to_contain_text("Thiếu")  # the card's name is expired
    assert_accessible(page)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "officer-person")

    # Another province's document is the 404 page, as if there were none.
    answer = page.goto(f"/officer/documents/{archive.ids['cccd-ha-noi.png']}")
    assert answer is not None and answer.status == 404
    expect(page.locator("h1")).to_have_text("Không tìm thấy")
    page.context.close()


def _waiting(index: RecordIndex) -> list[ExtractedField]:
    with index.sessions() as session:
        return list(
            session.query(ExtractedField)
            .filter(ExtractedField.status == FieldStatus.NEEDS_REVIEW)
            .order_by(ExtractedField.confidence, ExtractedField.id)
        )


def _item(page: Page, field_id: int) -> Locator:
    return page.locator(f"#item-{field_id}")


def test_a_reviewer_accepts_with_enter_and_corrects_by_typing(
    archive: Archive, browser: Browser
) -> None:
    waiting = [f for f in _waiting(archive.index) if f.page and f.box]
    assert len(waiting) >= 2, "the mild scan gives doubtful values to review"
    first, second = waiting[0], waiting[1]
    stored = ID_TWO_BIRTHS.format(number="048190000001", one="06/04/1990", other="07/04/1990")
    with archive.index.session() as session:  # as the dossier cross-check writes it
        session.get_one(ExtractedField, first.id).problems = [stored]
    page = page_as(archive.desk, browser, "canbo-48")
    page.get_by_role("navigation").get_by_role("link", name="Duyệt giá trị").click()
    page.wait_for_url("**/review")
    expect(_item(page, first.id)).to_be_focused()
    expect(_item(page, first.id).locator(".problems")).to_have_text(
        "Số định danh 048190000001: ngày sinh 06/04/1990 trên một giấy tờ của hồ sơ, "
        "07/04/1990 trên giấy tờ khác."
    )
    crop = _item(page, first.id).locator("img")
    assert crop.evaluate("img => img.complete && img.naturalWidth > 0")
    assert_accessible(page)
    screenshot(page, "review-queue")

    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    assert_accessible(page)
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts")).to_be_hidden()

    page.keyboard.press("Enter")  # accept the first as read
    expect(_item(page, first.id).locator(".done")).to_contain_text("Cán bộ đã xác nhận")
    expect(_item(page, second.id)).to_be_focused()
    assert second.name == "document_date", second.name
    page.keyboard.type("31/02/2024")  # a correction failing its check: the reason, in Vietnamese
    page.keyboard.press("Enter")
    expect(_item(page, second.id).locator(".error")).to_contain_text(
        "31/02/2024 không phải là ngày có thật"
    )
    corrected = "02/03/2024" if second.value != "02/03/2024" else "03/03/2024"
    # the answer settled first (htmx's settling class gone): on a loaded CI machine an Enter
    # typed while it settled reloaded the whole queue instead
    page.wait_for_function("() => !document.querySelector('.htmx-settling, .htmx-swapping')")
    _item(page, second.id).locator("input[name=value]").fill(corrected)
    _item(page, second.id).locator("input[name=value]").press("Enter")
    expect(_item(page, second.id).locator(".done")).to_contain_text(corrected)

    decided = {f.id: f for f in _waiting_or_done(archive.index, first.id, second.id)}
    assert decided[first.id].status == FieldStatus.ACCEPTED
    assert decided[second.id].status == FieldStatus.CORRECTED
    assert decided[second.id].reviewed_by == "person:canbo-48"
    history = page.locator("#events")
    page.goto(f"/officer/documents/{second.document_id}")
    expect(history).to_contain_text("Cán bộ đã sửa")
    expect(history).to_contain_text(corrected)
    page.goto(f"/officer/documents/{first.document_id}")
    expect(history).to_contain_text("Cán bộ đã xác nhận")
    page.context.close()


def _waiting_or_done(index: RecordIndex, *ids: int) -> list[ExtractedField]:
    with index.sessions() as session:
        return list(session.query(ExtractedField).filter(ExtractedField.id.in_(ids)))


def test_the_review_crop_and_decisions_keep_to_the_province(archive: Archive) -> None:
    """A field of another province is 404 to an officer of 48, for its crop and its decision."""
    with archive.index.sessions() as session:
        other = (
            session.query(ExtractedField)
            .join(Document, Document.id == ExtractedField.document_id)
            .filter(Document.province_code == "01")
            .first()
        )
    assert other is not None
    client = httpx.Client(base_url=archive.desk.server)
    client.post(
        "/login",
        data={"username": "canbo-48", "password": "mat-khau-thu-nghiem"},
        headers={"Origin": archive.desk.server},
    )
    assert client.get(f"/review/{other.id}/crop.png").status_code == 404
    assert client.get(f"/officer/documents/{other.document_id}/view.pdf").status_code == 404


def test_the_document_list_pages_and_counts_on_both_databases(
    index: RecordIndex, tmp_path: Path
) -> None:
    """`Records.find_documents` as the search page uses it (the benchmark's seeding, 300
    documents): the total with a page of words, the same total past the last page, the
    province kept, a name found without its diacritics."""
    records = Records(Holdings(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool"))
    sample = ui_speed.seed(index, 300, random.Random(3))
    home = ui_speed.HOME_PROVINCE
    everything = records.find_documents(DocumentQuery(province_code=home, limit=1000))
    assert {row.document.province_code for row in everything.rows} == {home}
    assert everything.total == len(everything.rows) > 20
    words = records.find_documents(DocumentQuery(text="ho va ten", province_code=home))
    assert words.total == everything.total and len(words.rows) == 20  # every text says it
    past = records.find_documents(
        DocumentQuery(text="ho va ten", province_code=home, offset=everything.total)
    )
    assert past.rows == [] and past.total == everything.total
    named = records.find_documents(DocumentQuery(text=fold(sample.name), province_code=home))
    assert named.rows and all(sample.name in (r.snippet or "") or fold(sample.name) in
                              fold(r.snippet or "") for r in named.rows)  # fmt: skip
    by_id = records.find_documents(DocumentQuery(text=sample.citizen_id, province_code=home))
    assert by_id.total >= 1 and sample.citizen_id in (by_id.rows[0].snippet or "")
    assert (
        records.find_documents(DocumentQuery(text=sample.citizen_id, province_code="01")).total == 0
    )


def test_a_personal_record_linked_from_another_site_is_opened_only_when_asked(
    archive: Archive,
) -> None:
    """A page elsewhere linking to a person's prefill, a document or the review queue: the
    officer's browser sends the session (SameSite=Lax), so each read would be logged in the
    officer's name and a prefill counted as reuse (helper-69 raised a province's reused papers
    from 0 to 3 so). The desk asks first, reading and counting nothing; its own link opens."""
    citizen = archive.card.fields["id_number"]
    client = httpx.Client(base_url=archive.desk.server)
    client.post(
        "/login",
        data={"username": "canbo-48", "password": "mat-khau-thu-nghiem"},
        headers={"Origin": archive.desk.server},
    )

    def events() -> list[str]:
        return [e.event_type for e in archive.index.events()]

    person = f"/officer/persons/{citizen}?procedure=permanent-residence"
    document = f"/officer/documents/{archive.ids['don-de-nghi.jpg']}"
    searched = f"/officer?q={citizen}"
    for url in (person, document, "/review", f"{document}/download/original", searched):
        before = events()
        for site in ("cross-site", "same-site"):
            linked = client.get(url, headers={"Sec-Fetch-Site": site})
            assert linked.status_code == 200 and "Mở trang này?" in linked.text, url
            assert f'href="{url.replace("&", "&amp;")}"' in linked.text
        assert events() == before, url
    asked = client.get(person, headers={"Sec-Fetch-Site": "same-origin"})
    assert asked.status_code == 200 and 'id="prefill-json"' in asked.text
    assert events().count("prefilled") == before.count("prefilled") + 1
