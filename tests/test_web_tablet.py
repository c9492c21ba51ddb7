"""The desk UI on a tablet (issue 15: "usable at 1366×768 and on a tablet"): at 768×1024 with
touch, the station's batch page, the officer's search and document pages and the review queue
never scroll sideways, and every control is inside the screen and at least 24×24 px (WCAG 2.2
target size; links inside a sentence are exempt, as WCAG allows)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, ViewportSize

from hoso.storage.index import RecordIndex
from hoso.storage.schema import Document
from tests.cli import run_hoso
from tests.synthetic_documents import make_document
from tests.web import PASSWORD, Desk, running_desk

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("web-tablet")]

TABLET: ViewportSize = {"width": 768, "height": 1024}
MIN_TARGET = 24
# Controls a finger must hit: buttons, fields, menus; links that stand alone (a menu entry, a
# result's title), not those inside a sentence of text.
CONTROLS = (
    "button, input:not([type=hidden]), select, textarea, summary, nav a, td > a:first-child,"
    " a.button"
)
MEASURE = """(selector) => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  for (const element of document.querySelectorAll(selector)) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // not shown
    const name = element.outerHTML.slice(0, 80);
    if (box.left < 0 || box.right > width + 0.5) problems.push(`off screen: ${name}`);
    if (box.width < 24 || box.height < 24)
      problems.push(`${Math.round(box.width)}x${Math.round(box.height)}: ${name}`);
  }
  const body = document.documentElement.scrollWidth;
  if (body > width) problems.push(`the page is ${body}px wide on a ${width}px screen`);
  return problems;
}"""


@pytest.fixture(scope="module")
def tablet_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Desk, int]]:
    """A desk holding one scanned form (a value of it waits for review)."""
    folder = tmp_path_factory.mktemp("tablet")
    with running_desk(folder / "desk", worker=False) as desk:
        path = make_document("application", 5, "mild").page.save(folder / "don-de-nghi.jpg")
        env = desk.deployment.env("web-tablet-ingest")
        run_hoso("ingest", str(path), "--province", "48", "--quiet", env=env)
        index = RecordIndex(desk.deployment.database_url)
        with index.sessions() as session:
            document_id = session.query(Document).one().id
        index.engine.dispose()
        yield desk, document_id


def tablet_page(desk: Desk, browser: Browser, username: str) -> Page:
    context = browser.new_context(
        base_url=desk.server, viewport=TABLET, has_touch=True, is_mobile=True, locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
    )  # fmt: skip
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").tap()
    page.wait_for_url("**/" + ("station" if username.startswith("tram") else "officer"))
    return page


def problems_of(page: Page) -> list[str]:
    found: list[str] = page.evaluate(MEASURE, CONTROLS)
    return found


def test_the_desks_screens_fit_a_tablet_and_their_controls_take_a_finger(
    tablet_desk: tuple[Desk, int], browser: Browser
) -> None:
    desk, document_id = tablet_desk
    station = tablet_page(desk, browser, "tram-48")
    station.get_by_role("button", name="Mở lô").tap()
    station.wait_for_url("**/station/batches/*")
    assert problems_of(station) == [], station.url

    officer = tablet_page(desk, browser, "canbo-48")
    shown = {}
    for path in ("/officer", "/officer?q=don", f"/officer/documents/{document_id}", "/review"):
        officer.goto(path)
        shown[path] = problems_of(officer)
    assert shown == {path: [] for path in shown}
