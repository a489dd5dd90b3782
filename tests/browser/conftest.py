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


def pytest_configure(config):
    """A fresh artifacts folder per run, made once (by the controller when run with -n)."""
    if os.environ.get("BROWSER_TESTS") and not hasattr(config, "workerinput"):
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
        ARTIFACTS.mkdir(parents=True)


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
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


def pytest_sessionfinish(session):
    """Each process (each xdist worker) leaves what it measured for the summary."""
    if os.environ.get("BROWSER_TESTS") and TIMINGS.rows and ARTIFACTS.is_dir():
        worker = getattr(session.config, "workerinput", {}).get("workerid", "main")
        rows = "".join(f"{what}\t{seconds:.1f}\n" for what, seconds in TIMINGS.rows)
        (ARTIFACTS / f"timings-{worker}.tsv").write_text(rows, encoding="utf-8")


def pytest_terminal_summary(terminalreporter):
    if not os.environ.get("BROWSER_TESTS") or not ARTIFACTS.is_dir():
        return
    if hasattr(terminalreporter.config, "workerinput"):
        return
    rows = []
    for path in sorted(ARTIFACTS.glob("timings-*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            what, seconds = line.rsplit("\t", 1)
            rows.append((what, float(seconds)))
    if not rows:
        return
    width = max(len(what) for what, _ in rows)
    lines = [f"{what:<{width}}  {seconds:6.1f} s" for what, seconds in rows]
    terminalreporter.section("measured in the browser tests")
    for line in lines:
        terminalreporter.write_line(line)
    (ARTIFACTS / "timings.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    terminalreporter.write_line(f"screenshots and timings.txt: {ARTIFACTS}")
