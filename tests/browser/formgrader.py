"""What graders and instructors do in nbgrader's formgrader (its own pages, Bootstrap 3).

Buttons are found by the column they are in (the formgrader's own class names: generate,
release, collect, generate-feedback, release-feedback, autograde) and the row of the
assignment or student; every action answers with a modal whose title says Success or
Error, and whose log is returned.
"""

import time

TIMEOUT_MS = 120_000


def row(page, name):
    """The table row whose first name column shows `name`."""
    return (
        page.locator("#main-table tr")
        .filter(has=page.locator("td.name, td.student-name, td.student-id", has_text=name))
        .first
    )


def wait_for_table(page, timeout_ms=TIMEOUT_MS):
    """Until the page's table has rows and no longer says it is loading."""
    page.wait_for_selector("#main-table tr td", timeout=timeout_ms)
    page.wait_for_function(
        "() => !document.querySelector('#main-table').innerText.includes('Loading, please wait')",
        timeout=timeout_ms,
    )


def act(page, name, column, timeout_ms=TIMEOUT_MS):
    """Click the icon in `column` of the row of `name`; return (title, text) of the answer."""
    wait_for_table(page, timeout_ms)
    row(page, name).locator(f"td.{column} a").first.click()
    modal = page.locator(".modal.in .modal-content").first
    modal.wait_for(timeout=timeout_ms)
    title = modal.locator(".modal-title").inner_text()
    text = modal.inner_text()
    return title, text


def close_modal(page):
    page.locator(".modal.in button.close").first.click()
    page.locator(".modal.in").first.wait_for(state="detached", timeout=20_000)
    page.wait_for_timeout(300)


def wait_for_cell(page, name, column, text, timeout_ms=TIMEOUT_MS):
    """Until the `column` cell of the row of `name` shows `text` (the table reloads)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        cell = row(page, name).locator(f"td.{column}")
        if cell.count() and text in cell.first.inner_text():
            return
        page.wait_for_timeout(300)
    raise TimeoutError(f"{name}: the {column} column never showed {text!r}")
