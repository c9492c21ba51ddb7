"""The station's screens in Chromium against a real `hoso serve` with a worker (issue 15): a
person at a scanning station opens a batch, sends real pages by drag and drop and with the file
picker (each with its progress), closes the batch and watches it finish with its document
count; a broken file shows why it failed in Vietnamese, is retried, then replaced by a rescan.
Pages under 200 dpi say "cần quét lại". Another station's batch is the 404 page, and the UI's
upload obeys the API's size limit before a byte of the body is read."""

from __future__ import annotations

import base64
import io
import re
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.synthetic import PageSpec, render_page
from tests.web import Desk, assert_accessible, page_as, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("web-station")]

PROCESSING_TIMEOUT_MS = 120_000  # 3 small pages OCR'd on 2 shared cores, with room to spare


def scan(seed: int, dpi: int) -> bytes:
    """A real page as a station's scanner makes it (PNG with its resolution), few lines."""
    out = io.BytesIO()
    render_page(PageSpec(seed=seed, dpi=dpi, body_lines=5)).image.save(out, "PNG", dpi=(dpi, dpi))
    return out.getvalue()


def drop_files(page: Page, files: dict[str, bytes]) -> None:
    """Drop files on the drop zone as the browser does when a person drags them from a folder."""
    payload = [[name, base64.b64encode(data).decode(), "image/png"] for name, data in files.items()]
    transfer = page.evaluate_handle(
        """(files) => {
            const transfer = new DataTransfer();
            for (const [name, data, type] of files) {
                const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
                transfer.items.add(new File([bytes], name, { type }));
            }
            return transfer;
        }""",
        payload,
    )
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": transfer})


def row_of(page: Page, title: str) -> Locator:
    """A document's row in the live status."""
    return page.locator("#batch-status tr", has_text=title)


def test_a_station_sends_scans_closes_the_batch_and_fixes_a_failed_document(
    working_desk: Desk, browser: Browser, tmp_path: Path
) -> None:
    page = page_as(working_desk, browser, "tram-48")
    assert_accessible(page)
    page.get_by_label("Tên lô").fill("Bàn 1 sáng thứ hai")
    page.get_by_role("button", name="Mở lô").click()
    page.wait_for_url(re.compile(r"/station/batches/\d+$"))
    assert_accessible(page)

    (tmp_path / "01-don.png").write_bytes(scan(seed=21, dpi=150))
    (tmp_path / "03-rong.pdf").write_bytes(b"")
    page.set_input_files("#file-picker", [tmp_path / "01-don.png", tmp_path / "03-rong.pdf"])
    drop_files(page, {"02-giay-khai-sinh.png": scan(seed=22, dpi=150)})
    uploads = page.locator("#upload-list li")
    expect(uploads).to_have_count(3)
    for item in uploads.all():
        expect(item.locator("span").last).to_have_text("đã nhận", timeout=30_000)
        assert item.locator("progress").get_attribute("aria-label")
    expect(page.locator("#upload-summary")).to_have_text("Đã gửi 3/3 tệp")
    expect(page.locator("#batch-summary")).to_have_text("Đã nhận 3 tệp.")
    screenshot(page, "station-upload")

    page.get_by_role("button", name="Đóng lô và xử lý").click()
    summary = page.locator("#batch-summary")
    expect(summary).to_contain_text("Xong: 3 tài liệu.", timeout=PROCESSING_TIMEOUT_MS)
    expect(summary).to_contain_text("1 tài liệu lỗi.")
    failed = row_of(page, "03-rong.pdf")
    expect(failed).to_contain_text("Lỗi")
    expect(failed.locator(".reason")).to_have_text("Tệp rỗng. Hãy quét lại giấy tờ.")
    for title in ("01-don.png", "02-giay-khai-sinh.png"):
        done = row_of(page, title)
        expect(done.locator("td").nth(1)).to_have_text("Xong")
        expect(done.locator(".rescan")).to_have_text("Trang 1: dưới 200 dpi, cần quét lại.")
    assert_accessible(page)
    screenshot(page, "station-batch")

    failed.get_by_role("button", name="Xử lý lại").click()  # the same empty file: fails again
    expect(summary).to_contain_text("1 tài liệu lỗi.", timeout=PROCESSING_TIMEOUT_MS)
    failed = row_of(page, "03-rong.pdf")
    (tmp_path / "03-quet-lai.png").write_bytes(scan(seed=23, dpi=200))
    failed.get_by_label("Chọn bản quét lại").set_input_files(tmp_path / "03-quet-lai.png")
    expect(failed.locator(".chosen")).to_have_text("03-quet-lai.png")
    failed.get_by_role("button", name="Thay thế").click()
    expect(summary).to_have_text("Xong: 3 tài liệu.", timeout=PROCESSING_TIMEOUT_MS)
    expect(page.locator("#batch-status .reason")).to_have_count(0)
    page.goto("/station")
    expect(page.get_by_role("link", name="Bàn 1 sáng thứ hai")).to_be_visible()
    listed = page.locator("tr", has=page.get_by_role("link", name="Bàn 1 sáng thứ hai"))
    expect(listed).to_contain_text("Xong: đã xử lý mọi tài liệu")  # not "being processed"
    screenshot(page, "station-home")

    batch_path = page.get_by_role("link", name="Bàn 1 sáng thứ hai").get_attribute("href")
    other = page_as(working_desk, browser, "tram2-48")  # another station of the province
    expect(other.get_by_role("link", name="Bàn 1 sáng thứ hai")).to_have_count(0)
    answer = other.goto(str(batch_path))
    assert answer is not None and answer.status == 404
    expect(other.get_by_role("heading", level=1)).to_have_text("Không tìm thấy")
    assert_accessible(other)


def test_an_upload_over_the_limit_is_refused_before_its_body(working_desk: Desk) -> None:
    """The UI's upload route carries the API's cap: a declared 3 GB body is answered 413 at
    once, without the server reading (or the sender sending) any of it."""
    address = urlsplit(working_desk.server)
    with socket.create_connection((address.hostname or "", address.port or 80), 10) as raw:
        raw.sendall(
            b"POST /station/batches/1/files HTTP/1.1\r\nHost: " + address.netloc.encode()
            + b"\r\nContent-Type: multipart/form-data; boundary=x\r\n"
            + b"Content-Length: 3000000000\r\n\r\n"
        )  # fmt: skip
        status = raw.recv(200).split(b"\r\n", 1)[0]
    assert status == b"HTTP/1.1 413 Request Entity Too Large", status
