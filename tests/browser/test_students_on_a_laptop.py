"""Scenario 1: students on a laptop or Binder, in a real browser.

The student copy that `make bundle` writes (coursekit/apps/bundle.py), its binder/postBuild
run in a throw-away Jupyter environment (instructor tools off, coursecheck installed), then
ONE JupyterLab started in it as Binder starts it, on the course index. A student:

- opens the index: no Create Assignment sidebar, no Formgrader, no course list, no news
  pop-up, and the index opens unchanged (no unsaved-changes dot);
- follows the index's link to lesson 4 and runs every cell: every figure renders, nothing
  on stderr; moves the explorer's alpha slider and the plotted curve changes; the x-range
  readout is not cut off;
- answers a self-check wrongly (its hint) and rightly (its confirmation);
- in the class exercise, gives a wrong X: the visible test prints its plain-words message
  and Validate shows a failing dialog; with right answers Validate passes;
- opens the 繁體中文 edition: its Chinese text is drawn by a font that has every character
  on the page (no empty boxes).
"""

import json
import re
import subprocess
import time
from pathlib import Path

import pytest

from coursekit.apps import bundle
from coursekit.demo.answers import read_answers
from tests.browser import lab
from tests.browser.people import TIMINGS, VIEWPORT, Person
from tests.jupyter_servers import DIRECT, binder_build, free_port, stop_process_group

pytestmark = pytest.mark.browser

TOKEN = "laptop-student"
STUDENT = "student on a laptop"


@pytest.fixture(scope="module")
def laptop(tmp_path_factory):
    """The student bundle after postBuild, served by JupyterLab: its base URL."""
    scratch = tmp_path_factory.mktemp("laptop")
    with TIMINGS.measure("laptop: make bundle + postBuild"):
        folder = bundle.write_bundle(scratch / "student-bundle")
        _, env = binder_build(folder, scratch)
    port = free_port()
    started = time.monotonic()
    server = subprocess.Popen(
        ["jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--allow-root"]
        + [f"--IdentityProvider.token={TOKEN}", f"--LabApp.default_url=/lab/tree/{bundle.INDEX}"],
        cwd=folder,
        env=env,
        stdout=open(scratch / "jupyterlab.log", "w"),  # noqa: SIM115 (closed with the process)
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                DIRECT.open(f"{base}/api/status?token={TOKEN}", timeout=5)
                break
            except OSError:
                log = (scratch / "jupyterlab.log").read_text()
                assert server.poll() is None, f"JupyterLab stopped:\n{log[-3000:]}"
                assert time.monotonic() - started < 90, "JupyterLab did not start in 90 s"
                time.sleep(0.3)
        TIMINGS.add("laptop: JupyterLab start", time.monotonic() - started)
        yield base
    finally:
        stop_process_group(server)


@pytest.fixture
def student(chromium, artifacts, laptop, request):
    """A student's own browser window, logged in to the laptop's JupyterLab."""
    context = chromium.new_context(viewport=VIEWPORT, locale="en-US")
    page = context.new_page()
    page.goto(f"{laptop}/login?token={TOKEN}")  # sets the login cookie, as the link Binder opens
    person = Person(STUDENT, page, artifacts / "1-laptop")
    person.base = laptop
    try:
        yield person
    finally:
        context.close()


def url(person, path):
    return f"{person.base}/lab/tree/{path}?reset"  # ?reset: a fresh layout, one notebook open


def test_the_index_opens_without_instructor_tools_or_news(student):
    page = student.page
    with student.step("the course index opens"):
        started = time.monotonic()
        lab.open_notebook(page, url(student, bundle.INDEX))
        TIMINGS.add("laptop: index opens (kernel idle)", time.monotonic() - started)
        page.wait_for_timeout(1500)  # what appears late (a news toast, a sidebar) has appeared
        student.check(
            "Activation Functions" in lab.notebook(page).inner_text(), "the index is not shown"
        )
    with student.step("no instructor tools and no news pop-up"):
        tabs = page.locator(".jp-SideBar .lm-TabBar-tab").evaluate_all(
            "tabs => tabs.map(t => t.title || t.textContent)"
        )
        student.check(not [t for t in tabs if "Create Assignment" in t], f"sidebar tabs: {tabs}")
        page.locator(".lm-MenuBar-item", has_text="Nbgrader").first.click()
        items = page.locator(".lm-Menu-itemLabel").all_inner_texts()
        page.keyboard.press("Escape")
        student.check(
            not [i for i in items if "Formgrader" in i or "Course" in i],
            f"the Nbgrader menu offers instructor tools: {items}",
        )
        student.check("Assignment List" in " ".join(items), f"no Assignment List in {items}")
        toasts = page.locator(".jp-toast-message, .Toastify__toast").all_inner_texts()
        student.check(not [t for t in toasts if "news" in t.lower()], f"news pop-up: {toasts}")
        formgrader = page.request.get(f"{student.base}/formgrader")
        student.check(formgrader.status == 404, f"/formgrader answers {formgrader.status}")
    with student.step("the index opens unchanged (no unsaved-changes dot)"):
        student.check(not lab.is_dirty(page), "the untouched index shows unsaved changes")


def test_a_lesson_runs_its_explorer_and_self_checks_answer(student):
    page = student.page
    with student.step("follow the index's link to lesson 4"):
        lab.open_notebook(page, url(student, bundle.INDEX))
        lab.follow_link(page, "The ReLU family", "04_relu_family")
        student.check(not lab.is_dirty(page), "the untouched lesson shows unsaved changes")
    with student.step("run all cells: every figure, no error"):
        started = time.monotonic()
        lab.run_all(page, timeout_ms=120_000)
        TIMINGS.add("laptop: lesson 4, Run All Cells", time.monotonic() - started)
        errors = lab.error_outputs(page)
        student.check(not errors, f"error or stderr output: {errors[:1]}")
        figures = lab.notebook(page).locator(".jp-OutputArea-output img")
        student.check(figures.count() >= 7, f"only {figures.count()} figures rendered")
        broken = figures.evaluate_all("imgs => imgs.filter(i => !i.naturalWidth).length")
        student.check(broken == 0, f"{broken} figures did not load")
    with student.step("move the explorer's alpha slider: the curve changes"):
        explorer = lab.notebook(page).locator(".jp-OutputArea-output .widget-vbox").first
        explorer.scroll_into_view_if_needed()
        picture = explorer.locator("img").first
        before = picture.get_attribute("src")
        alpha = explorer.locator(".widget-slider", has_text="alpha").first
        student.check(alpha.count() == 1, "the explorer has no alpha slider")
        alpha.locator(".noUi-handle, .slider-handle, [role=slider]").first.focus()
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        deadline = time.monotonic() + 15
        while picture.get_attribute("src") == before:  # the explorer replaces its picture
            student.check(time.monotonic() < deadline, "the picture did not change in 15 s")
            page.wait_for_timeout(200)
    with student.step("the explorer's readouts are not cut off"):
        cut = explorer.locator(".widget-readout").evaluate_all(
            "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"
        )
        student.check(not cut, f"readouts cut off: {cut}")
    answer = lab.cell_with(page, "answer_q2 = None")
    check = lab.cell_with(page, "# Self-check for question 2")
    with student.step("a wrong answer gets the self-check's hint"):
        lab.set_code(page, answer, "answer_q2 = 6")
        lab.run_cell(page, answer)
        lab.run_cell(page, check)
        said = lab.output_text(check)
        student.check("try again" in said and "x = 3" in said, f"the self-check said: {said!r}")
    with student.step("a right answer gets its confirmation"):
        lab.set_code(page, answer, "answer_q2 = -6")
        lab.run_cell(page, answer)
        lab.run_cell(page, check)
        said = lab.output_text(check)
        student.check("correct" in said, f"the self-check said: {said!r}")


def test_the_class_exercise_fails_then_validates(student):
    page = student.page
    exercise = "release/sigmoid_exercise/sigmoid_exercise.ipynb"
    with student.step("open the class exercise"):
        lab.open_notebook(page, url(student, exercise))
        student.check(not lab.is_dirty(page), "the untouched exercise shows unsaved changes")
        lab.run_cell(page, lab.cell_with(page, "check.remember_figures()"))
    answer_x = lab.cell_with(page, "YOUR CODE HERE")
    test_x = lab.cell_with(page, "check.x_values(X)")
    with student.step("a wrong X: the visible test says what is wrong in plain words"):
        lab.set_code(page, answer_x, "X = np.linspace(-5, 5, 101)")
        lab.run_cell(page, answer_x)
        lab.run_cell(page, test_x)
        said = lab.output_text(test_x)
        student.check(
            "X should have 100 points" in said and "yours has 101 points" in said,
            f"the test said: {said[-400:]!r}",
        )
    with student.step("Validate shows a failing dialog"):
        result = lab.validate(page)
        student.check(
            "failed" in result and "yours has 101 points" in result,
            f"the dialog said: {result[:300]!r}",
        )
        lab.close_dialog(page)
    with student.step("right answers: every visible test passes and Validate succeeds"):
        answers = read_answers("sigmoid_exercise", "complete")
        for grade_id, source in answers.items():
            cell = lab.notebook(page).locator(".jp-CodeCell").nth(answer_position(page, grade_id))
            lab.set_code(page, cell, source)
        lab.save(page)
        lab.menu(page, "Kernel", "Restart Kernel and Run All Cells")
        page.locator(".jp-Dialog-button", has_text="Confirm").or_(
            page.locator(".jp-Dialog-button", has_text="Restart")
        ).first.click()
        lab.wait_until_done(page, 120_000)
        errors = lab.error_outputs(page)
        student.check(not errors, f"a test still fails: {errors[:1]}")
        result = lab.validate(page)
        student.check("Success" in result, f"the dialog said: {result[:300]!r}")
        lab.close_dialog(page)
    with student.step("an unlabelled plot, re-run with its test: the test fails (no stale pass)"):
        plot = lab.notebook(page).locator(".jp-CodeCell").nth(answer_position(page, "answer_plot"))
        lab.set_code(page, plot, "plt.plot(X, Y)\nplt.show()")
        lab.run_cell(page, plot)
        test_plot = lab.cell_with(page, "check.sigmoid_plot()")
        lab.run_cell(page, test_plot)
        said = lab.output_text(test_plot)
        student.check("Error" in said, f"the plot test passed on an unlabelled plot: {said!r}")


def answer_position(page, grade_id):
    """Index among the code cells of the answer cell `grade_id` (from the notebook file)."""
    if not hasattr(page, "_answer_positions"):
        path = Path(bundle.REPO) / "release" / "sigmoid_exercise" / "sigmoid_exercise.ipynb"
        cells = [
            c for c in json.loads(path.read_text("utf-8"))["cells"] if c["cell_type"] == "code"
        ]
        page._answer_positions = {
            c["metadata"].get("nbgrader", {}).get("grade_id"): i for i, c in enumerate(cells)
        }
    return page._answer_positions[grade_id]


CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


def test_the_chinese_edition_has_every_glyph(student):
    page = student.page
    with student.step("follow the index's link to the 繁體中文 edition"):
        lab.open_notebook(page, url(student, bundle.INDEX))
        lab.follow_link(page, "繁體中文版", "00_index.zh-TW")
    with student.step("every Chinese character is drawn by a font that has it"):
        text = lab.notebook(page).locator(".jp-RenderedMarkdown").first.inner_text()
        characters = sorted(set(CJK.findall(text)))
        student.check(len(characters) > 20, f"few Chinese characters on the page: {characters}")
        fonts = fonts_drawing(page, f"{lab.NOTEBOOK} .jp-RenderedMarkdown")
        covering = fonts_with(characters)
        student.check(
            covering,
            f"no installed font has all of {''.join(characters)} (fc-list :charset): "
            "install one, e.g. sudo apt-get install fonts-wqy-microhei",
        )
        student.check(
            set(fonts) & set(covering),
            f"Chromium draws the title with {fonts}; the fonts with every character: {covering}",
        )


def fonts_drawing(page, selector):
    """Font families Chromium used for the text in the first element matching `selector`."""
    session = page.context.new_cdp_session(page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    first = session.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    nodes = [first] + session.send("DOM.querySelectorAll", {"nodeId": first, "selector": "*"})[
        "nodeIds"
    ]
    families = set()
    for node in nodes:
        for font in session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]:
            families.add(font["familyName"])
    return sorted(families)


def fonts_with(characters):
    """Font families (fontconfig) that have a glyph for every one of `characters`."""
    charset = " ".join(f"{ord(c):x}" for c in characters)
    listed = subprocess.run(
        ["fc-list", f":charset={charset}", "family"], capture_output=True, text=True, check=True
    ).stdout
    return sorted({name.strip() for line in listed.splitlines() for name in line.split(",")})
