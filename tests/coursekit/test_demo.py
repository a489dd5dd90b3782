"""`make demo`: a whole term on the sample class, with and without the grading sandbox.

The demo runs once as `make demo` does (`python -m coursekit.apps.demo FOLDER`), and once
more in this process with bubblewrap made unavailable: it must say so first, grade with
limits only, and give the same grades. The table follows from the sample class (the
same answers score the same wherever they were handed in, and every awkward case ends
as it should); submitted files equal what the students handed in; feedback shows no
hidden test or solution; the class report of each assignment (`make report`) lists the
disguised copy planted in the class, and no other pair.
"""

import html
import re
import subprocess
import sys
import zipfile

import pytest

from coursekit import notebooks
from coursekit.apps import report as report_app
from coursekit.apps.demo import Demo
from coursekit.course import REPO
from coursekit.demo import roster
from coursekit.demo.answers import ANSWERS, read_answers

pytestmark = pytest.mark.slow
ROOT_STATE = ["gradebook.db", "submitted", "exchange", "feedback", "downloaded", "grades.csv"]


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    """The demo as `make demo` runs it; its folder, output, and the rows it printed."""
    folder = tmp_path_factory.mktemp("term") / "demo-term"
    root_before = {name: (REPO / name).exists() for name in ROOT_STATE}
    command = [sys.executable, "-m", "coursekit.apps.demo", str(folder)]
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    root_after = {name: (REPO / name).exists() for name in ROOT_STATE}
    return folder, run, root_before, root_after


@pytest.fixture(scope="module")
def without_sandbox(tmp_path_factory):
    """The same term in this process, with bubblewrap unavailable: (printed lines, rows)."""
    lines = []
    folder = tmp_path_factory.mktemp("term") / "no-sandbox"
    rows, notes = Demo(folder, lines.append, {"GradingSandbox": {"bwrap": "/nonexistent"}}).run()
    return lines, {row.student_id: row.cells for row in rows}, notes


def table_of(output):
    """student id -> {assignment: (score, max, status)}, from the printed table."""
    lines = output.split("Grades\n", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    found = {}
    for line in lines:
        cells = re.findall(r"(\d+(?:\.\d+)?) / (\d+)\s+(.+?)(?=\s{2,}\d|\s*$)", line)
        found[line.split()[0]] = dict(zip(roster.ASSIGNMENTS, cells, strict=True))
    return found


def test_the_term_runs_as_make_demo_runs_it(term):
    _, run, _, _ = term
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Done in" in run.stdout


def test_the_repository_folders_are_not_touched(term):
    _, _, before, after = term
    assert before == after


def test_without_the_sandbox_the_demo_says_so_first_and_grades_the_same(term, without_sandbox):
    lines, cells, _ = without_sandbox
    assert "Grading WITHOUT the sandbox" in "\n".join(lines[:3])
    assert "bubblewrap" in "\n".join(lines[:3]) or "/nonexistent" in "\n".join(lines[:3])
    printed = table_of(term[1].stdout)
    assert {student: {a: c[:2] for a, c in row.items()} for student, row in printed.items()} == {
        student: {a: c[:2] for a, c in row.items()} for student, row in cells.items()
    }


def auto_points(assignment):
    notebook = notebooks.read(REPO / "source" / assignment / f"{assignment}.ipynb")
    return sum(
        notebooks.nbgrader_metadata(cell).get("points", 0)
        for cell in notebook.cells
        if notebooks.is_test_cell(cell)
    )


def test_the_table_follows_from_what_each_student_handed_in(without_sandbox):
    _, table, _ = without_sandbox
    sigmoid, leaky = roster.ASSIGNMENTS

    def score(student_id, assignment):
        return float(table[student_id][assignment][0])

    def status(student_id, assignment):
        return table[student_id][assignment][2]

    for assignment in roster.ASSIGNMENTS:
        full = auto_points(assignment)
        assert score("110034501", assignment) == full  # complete
        assert 0 < score("110034502", assignment) < full  # partial
        # the same mistakes score the same: in sigmoid_exercise the same answers, through
        # the exchange or a Windows zip; in the homework answers each wrote their own
        assert score("110034506", assignment) == score("110034502", assignment)
    assert score("110034503", sigmoid) < score("110034502", sigmoid)  # broken
    # two uploads: the newer, complete one was graded, not the older partial one
    assert score("110034505", sigmoid) == auto_points(sigmoid)
    assert status("110034504", sigmoid) == "on time"
    assert status("110034504", leaky).startswith("late")
    assert score("110034504", leaky) == auto_points(leaky)  # late, no penalty configured
    # the notebook renamed before submitting is graded, and the table says it was recovered
    assert score("110034503", leaky) == auto_points(leaky)
    assert "(recovered)" in status("110034503", leaky)
    assert score("110034507", sigmoid) == 0  # corrupt upload: a recorded 0
    assert score("110034507", leaky) == auto_points(leaky)  # ... the other one is graded
    assert status("110034508", sigmoid) == "missing"  # file name without 學號: skipped
    assert status("110034509", sigmoid) == "missing"  # empty upload: skipped
    assert status("110034509", leaky) == "missing"  # nothing handed in
    # the trick earns nothing beyond the partial answers it came with, and is flagged
    assert score("110034510", sigmoid) == score("110034502", sigmoid)
    assert "REVIEW" in status("110034510", sigmoid)
    assert "REVIEW" not in status("110034502", sigmoid)
    # the written answer (manually graded) is pending for everyone who handed in the homework
    assert "(+manual)" in status("110034501", leaky)


def test_every_problem_is_reported_with_the_student(without_sandbox):
    _, _, notes = without_sandbox
    expected = [
        ("110034503", "handed in as 我的作業.ipynb"),
        ("110034505", "uploaded 2 files; keeping the newest"),
        ("110034507", "is not a readable notebook"),
        ("", "Skipped '吳佩珊_Activation functions.ipynb'"),
        ("110034509", "Skipped empty upload"),
        ("110034510", "review"),
    ]
    for who, what in expected:
        assert any(who == student and what in note for student, note in notes), (who, what)


def test_the_grades_file_shows_review_flags_and_recoveries(term):
    folder, _, _, _ = term
    grades = (folder / "grades.csv").read_text(encoding="utf-8-sig")
    header = grades.splitlines()[0].split(",")
    assert header[:4] == ["student_id", "last_name", "first_name", "email"]
    assert len(grades.splitlines()) == 1 + len(roster.CLASS)
    assert "110034501,王,小明," in grades
    row = next(line for line in grades.splitlines() if line.startswith("110034510,"))
    assert "needs review: IPython's shell (get_ipython()) in cell answer_X" in row
    row = next(line for line in grades.splitlines() if line.startswith("110034503,"))
    assert "recovered: the notebook was handed in as 我的作業.ipynb" in row


def test_submitted_files_are_exactly_what_students_handed_in(term):
    folder, _, _, _ = term
    submitted = folder / "submitted"
    inbound = folder / "exchange" / "activation-functions" / "inbound"
    for copy in inbound.glob("*/*.ipynb"):
        student_id, assignment = copy.parent.name.split("+")[:2]
        target = submitted / student_id / assignment / copy.name
        assert target.read_bytes() == copy.read_bytes(), target
    checked = 0
    for assignment in roster.ASSIGNMENTS:
        archive = folder / "downloaded" / assignment / "archive"
        with zipfile.ZipFile(next(archive.glob("*.zip"))) as download:
            for info in download.infolist():
                match = re.search(r"(\d{9})_\d+_.*\.ipynb$", info.filename)
                if not match:
                    continue  # not a notebook named for a student
                if match.group(1) == "110034505" and " (1)" not in info.filename:
                    continue  # the older of two uploads
                target = submitted / match.group(1) / assignment / f"{assignment}.ipynb"
                data = download.read(info)
                if data:
                    assert target.read_bytes() == data, target
                    checked += 1
    assert checked >= 5


def secret_lines(assignment):
    """Solution and hidden-test lines a student never sees and no sample answer contains."""
    secrets, shown = notebooks.secret_and_shown_lines(
        notebooks.read(REPO / "source" / assignment / f"{assignment}.ipynb")
    )
    for path in sorted((ANSWERS / assignment).glob("*.md")):
        for source in read_answers(assignment, path.stem).values():
            shown.update(line.strip() for line in source.splitlines())

    def visible(secret):
        return any(secret in line for line in shown if len(secret) >= 12) or secret in shown

    return {s for s in secrets if len(s) >= 4 and any(c.isalnum() for c in s) and not visible(s)}


def squashed(text):
    return "".join(text.split())


def test_feedback_shows_scores_but_no_hidden_test_or_solution(term):
    folder, _, _, _ = term
    pages = sorted((folder / "feedback").glob("*/*/*.html"))
    assert len(pages) >= 14
    for assignment in roster.ASSIGNMENTS:
        secrets = [squashed(line) for line in secret_lines(assignment)]
        assert len(secrets) > 10
        for page in (p for p in pages if p.parent.name == assignment):
            raw = page.read_text(encoding="utf-8")
            text = re.sub(r"<(style|script)\b.*?</\1>", "", raw, flags=re.S | re.I)
            text = squashed(html.unescape(re.sub(r"<[^>]+>", "", text)))
            leaked = [s for s in secrets if s in text]
            assert not leaked, (page, leaked[:3])


def planted_pairs(assignment):
    """(first id, second id) of each disguised copy in the sample class, in id order."""
    return {
        tuple(sorted((student.work[assignment].copy_of, student.student_id)))
        for student in roster.CLASS
        if student.work[assignment].copy_of
    }


@pytest.fixture(scope="module")
def class_reports(term):
    """`make report ASSIGNMENT=... FOLDER=...` of the demo term: assignment -> page text."""
    folder = term[0]
    pages = {}
    for assignment in roster.ASSIGNMENTS:
        printed = []
        code = report_app.main([assignment, "--folder", str(folder)], out=printed.append)
        assert code == 0, printed
        page = folder / "reports" / f"{assignment}.html"
        pages[assignment] = page.read_text(encoding="utf-8")
    return pages


def page_text(fragment):
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def listed_pairs(page):
    """(first id, second id) -> the pair's section, for each alike pair the report lists."""
    sections = re.findall(r'<details class="pair".*?</details>', page, flags=re.S)
    summaries = [page_text(section.split("</summary>", 1)[0]) for section in sections]
    return {
        tuple(re.findall(r"\b\d{9}\b", summary)): section
        for summary, section in zip(summaries, sections, strict=True)
    }


# Honest pairs: the same partial answers (the slides' formula: too short to be evidence),
# and complete answers written apart.
HONEST = {
    "sigmoid_exercise": [("110034502", "110034506"), ("110034501", "110034504")],
    "leaky_relu_homework": [("110034501", "110034504"), ("110034503", "110034505")],
}


def test_the_class_report_lists_the_planted_copy_and_no_honest_pair(class_reports):
    answers = {
        (student.student_id, assignment): hand_in.answers
        for student in roster.CLASS
        for assignment, hand_in in student.work.items()
    }
    for assignment, page in class_reports.items():
        planted = planted_pairs(assignment)
        assert len(planted) == 1, assignment  # one disguised copy in each assignment
        listed = listed_pairs(page)
        assert set(listed) == planted, assignment  # the copy, and no pair of honest students
        for pair in HONEST[assignment]:
            assert pair not in listed, (assignment, pair)
        pair = next(iter(planted))
        section = listed[pair]
        assert "100 % / 100 %" in page_text(section)  # other names, comments, spacing: same code
        assert '<mark class="same">' in section
        # both students' answer code, side by side: every line of it as each typed it
        text = page_text(section)
        for student in pair:
            typed = read_answers(assignment, answers[(student, assignment)])
            for grade_id, source in typed.items():
                if grade_id == "answer_written":  # markdown, not code: not compared
                    continue
                for line in filter(str.strip, source.splitlines()):
                    assert line in text, (assignment, student, line)
