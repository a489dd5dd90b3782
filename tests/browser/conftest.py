"""The browser suite (`make test-browser`): Chromium from Debian, driven by Playwright.

`make test` does not collect this folder (it needs what requirements-browser.txt and
tests/browser/hub/ install, and minutes of browsing); `make test-browser` installs those,
sets BROWSER_TESTS=1 and runs it. On a laptop without Chromium the tests are skipped with a
message naming it and its install command (tests/conftest.py, marker `browser`); on CI they
fail instead.

Each person's steps are screenshotted into tests/browser/artifacts/<scenario>/ (ignored by
git), and what the issue asks to measure is printed at the end of the run and written to
tests/browser/artifacts/timings.txt.
"""

import os
import shutil

import pytest

from tests.browser.people import ARTIFACTS, TIMINGS

if not os.environ.get("BROWSER_TESTS"):
    collect_ignore_glob = ["test_*.py"]  # `make test`: the browser suite runs on its own


@pytest.fixture(scope="session")
def artifacts():
    """A fresh artifacts folder for this run."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def chromium(artifacts):
    """One headless Chromium for the whole run (each person gets a context of their own)."""
    from playwright.sync_api import sync_playwright

    from tests.browser.people import launch

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


def pytest_terminal_summary(terminalreporter):
    if not TIMINGS.rows:
        return
    terminalreporter.section("measured in the browser tests")
    for line in TIMINGS.lines():
        terminalreporter.write_line(line)
    if ARTIFACTS.is_dir():
        (ARTIFACTS / "timings.txt").write_text("\n".join(TIMINGS.lines()) + "\n")
        terminalreporter.write_line(f"screenshots: {ARTIFACTS}")
