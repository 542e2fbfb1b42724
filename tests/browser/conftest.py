"""Browser tests: Playwright for Python driving the system's Chromium against a live Potok server.

Screenshots for the docs are written when POTOK_SCREENSHOTS names a folder (`make screenshots`)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("POTOK_CHROMIUM", "/usr/bin/chromium")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls of the test itself are
    # still synchronous. Set here, not at import, so subprocesses of other tests don't inherit it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Chromium is not installed (apt-get install chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page_for(browser, live_server, demo_company) -> Iterator[Callable[..., object]]:  # type: ignore[no-untyped-def]
    """A fresh browser page logged in as the demo user, in the given language."""
    contexts = []

    def open_as(
        username: str | None, *, language: str = "ru", viewport: tuple[int, int] = (1366, 768)
    ) -> object:
        context = browser.new_context(
            locale=language,
            viewport={"width": viewport[0], "height": viewport[1]},
            extra_http_headers={"Accept-Language": language},
        )
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.js_errors = errors  # type: ignore[attr-defined]
        page.base_url = live_server.url  # type: ignore[attr-defined]
        if username:
            page.goto(f"{live_server.url}/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", "demo")
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot() -> Callable[[object, str], None]:
    folder = os.environ.get("POTOK_SCREENSHOTS")

    def take(page: object, name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)  # type: ignore[attr-defined]

    return take
