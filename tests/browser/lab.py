"""What a person does in JupyterLab, as browser actions: open, type, run, read, Validate.

Only what a person sees and clicks: menus by their labels, the notebook toolbar's buttons,
cells found by the text they show, outputs read from the page. Each helper waits for what
a person would wait for (the kernel going idle, a dialog appearing) and fails with what
was missing.
"""

import time

NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"
IDLE = f"{NOTEBOOK} .jp-Notebook-ExecutionIndicator[data-status='idle']"
TIMEOUT_MS = 60_000
KERNEL_READY = """() => {
    const panels = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden)')];
    const idle = ".jp-Notebook-ExecutionIndicator[data-status='idle']";
    const bar = document.querySelector('#jp-main-statusbar');
    const starting = /No Kernel|Initializing|Starting/.test(bar ? bar.innerText : '');
    return panels.some(panel => panel.querySelector(idle)) && !starting;
}"""


def open_notebook(page, url):
    """Go to a notebook's /lab/tree URL and wait until its kernel is idle."""
    page.goto(url)
    wait_for_notebook(page)


def follow_link(page, text, tab):
    """Click the first link reading `text` in the notebook's text; wait until the notebook
    it opens (its tab reading `tab`) is shown and its kernel is idle."""
    page.locator(".jp-RenderedMarkdown a", has_text=text).first.click()
    page.locator(".lm-TabBar-tab.lm-mod-current", has_text=tab).wait_for()
    wait_for_notebook(page)


def wait_for_notebook(page, timeout_ms=TIMEOUT_MS):
    """Until the notebook is shown (no loading spinner) and its kernel is idle."""
    page.wait_for_selector(f"{NOTEBOOK} .jp-Cell", timeout=timeout_ms)
    page.wait_for_selector(f"{NOTEBOOK} .jp-Spinner", state="detached", timeout=timeout_ms)
    page.wait_for_function(KERNEL_READY, timeout=timeout_ms)


def notebook(page):
    return page.locator(NOTEBOOK)


def is_dirty(page):
    """Does the current notebook's tab show unsaved changes (the ● of JupyterLab)?"""
    return (
        page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current.jp-mod-dirty").count() > 0
    )


def menu(page, top, item):
    """Click a menu bar entry, then an item of it, by their labels."""
    page.locator(".lm-MenuBar-item", has_text=top).first.click()
    page.locator(".lm-Menu-item:not(.lm-mod-disabled) .lm-Menu-itemLabel").filter(
        has_text=item
    ).first.click()


def cell_with(page, text, kind="code"):
    """The cell whose source shows `text`, pinned by its position (its text may change)."""
    kind_class = "jp-CodeCell" if kind == "code" else "jp-MarkdownCell"
    cells = notebook(page).locator(f".{kind_class}")
    found = cells.filter(has=page.locator(".jp-InputArea", has_text=text)).first
    found.wait_for(state="attached", timeout=TIMEOUT_MS)
    index = found.get_attribute("data-windowed-list-index")
    return notebook(page).locator(f".jp-Cell[data-windowed-list-index='{index}']")


def set_code(page, cell, source):
    """Replace a code cell's source as a person would: click in, select all, type."""
    cell.locator(".cm-content").first.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(source)
    page.keyboard.press("Escape")  # command mode, as after typing


def run_cell(page, cell, timeout_ms=TIMEOUT_MS):
    """Select the cell and press Shift+Enter; wait until it has run."""
    cell.locator(".cm-content").first.click()  # into the cell, as a person clicks
    page.keyboard.press("Shift+Enter")
    prompt = cell.locator(".jp-InputPrompt").first
    deadline = time.monotonic() + timeout_ms / 1000
    while "[ ]" in prompt.inner_text() and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # until the cell is queued or has run
    wait_until_done(page, timeout_ms)


def wait_until_done(page, timeout_ms=TIMEOUT_MS):
    """Wait until no cell of the notebook is running or queued, and the kernel is idle."""
    deadline = time.monotonic() + timeout_ms / 1000
    page.wait_for_timeout(300)
    while time.monotonic() < deadline:
        busy = notebook(page).locator(".jp-InputPrompt", has_text="[*]").count()
        idle = page.locator(IDLE).count()
        if not busy and idle:
            return
        page.wait_for_timeout(250)
    raise TimeoutError(f"cells still running after {timeout_ms / 1000:.0f} s")


def run_all(page, timeout_ms=TIMEOUT_MS):
    menu(page, "Run", "Run All Cells")
    wait_until_done(page, timeout_ms)


def output_text(cell):
    """The text of a cell's outputs (scrolled into view: JupyterLab skips drawing far cells)."""
    cell.scroll_into_view_if_needed()
    return "\n".join(
        text or "" for text in cell.locator(".jp-OutputArea-output").all_text_contents()
    )


def error_outputs(page):
    """Texts of every stderr or error output of the notebook (tracebacks render as stderr)."""
    outputs = notebook(page).locator(".jp-OutputArea-output[data-mime-type*='stderr']")
    return outputs.all_inner_texts()


def save(page):
    page.keyboard.press("Control+s")
    page.wait_for_timeout(500)


def validate(page, timeout_ms=TIMEOUT_MS):
    """Click nbgrader's Validate button; return the dialog's text (and leave it open)."""
    notebook(page).locator(".jp-Toolbar-item button, .jp-ToolbarButtonComponent").filter(
        has_text="Validate"
    ).first.click()
    dialog = page.locator(".jp-Dialog-content").last
    dialog.wait_for(timeout=timeout_ms)
    # the dialog first says it is validating; the result replaces it
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        text = dialog.inner_text()
        if "Validating" not in text.split("\n", 2)[0]:
            return text
        page.wait_for_timeout(300)
    raise TimeoutError("Validate's result never appeared")


def close_dialog(page):
    page.locator(".jp-Dialog-content .jp-Dialog-button").last.click()
    page.locator(".jp-Dialog").first.wait_for(state="detached", timeout=10_000)
