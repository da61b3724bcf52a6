"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

One browser per test session, a fresh context and page per test. Every request that does
not go to the live server is aborted, so map tiles fail at once offline and no test waits
on the network. The live server reads committed rows, so these tests use `committed_db`
(see tests/conftest.py), which puts the demo district back after earlier flushes.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import sync_playwright

# Playwright's sync API keeps an event loop in the test thread, and Django refuses ORM
# calls from a thread with a loop unless told otherwise. Safe here: the loop is idle
# whenever test code touches the database.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
LIVE_SERVER_HOSTS = {"localhost", "127.0.0.1"}


@pytest.fixture(scope="session")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _live_server_only(route):
    if urlsplit(route.request.url).hostname in LIVE_SERVER_HOSTS:
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def new_page(chromium, live_server):
    """Makes pages, each in a browser session of its own (its own cookies), that reach the
    live server and nothing else; closed at the end of the test. Options go to Chromium's
    new_context."""
    contexts = []

    def make(viewport=DESKTOP, **options):
        context = chromium.new_context(viewport=viewport, locale="zh-CN", base_url=live_server.url, **options)
        context.route("**/*", _live_server_only)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def phone_at(lon, lat, accuracy):
    """new_page options for a phone standing at (lon, lat), its location allowed."""
    return {
        "viewport": PHONE,
        "is_mobile": True,
        "has_touch": True,
        "geolocation": {"latitude": lat, "longitude": lon, "accuracy": accuracy},
        "permissions": ["geolocation"],
    }


@pytest.fixture
def page(new_page, committed_db):
    return new_page()


@pytest.fixture
def log_in():
    """Log `page` in through the login form, as a person would."""

    def log_in(page, username, password):
        page.goto("/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        assert "/accounts/login/" not in page.url, f"login as {username} failed"

    return log_in


@pytest.fixture
def screenshots():
    """Save test-artifacts/screenshots/<name>-<width>.png at phone and desktop widths.

    `show(page)` brings the page into the state to capture and runs after each resize: a
    page loaded at the width it is shown at is what people see, while a map resized under
    its own feet is not."""

    def save(page, name, show):
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        for viewport in (PHONE, DESKTOP):
            page.set_viewport_size(viewport)
            show(page)
            page.screenshot(path=SCREENSHOT_DIR / f"{name}-{viewport['width']}.png", full_page=True)

    return save
