"""The desk UI as people use it, for the tests: a real `hoso serve` (`tests.deployment`), one
account per role and province, Debian's Chromium driven by Playwright (`executable_path`; a
browser is never downloaded), an axe-core check and screenshots of each screen.

A test module loads these fixtures with `pytest_plugins = ["tests.web"]` and marks itself with
an `xdist_group`, so its tests share one server and one browser:

- `desk` (a server, no worker) or `working_desk` (with a job worker: batches get processed);
- `browser`: Chromium, for the module;
- `page_as(desk, browser, "tram-48")`: a new 1366×768 page logged in as that person;
- `assert_accessible(page)`: axe-core finds nothing (0 violations, listed when not);
- `screenshot(page, "station-batch")`: `docs/screenshots/station-batch.png`, for the README.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

from hoso.storage.accounts import Accounts
from hoso.storage.index import RecordIndex
from tests.deployment import Deployment

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO / "docs" / "screenshots"
SCRATCH_SHOTS = Path(tempfile.gettempdir()) / "hoso-screenshots"
VIEWPORT: ViewportSize = {"width": 1366, "height": 768}
PASSWORD = "mat-khau-thu-nghiem"  # every test account's; never a real one
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
# A page's assertions wait this long (Playwright's default: 5 s). Some follow a server's
# signing or verifying while the other test process reads pages on the same two cores.
expect.set_options(timeout=20_000)

# username: (role, province). Two provinces, so a test can show that the other's records are
# not there; two stations of one province, so one cannot use the other's batches.
PEOPLE: dict[str, tuple[str, str | None]] = {
    "tram-48": ("station", "48"),
    "tram2-48": ("station", "48"),
    "canbo-48": ("officer", "48"),
    "luutru-48": ("archivist", "48"),
    "quantri": ("admin", None),
    "tram-01": ("station", "01"),
    "canbo-01": ("officer", "01"),
}
HOMES = {"station": "/station", "officer": "/officer", "archivist": "/archivist", "admin": "/admin"}


def create_people(index: RecordIndex, accounts: Accounts | None = None) -> None:
    """Every account of `PEOPLE` in a migrated index; by default hashed with a cheap argon2
    (a server makes the hash of today's parameters at each person's first login)."""
    made = accounts or Accounts(index, hasher=CHEAP_HASHER)
    for username, (role, province) in PEOPLE.items():
        made.create(username, PASSWORD, role, province, "test")


@dataclass
class Desk:
    """A running server with the test accounts."""

    deployment: Deployment

    @property
    def server(self) -> str:
        return self.deployment.server


@contextmanager
def running_desk(folder: Path, worker: bool, signing_config: Path | None = None) -> Iterator[Desk]:
    """`hoso serve` on SQLite in `folder`, with the accounts made before it starts (and a
    signing configuration, for the archivist's verification)."""
    url = f"sqlite:///{folder / 'var' / 'hoso.sqlite'}"
    (folder / "var").mkdir(parents=True, exist_ok=True)
    index = RecordIndex(url)
    index.migrate()
    create_people(index)
    index.engine.dispose()
    deployment = Deployment(folder, url, signing_config=signing_config)
    try:
        deployment.serve(worker=worker, worker_id="web-serve")
        yield Desk(deployment)
    finally:
        deployment.stop_all()


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    with running_desk(tmp_path_factory.mktemp("desk"), worker=False) as running:
        yield running


@pytest.fixture(scope="module")
def working_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    with running_desk(tmp_path_factory.mktemp("desk"), worker=True) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("chromium not installed (scripts/system-deps.sh installs it: make install)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield chromium
        chromium.close()


def new_page(desk: Desk, browser: Browser) -> Page:
    """A fresh browser context (no cookies) at the desk's size, in Vietnam's locale and time."""
    context = browser.new_context(
        base_url=desk.server, viewport=VIEWPORT, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
    )
    return context.new_page()


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Fill in the login form as a person does (labels, not selectors of the markup)."""
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def page_as(desk: Desk, browser: Browser, username: str) -> Page:
    """A new page logged in as `username`, on their role's home."""
    page = new_page(desk, browser)
    log_in(page, username)
    page.wait_for_url(f"**{HOMES[PEOPLE[username][0]]}")
    return page


def assert_accessible(page: Page) -> None:
    """axe-core (bundled by axe-playwright-python: nothing fetched) reports no violation."""
    results = Axe().run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def screenshot(page: Page, name: str) -> Path:
    """The page as a person sees it at 1366×768. The README's copies in docs/screenshots are
    rewritten only when HOSO_SCREENSHOTS=1 (`make screenshots`), so a test run leaves the
    checkout clean; otherwise the picture is still taken (a page that cannot be drawn fails)."""
    folder = SCREENSHOTS if os.environ.get("HOSO_SCREENSHOTS") == "1" else SCRATCH_SHOTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    return path
