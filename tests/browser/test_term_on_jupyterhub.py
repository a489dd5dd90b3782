"""Scenario 2: a term on a real JupyterHub, in a real browser.

The hub is started by the test on localhost exactly as docs/jupyterhub.md sets one up
(tests/browser/hub.py runs docs/jupyterhub/jupyterhub_config.py): PAM logins for Unix
accounts the test creates, each person's server running as their own account, the
formgrader as a hub-managed service of the grader account, groups formgrade-<course>
and nbgrader-<course>, a shared exchange, a PostgreSQL gradebook, the grading sandbox.

1. The instructor releases both assignments from Formgrader.
2. Each student logs in (their server spawns), fetches both assignments from the
   Assignments tab, answers (110034501 correctly, 110034502 partly, 110034503 correctly
   but with code that looks for the course's source/ and the other students' work),
   Validates and submits. No instructor tools for students; nothing of the course or of
   another student is visible to them. The homework's deadline passes before the last
   student submits it: that one is late.
3. The grader logs in to Formgrader, collects, autogrades every submission (sandboxed),
   sees the late one flagged with a note saying so, grades the homework's written answer
   of two students with the rubric in view (the third stays ungraded), and generates and
   releases feedback.
4. Each student fetches feedback: their score, no hidden test, the rubric left out, the
   ungraded answer "to be graded by hand"; the page itself, opened from the feedback
   folder in an offline browser, shows maths as MathML, wraps its error boxes, shows no
   instructor path and spaces its tables.
5. The instructor exports grades (`nbgrader export` in the formgrader's terminal) and
   the CSV agrees with what Formgrader shows.

Measured and printed: hub start, each spawn, each fetch-to-submit round trip, the
autograde of the class, fetching feedback.
"""

import csv
import datetime
import re
import threading
import time

import pytest

from coursekit.demo.answers import read_answers
from tests.browser import formgrader as fg
from tests.browser import hub as hubs
from tests.browser import lab
from tests.browser.people import TIMINGS, VIEWPORT, Person, launch
from tests.conftest import missing, postgres_programs

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.sandbox,
    pytest.mark.timeout(900),  # three students in turn, or the whole class graded
]

COURSE = hubs.COURSE
ASSIGNMENTS = ("sigmoid_exercise", "leaky_relu_homework")
INSTRUCTOR, GRADER = "instructor", "ta"
STUDENTS = {"110034501": "complete", "110034502": "partial", "110034503": "complete"}
HOSTILE = "110034503"  # right answers, plus a look for what no student may see
LATE = "110034503"  # hands in the homework after its deadline
UNGRADED = "110034502"  # the grader has not scored this one's written answer yet
WRITTEN_SCORES = {"110034501": "4", "110034503": "3"}
PEOPLE = [(INSTRUCTOR, "instructor"), (GRADER, "grader")] + [(s, "student") for s in STUDENTS]
FORMGRADER = f"/services/{COURSE}/formgrader"


@pytest.fixture(scope="module")
def hub():
    why = hubs.problem()
    if why:
        missing(f"the JupyterHub scenario cannot run here: {why}")
    if postgres_programs() is None:
        missing("PostgreSQL is not installed (sudo apt-get install postgresql)")
    with hubs.jupyterhub(PEOPLE, TIMINGS) as running:
        yield running


@pytest.fixture(scope="module")
def people(hub, chromium, artifacts):
    """A browser window of their own for each person (contexts share no cookies)."""
    windows = {}
    for name, role in PEOPLE:
        context = chromium.new_context(viewport=VIEWPORT, locale="en-US")
        context.set_default_timeout(60_000)
        page = context.new_page()
        who = {"instructor": "instructor", "grader": "grader"}.get(role, "student")
        windows[name] = Person(f"{who} {name}", page, artifacts / "2-jupyterhub")
    yield windows
    for person in windows.values():
        person.page.context.close()


def log_in(person, hub, name, next_url):
    page = person.page
    page.goto(f"{hub.url}/hub/login?next={next_url}")
    page.fill("#username_input", name)
    page.fill("#password_input", hub.account(name).password)
    page.click("#login_submit")


def log_in_to_formgrader(person, hub, name):
    """Log in through the hub's page and wait until Formgrader lists the assignments (its
    first start behind the hub may take a while)."""
    log_in(person, hub, name, f"{FORMGRADER}/manage_assignments")
    person.page.wait_for_selector("#main-table tr td.name", timeout=60_000)


def formgrader_page(person, hub, path="manage_assignments"):
    """Open a Formgrader page and wait until its table has loaded."""
    person.page.goto(f"{hub.url}{FORMGRADER}/{path}")
    fg.wait_for_table(person.page)


# --- 1. the instructor releases --------------------------------------------------------


def test_1_instructor_releases_both_assignments_from_formgrader(hub, people):
    teacher = people[INSTRUCTOR]
    page = teacher.page
    with teacher.step("log in and open Formgrader (the course's service)"):
        log_in_to_formgrader(teacher, hub, INSTRUCTOR)
        listed = page.locator("#main-table td.name").all_inner_texts()
        teacher.check(sorted(listed) == sorted(ASSIGNMENTS), f"assignments listed: {listed}")
    for assignment in ASSIGNMENTS:
        with teacher.step(f"generate {assignment}"):
            title, text = fg.act(page, assignment, "assign")
            teacher.check(title == "Success", f"{title}: {text[-500:]}")
            fg.close_modal(page)
        with teacher.step(f"release {assignment}"):
            fg.wait_for_cell(page, assignment, "release", "")
            title, text = fg.act(page, assignment, "release")
            teacher.check(title == "Success", f"{title}: {text[-500:]}")
            fg.close_modal(page)
            fg.wait_for_cell(page, assignment, "status", "released")


# --- 2. students work ------------------------------------------------------------------


def assignments_tab(page):
    """Open Nbgrader → Assignment List (the Assignments tab) and wait for its lists."""
    page.locator(".lm-MenuBar-item", has_text="Nbgrader").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").first.click()
    page.wait_for_selector("#released_assignments_list_loading[hidden]", state="attached")
    page.wait_for_selector("#fetched_assignments_list_loading[hidden]", state="attached")


def released_item(page, assignment):
    return page.locator("#released_assignments_list .list_item").filter(has_text=assignment)


def fetched_item(page, assignment):
    items = page.locator("#fetched_assignments_list > .list_item")
    return items.filter(has=page.locator(".item_name a", has_text=assignment)).first


def submitted_items(page, assignment):
    return page.locator("#submitted_assignments_list .list_item").filter(has_text=assignment)


def wait_until(condition, what, seconds=60, page=None):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen in {seconds} s")
        if page is not None:
            page.wait_for_timeout(250)
        else:
            time.sleep(0.25)


def answer_cells(page, answers, release_notebook):
    """Type each answer into its cell (code cells by position, the written one rendered)."""
    import nbformat

    notebook = nbformat.read(release_notebook, as_version=4)
    positions = {}
    for kind in ("code", "markdown"):
        cells = [c for c in notebook.cells if c.cell_type == kind]
        for index, cell in enumerate(cells):
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            positions[grade_id] = (kind, index)
    for grade_id, source in answers.items():
        kind, index = positions[grade_id]
        css = ".jp-CodeCell" if kind == "code" else ".jp-MarkdownCell"
        cell = lab.notebook(page).locator(css).nth(index)
        if kind == "markdown":
            cell.dblclick()
        lab.set_code(page, cell, source)
        if kind == "markdown":
            cell.click()
            page.keyboard.press("Shift+Enter")  # render it again


def hostile_answers(hub):
    """Right answers, and code in answer_X that looks for what no student may see."""
    answers = dict(read_answers("sigmoid_exercise", "complete"))
    homes = hub.base / "home"
    others = [f"{homes}/{s}/*/*/*.ipynb" for s in STUDENTS if s != HOSTILE]
    patterns = ["../../../source/*/*", f"{hub.course_dir}/source/*/*", *others]
    answers["answer_X"] += (
        "\nimport glob\n"
        f"for pattern in {patterns!r}:\n"
        "    for path in glob.glob(pattern):\n"
        '        print("LEAKED", path)\n'
        'print("BLOCKED: nothing of the course or of other students is visible")\n'
    )
    return answers


def work_as_student(hub, student, name, level):
    page = student.page
    with student.step("log in: the server spawns and JupyterLab opens"):
        started = time.monotonic()
        log_in(student, hub, name, "/hub/spawn")
        page.wait_for_selector("#jp-main-dock-panel", timeout=90_000)
        page.wait_for_selector(".jp-LauncherCard, .jp-Launcher", timeout=60_000)
        TIMINGS.add(f"spawn: {name} (log in to JupyterLab shown)", time.monotonic() - started)
    with student.step("no instructor tools"):
        page.locator(".lm-MenuBar-item", has_text="Nbgrader").first.click()
        items = [i for i in page.locator(".lm-Menu-itemLabel").all_inner_texts() if i.strip()]
        page.keyboard.press("Escape")
        student.check(items == ["Assignment List"], f"the Nbgrader menu offers {items}")
        tabs = page.locator(".jp-SideBar .lm-TabBar-tab").evaluate_all(
            "tabs => tabs.map(t => t.title || t.textContent)"
        )
        student.check(not [t for t in tabs if "Create Assignment" in t], f"sidebar: {tabs}")
        answer = page.request.get(f"{hub.url}/user/{name}/formgrader")
        student.check(answer.status == 404, f"/user/{name}/formgrader answers {answer.status}")
    round_trip = {}
    with student.step("fetch both assignments from the Assignments tab"):
        assignments_tab(page)
        for assignment in ASSIGNMENTS:
            round_trip[assignment] = time.monotonic()
            released_item(page, assignment).locator("button", has_text="Fetch").click()
            fetched_item(page, assignment).wait_for(timeout=30_000)
    for assignment in ASSIGNMENTS:
        release = hub.course_dir / "release" / assignment / f"{assignment}.ipynb"
        with student.step(f"open the fetched {assignment} and answer it ({level})"):
            lab.open_notebook(
                page,
                f"{hub.url}/user/{name}/lab/tree/{assignment}/{assignment}.ipynb?reset",
            )
            student.check(not lab.is_dirty(page), "the fetched notebook opens as changed")
            if name == HOSTILE and assignment == "sigmoid_exercise":
                answers = hostile_answers(hub)
            else:
                answers = read_answers(assignment, level)
            answer_cells(page, answers, release)
            lab.save(page)
        if assignment == "sigmoid_exercise":
            with student.step("run every cell and Validate"):
                lab.run_all(page, timeout_ms=120_000)
                result = lab.validate(page)
                lab.close_dialog(page)
                if level == "complete":
                    student.check("Success" in result, f"Validate said: {result[:300]!r}")
                else:
                    student.check("failed" in result, f"Validate said: {result[:300]!r}")
            if name == HOSTILE:
                with student.step("nothing of the course or of other students is visible"):
                    said = lab.output_text(lab.cell_with(page, "import glob"))
                    student.check("BLOCKED" in said and "LEAKED" not in said, f"it said {said!r}")
            lab.save(page)
    return round_trip


def submit(hub, student, name, assignment, round_trip):
    page = student.page
    with student.step(f"submit {assignment} from the Assignments tab"):
        assignments_tab(page)
        before = submitted_items(page, assignment).count()
        fetched_item(page, assignment).locator("button", has_text="Submit").click()
        wait_until(
            lambda: submitted_items(page, assignment).count() > before,
            "the submission showing under Submitted assignments",
            page=page,
        )
        TIMINGS.add(
            f"fetch → submit round trip: {name}, {assignment}",
            time.monotonic() - round_trip[assignment],
        )


def set_deadline_now(hub, teacher, assignment):
    """The instructor sets the homework's deadline to now in Formgrader (Edit)."""
    page = teacher.page
    with teacher.step(f"the deadline of {assignment} passes (set to now in Formgrader)"):
        formgrader_page(teacher, hub)
        fg.row(page, assignment).locator("td.edit a").first.click()
        modal = page.locator(".modal.in .modal-content").first
        modal.wait_for()
        now = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=1)
        modal.locator("input.modal-duedate").fill(now.strftime("%Y-%m-%dT%H:%M:%S"))
        modal.locator("input.modal-timezone").fill("UTC")
        modal.locator("button.save").click()
        page.locator(".modal.in").first.wait_for(state="detached", timeout=20_000)
        fg.wait_for_cell(page, assignment, "duedate", str(now.year))
        time.sleep(1.5)  # past the deadline


def student_at_work(hub, artifacts, name, level, on_time_done, deadline_passed):
    """One student's afternoon, in a browser of their own (own Playwright, own thread)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            context = browser.new_context(viewport=VIEWPORT, locale="en-US")
            context.set_default_timeout(90_000)
            student = Person(f"student {name}", context.new_page(), artifacts / "2-jupyterhub")
            round_trip = work_as_student(hub, student, name, level)
            submit(hub, student, name, "sigmoid_exercise", round_trip)
            if name != LATE:
                submit(hub, student, name, "leaky_relu_homework", round_trip)
            on_time_done.set()
            if name == LATE:
                if not deadline_passed.wait(timeout=600):
                    raise TimeoutError("the instructor never set the deadline")
                submit(hub, student, name, "leaky_relu_homework", round_trip)
        finally:
            browser.close()


def test_2_students_fetch_answer_validate_and_submit(hub, people, artifacts):
    """The three students work at the same time, each in their own browser."""
    deadline_passed = threading.Event()
    on_time = {name: threading.Event() for name in STUDENTS}
    failures = {}

    def afternoon(name, level):
        try:
            student_at_work(hub, artifacts, name, level, on_time[name], deadline_passed)
        except BaseException as error:  # reported by the main thread, with its step
            failures[name] = error
            on_time[name].set()

    started = time.monotonic()
    workers = [
        threading.Thread(target=afternoon, args=(name, level), name=f"student {name}")
        for name, level in STUDENTS.items()
    ]
    for worker in workers:
        worker.start()
    for event in on_time.values():
        event.wait(timeout=800)
    try:
        if not failures:
            set_deadline_now(hub, people[INSTRUCTOR], "leaky_relu_homework")
    finally:
        deadline_passed.set()
        for worker in workers:
            worker.join(timeout=800)
    TIMINGS.add("three students at once: log in to last submission", time.monotonic() - started)
    if failures:
        raise next(iter(failures.values()))


# --- 3. the grader ---------------------------------------------------------------------


def test_3_grader_collects_autogrades_grades_and_releases_feedback(hub, people):
    grader = people[GRADER]
    page = grader.page
    with grader.step("log in and open Formgrader"):
        log_in_to_formgrader(grader, hub, GRADER)
    for assignment in ASSIGNMENTS:
        with grader.step(f"collect {assignment}"):
            title, text = fg.act(page, assignment, "collect")
            grader.check(title == "Success", f"{title}: {text[-500:]}")
            fg.close_modal(page)
            fg.wait_for_cell(page, assignment, "num-submissions", str(len(STUDENTS)))
    started = time.monotonic()
    for assignment in ASSIGNMENTS:
        with grader.step(f"autograde every submission of {assignment} (sandboxed)"):
            formgrader_page(grader, hub, f"manage_submissions/{assignment}")
            for name in STUDENTS:
                title, text = fg.act(page, name, "autograde", timeout_ms=180_000)
                grader.check(title == "Success", f"{name}: {title}: {text[-800:]}")
                fg.close_modal(page)
            formgrader_page(grader, hub, f"manage_submissions/{assignment}")
            for name in STUDENTS:
                fg.wait_for_cell(page, name, "status", "grad")  # graded / needs manual grading
    TIMINGS.add("autograde of the class (6 submissions, a click each)", time.monotonic() - started)

    notebook = "leaky_relu_homework"
    with grader.step("the late submission is flagged in the Manual Grading list"):
        formgrader_page(grader, hub, f"gradebook/{notebook}/{notebook}")
        flags = {
            name: fg.row(page, name).locator("td.flagged .glyphicon-flag").count()
            for name in STUDENTS
        }
        page.locator("#toggle_names").click()  # show the students' names
        grader.check(flags[LATE] == 1, f"flags: {flags}")
        grader.check(flags["110034501"] == 0, f"an on-time submission is flagged: {flags}")
    for name, score in WRITTEN_SCORES.items():
        with grader.step(f"grade the written answer of {name} with the rubric in view"):
            formgrader_page(grader, hub, f"gradebook/{notebook}/{notebook}")
            page.locator("#toggle_names").click()
            fg.row(page, name).locator("td.name a.name-shown").click()
            page.wait_for_selector("input.score#answer_written", timeout=60_000)
            body = page.locator("body").inner_text()
            grader.check("RUBRIC for answer_written" in body, "the rubric is not shown")
            if name == LATE:
                note = page.locator(".coursekit-grader-note").first
                grader.check(note.count() == 1, "no note at the top of the late submission")
                grader.check("Submitted late" in note.inner_text(), note.inner_text())
            save_manual_score(page, "answer_written", score)
    for assignment in ASSIGNMENTS:
        with grader.step(f"generate and release feedback of {assignment}"):
            formgrader_page(grader, hub)
            title, text = fg.act(page, assignment, "generate-feedback", timeout_ms=180_000)
            grader.check(title == "Success", f"{title}: {text[-800:]}")
            fg.close_modal(page)
            title, text = fg.act(page, assignment, "release-feedback")
            grader.check(title == "Success", f"{title}: {text[-800:]}")
            fg.close_modal(page)


def save_manual_score(page, grade_id, score, attempts=3):
    """Type a score and leave the field (formgrader saves on change); until it is saved."""
    field = page.locator(f"input.score#{grade_id}")
    for _ in range(attempts):  # the page binds its fields a moment after it shows them
        field.fill("")
        try:
            with page.expect_response(
                lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT",
                timeout=10_000,
            ) as saved:
                field.fill(score)
                field.press("Tab")
        except Exception:  # noqa: BLE001 (no request yet: type it again)
            continue
        if saved.value.ok:
            return
    raise AssertionError(f"the score {score} of {grade_id} was never saved")


# --- 4. students read their feedback ---------------------------------------------------


FEEDBACK_CHECKS = """() => {
    const tooWide = [...document.querySelectorAll('div.output_area pre, div.output_subarea pre')]
        .filter(pre => pre.scrollWidth > pre.clientWidth + 1).length;
    const maths = [...document.querySelectorAll('math')];
    const flatMaths = maths.filter(m => m.getBoundingClientRect().width < 1).length;
    const cell = document.querySelector('.rendered_html td');
    const padding = cell ? parseFloat(getComputedStyle(cell).paddingLeft) : 0;
    const scripts = [...document.querySelectorAll('script[src]')].map(s => s.src);
    const outputs = [...document.querySelectorAll('div.output_area')].map(o => o.innerText);
    return {tooWide, maths: maths.length, flatMaths, padding, scripts,
            text: document.body.innerText, outputs: outputs.join(' | ')};
}"""


def test_4_students_fetch_feedback_and_read_it(hub, people, chromium, artifacts):
    for name in STUDENTS:
        student = people[name]
        page = student.page
        with student.step("fetch feedback from the Assignments tab"):
            started = time.monotonic()
            log_in(student, hub, name, f"/user/{name}/lab?reset")
            page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
            assignments_tab(page)
            for assignment in ASSIGNMENTS:
                item = submitted_items(page, assignment).first
                item.locator("button", has_text="Fetch Feedback").click()
            folder = hub.account(name).home  # fetched work: ~/<assignment>/
            wait_until(
                lambda folder=folder: all(
                    list(folder.glob(f"{a}/feedback/*/{a}.html")) for a in ASSIGNMENTS
                ),
                "the feedback files appearing in the student's folder",
            )
            TIMINGS.add(f"fetch feedback: {name}", time.monotonic() - started)
        for assignment in ASSIGNMENTS:
            path = sorted(folder.glob(f"{assignment}/feedback/*/{assignment}.html"))[-1]
            with student.step(f"open the {assignment} feedback offline, from the file"):
                context = chromium.new_context(viewport=VIEWPORT, offline=True)
                reader = context.new_page()
                try:
                    reader.goto(path.as_uri())
                    reader.wait_for_load_state("load")
                    seen = reader.evaluate(FEEDBACK_CHECKS)
                    shot = Person(f"student {name}", reader, artifacts / "2-jupyterhub")
                    shot.screenshot(f"{assignment} feedback")
                finally:
                    context.close()
                text = seen["text"]
                student.check("Score:" in text, "no score on the page")
                for secret in ("BEGIN HIDDEN TESTS", "RUBRIC", "_sigmoid(", "_unseen"):
                    student.check(secret not in text, f"the feedback shows {secret!r}")
                outputs = seen["outputs"]  # what ran, not the student's own code
                student.check("LEAKED" not in outputs, "an output shows LEAKED")
                student.check(str(hub.base) not in outputs, "an output shows an instructor path")
                student.check("site-packages" not in outputs, "an output shows the installation")
                student.check(seen["tooWide"] == 0, f"{seen['tooWide']} error boxes cut off")
                student.check(not seen["scripts"], f"the page loads {seen['scripts']}")
                student.check(seen["maths"] > 0 and seen["flatMaths"] == 0, f"maths: {seen}")
                if assignment == "leaky_relu_homework":
                    student.check(seen["padding"] >= 4, f"table cells padding {seen['padding']}")
                    pending = "to be graded by hand" in text
                    student.check(
                        pending == (name == UNGRADED),
                        f"'to be graded by hand' {'missing' if not pending else 'shown'}",
                    )
                    if name == LATE:
                        student.check("Submitted late" in text, "the page does not say late")


# --- 5. the instructor's grades ---------------------------------------------------------


def test_5_instructor_exports_grades_and_they_match_formgrader(hub, people):
    teacher = people[INSTRUCTOR]
    page = teacher.page
    with teacher.step("nbgrader export in the formgrader's terminal"):
        page.goto(f"{hub.url}/services/{COURSE}/lab?reset")
        page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
        lab.menu(page, "File", "New")
        page.locator(".lm-Menu-itemLabel", has_text="Terminal").last.click()
        terminal = page.locator(".jp-Terminal .xterm-helper-textarea").first
        terminal.wait_for(state="attached", timeout=30_000)
        page.wait_for_timeout(1500)
        page.locator(".jp-Terminal").first.click()
        page.keyboard.type("nbgrader export --to grades.csv && echo EXPORTED\n")
        grades = hub.course_dir / "grades.csv"
        wait_until(lambda: grades.exists() and grades.stat().st_size > 0, "grades.csv", 60)
        page.wait_for_timeout(500)
    with teacher.step("the CSV agrees with Formgrader's students page"):
        with open(grades, encoding="utf-8-sig", newline="") as handle:
            rows = {row["student_id"]: row for row in csv.DictReader(handle)}
        formgrader_page(teacher, hub, "manage_students")
        shown = {}
        for name in STUDENTS:
            score = fg.row(page, name).locator("td.score").inner_text()
            shown[name] = float(score.split("/")[0])
        total_column = next(c for c in next(iter(rows.values())) if c.startswith("total (max"))
        exported = {name: float(rows[name][total_column]) for name in STUDENTS}
        teacher.check(exported == shown, f"grades.csv {exported} but Formgrader {shown}")
        status = rows[LATE]["leaky_relu_homework status"]
        teacher.check(status.startswith("late"), f"{LATE}'s homework status is {status!r}")
        teacher.check(
            re.search(r"needs manual grading", rows[UNGRADED]["leaky_relu_homework status"]),
            f"{UNGRADED}: {rows[UNGRADED]['leaky_relu_homework status']!r}",
        )
