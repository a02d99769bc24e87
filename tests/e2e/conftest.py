"""Browser tests: Debian's Chromium driven by Playwright against the app served over loopback.

Each test gets a fresh copy of a SQLite database holding the demo data and an open consultation, its own live
server, and pages signed in as the demo users. Every page a test opens is checked for console errors when the
test ends; a failing test leaves screenshots of its pages in ``test-artifacts/``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from server.app import create_app
from server.demo import DEMO_USERS, load_demo
from server.store import migrate
from server.store.db import Database
from tests.server.conftest import LiveServer, make_config

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
BUNDLE = ROOT / "frontend" / "static" / "dist" / "parley.js"
AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PASSWORDS = {username: password for username, _role, _name, password in DEMO_USERS}
DEMO_BILL = 1
# Console messages that are not errors of the page: the browser asking for a favicon we do not serve.
_IGNORED_CONSOLE = re.compile(r"favicon")


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI runs the browser tests; install it in .ci/run)")
    pytest.skip(reason)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is not installed (apt-get install chromium)")
    if not BUNDLE.exists():
        _missing(f"the browser bundle {BUNDLE.relative_to(ROOT)} is missing; run `make frontend`")
    if not AXE.exists():
        _missing("axe-core is not installed in frontend/node_modules; run `make frontend`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the demo data (which has a consultation open on the demo bill)."""
    path = tmp_path_factory.mktemp("e2e-template") / "demo.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    database = Database(url)
    try:
        list(load_demo(database))
    finally:
        database.dispose()
    return path


@pytest.fixture
def e2e_app(demo_template: Path, tmp_path: Path) -> Iterator[Flask]:
    target = tmp_path / "parley.db"
    shutil.copyfile(demo_template, target)
    application = create_app(make_config(f"sqlite:///{target}", tmp_path))
    yield application
    application.extensions["parley.db"].dispose()


@pytest.fixture
def server(e2e_app: Flask) -> Iterator[LiveServer]:
    live = LiveServer(e2e_app).start()
    yield live
    live.stop()


class Pages:
    """Opens pages in fresh browser contexts (one per user, as separate people would), watching the console."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: list[Any] = []
        self.pages: list[Any] = []
        self.console_errors: list[str] = []
        self.auditing: set[Any] = set()

    def new(self, user: str | None = None, *, viewport: dict[str, int] | None = None, lang: str = "en-GB") -> Any:
        context = self.browser.new_context(
            base_url=self.base_url, viewport=viewport or {"width": 1280, "height": 900}, locale=lang,
        )
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        page = context.new_page()
        self.pages.append(page)
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.console_errors.append(f"{page.url}: uncaught {error}"))
        if user is not None:
            self.sign_in(page, user)
        return page

    def _console(self, page: Any, message: Any) -> None:
        if message.type == "error" and not _IGNORED_CONSOLE.search(message.text) and page not in self.auditing:
            self.console_errors.append(f"{page.url}: {message.text}")

    def audit(self, page: Any) -> None:
        """Asserts axe finds no serious violations. axe's own probes (inline styles it tries while measuring
        contrast, which the site's CSP blocks) are not the page's errors, so the console is not watched meanwhile."""
        self.auditing.add(page)
        try:
            violations = axe_violations(page)
            page.wait_for_timeout(50)  # let the console events of the run arrive while they are ignored
        finally:
            self.auditing.discard(page)
        assert not violations, f"axe found serious violations on {page.url}: {violations}"

    def expect_refusal(self, status: int) -> None:
        """Forgets the console's note of a refusal the test provoked on purpose (Chromium logs every failed fetch)."""
        self.console_errors[:] = [line for line in self.console_errors if f"status of {status}" not in line]

    def sign_in(self, page: Any, user: str, password: str | None = None) -> None:
        page.goto("/login")
        page.fill("#username", user)
        page.fill("#password", password or PASSWORDS[user])
        page.click("form.stacked button[type=submit]")
        page.wait_for_url(re.compile(r".*/$"))

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser: Any, server: LiveServer, request: pytest.FixtureRequest) -> Iterator[Pages]:
    opened = Pages(browser, server.url)
    yield opened
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        print("browser console errors:\n" + "\n".join(opened.console_errors))
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        for index, page in enumerate(opened.pages):
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}-{index}.png"), full_page=True)
            except Exception as error:  # a closed or crashed page cannot be photographed; say so
                print(f"no screenshot of page {index}: {error}")
    errors = list(opened.console_errors)
    opened.close()
    if report is not None and report.passed:
        assert not errors, "the browser console reported errors:\n" + "\n".join(errors)


def ready(page: Any) -> None:
    """Waits until the page's scripts have started (``<html data-ready>``)."""
    page.wait_for_selector("html[data-ready]", state="attached")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """The serious and critical accessibility violations axe-core finds on the page as it is now."""
    # Evaluated through the debugging protocol, which the page's Content-Security-Policy rightly does not allow
    # for inline scripts.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in result["violations"] if v["impact"] in {"serious", "critical"}
    ]



@pytest.fixture
def check_axe(pages: Pages) -> Callable[[Any], None]:
    return pages.audit
