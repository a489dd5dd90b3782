"""`make demo`: a whole term on the sample class, run twice in the same folder.

The driver runs as `make demo` does (`python -m coursekit.term FOLDER`), here
in a temporary folder. Both runs must print the same table; the second run
must rebuild everything (nothing left over, nothing lost). The table follows
from the sample class: the same answers score the same wherever they were
handed in, and every awkward case ends as it should. Submitted files are
compared with what the students handed in, and the feedback is scanned for
hidden tests and solutions.
"""

import html
import re
import subprocess
import sys
import zipfile

import nbformat
import pytest

from coursekit import demo_class
from tests.grading import REPO, secret_and_shown_lines

ROOT_STATE = ["gradebook.db", "submitted", "exchange", "feedback", "downloaded", "grades.csv"]


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    folder = tmp_path_factory.mktemp("term") / "demo-term"
    root_before = {name: (REPO / name).exists() for name in ROOT_STATE}
    runs, grades = [], []
    for _ in range(2):
        command = [sys.executable, "-m", "coursekit.term", str(folder)]
        runs.append(subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=900))
        grades_file = folder / "grades.csv"
        grades.append(grades_file.read_bytes() if grades_file.exists() else None)
    root_after = {name: (REPO / name).exists() for name in ROOT_STATE}
    runs[0].grades, runs[1].grades = grades
    return folder, runs, root_before, root_after


def table_of(output):
    """The printed table: the lines between the 'Grades' step and the notes."""
    lines = output.split("Grades\n", 1)[1].split("\n\n", 1)[0].splitlines()
    rows = {}
    for line in lines[1:]:
        student_id = line.split()[0]
        cells = re.findall(r"(\d+(?:\.\d+)?) / (\d+)\s+(.+?)(?=\s{2,}\d|\s*$)", line)
        rows[student_id] = {
            assignment: (float(score), float(maximum), status.strip())
            for assignment, (score, maximum, status) in zip(
                demo_class.ASSIGNMENTS, cells, strict=True
            )
        }
    return rows


def test_the_term_runs_twice_with_the_same_table(term):
    folder, runs, _, _ = term
    for run in runs:
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    first, second = (table_of(run.stdout) for run in runs)
    assert first == second
    assert sorted(first) == sorted(s.student_id for s in demo_class.CLASS)
    # the second run rebuilt the folder: one run's commands in the logs, not two
    log = (folder / "logs" / "01-release.log").read_text(encoding="utf-8")
    assert log.count("$ nbgrader db student import") == 1


def test_the_repository_folders_are_not_touched(term):
    _, _, before, after = term
    assert before == after


def auto_points(assignment):
    """Points of the autograded test cells of `assignment`, from the instructor notebook."""
    notebook = nbformat.read(REPO / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    total = 0.0
    for cell in notebook.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "code":
            total += meta.get("points", 0)
    return total


def test_the_table_follows_from_what_each_student_handed_in(term):
    _, runs, _, _ = term
    table = table_of(runs[1].stdout)
    sigmoid, leaky = demo_class.ASSIGNMENTS

    def score(student_id, assignment):
        return table[student_id][assignment][0]

    def status(student_id, assignment):
        return table[student_id][assignment][2]

    for assignment in demo_class.ASSIGNMENTS:
        full = auto_points(assignment)
        assert score("110034501", assignment) == full  # complete
        assert 0 < score("110034502", assignment) < full  # partial
        # the same partial answers score the same, through the exchange or a Windows zip
        assert score("110034506", assignment) == score("110034502", assignment)
    assert score("110034503", sigmoid) < score("110034502", sigmoid)  # broken
    # two uploads: the newer, complete one was graded, not the older partial one
    assert score("110034505", sigmoid) == auto_points(sigmoid)
    assert status("110034504", sigmoid) == "on time"
    assert status("110034504", leaky).startswith("late")
    assert score("110034504", leaky) == auto_points(leaky)  # late, no penalty configured
    assert status("110034503", leaky) == "NOT GRADED"  # notebook renamed before submitting
    assert score("110034507", sigmoid) == 0  # corrupt upload (the sandbox records a 0)
    assert score("110034507", leaky) == auto_points(leaky)  # ... the other one is graded
    assert status("110034508", sigmoid) == "missing"  # file name without 學號: skipped
    assert status("110034509", sigmoid) == "missing"  # empty upload: skipped
    assert status("110034509", leaky) == "missing"  # nothing handed in
    # the written answer (manually graded) is pending for everyone who handed in the homework
    assert "(+manual)" in status("110034501", leaky)


def test_every_problem_is_reported_with_the_student(term):
    _, runs, _, _ = term
    notes = runs[1].stdout.split("What the instructor should look at", 1)[1]
    expected = [
        ("110034503 林怡君", "leaky_relu_homework.ipynb is missing (found: 我的作業.ipynb)"),
        ("110034505 張家豪", "uploaded 2 files; keeping the newest"),
        ("110034507 黃志明", "is not a readable notebook"),
        ("unmatched upload", "Skipped '吳佩珊_Activation functions.ipynb'"),
        ("110034509 Kevin Lin", "Skipped empty upload"),
    ]
    lines = notes.splitlines()
    for who, what in expected:
        assert any(who in line and what in line for line in lines), (who, what)


def test_submitted_files_are_exactly_what_students_handed_in(term):
    folder, _, _, _ = term
    submitted = folder / "submitted"
    # exchange: the copy nbgrader collected equals the one in the exchange's inbound
    inbound = folder / "exchange" / "activation-functions" / "inbound"
    for copy in inbound.glob("*/*.ipynb"):
        student_id, assignment = copy.parent.name.split("+")[:2]
        target = submitted / student_id / assignment / copy.name
        assert target.read_bytes() == copy.read_bytes(), target
    # LMS: the imported notebook equals the zip entry the student uploaded
    checked = 0
    for assignment in demo_class.ASSIGNMENTS:
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
    """Solution and hidden-test lines that a student never sees in the released notebook
    and that none of the sample answers contains."""
    notebook = nbformat.read(REPO / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    secrets, shown = secret_and_shown_lines(notebook)
    for level in ("complete", "partial", "broken"):
        for source in demo_class.read_answers(assignment, level).values():
            shown.update(line.strip() for line in source.splitlines())

    def visible(secret):
        return any(secret in line for line in shown if len(secret) >= 12) or secret in shown

    return {s for s in secrets if len(s) >= 4 and any(c.isalnum() for c in s) and not visible(s)}


def squashed(text):
    return "".join(text.split())


def test_feedback_shows_scores_but_no_hidden_test_or_solution(term):
    folder, runs, _, _ = term
    pages = sorted((folder / "feedback").glob("*/*/*.html"))
    graded = [
        (student_id, assignment)
        for student_id, cells in table_of(runs[1].stdout).items()
        for assignment, (_, _, status) in cells.items()
        if status not in ("missing", "NOT GRADED")
    ]
    assert sorted((p.parts[-3], p.parts[-2]) for p in pages) == sorted(graded)
    for assignment in demo_class.ASSIGNMENTS:
        secrets = [squashed(line) for line in secret_lines(assignment)]
        assert len(secrets) > 10
        for page in (p for p in pages if p.parent.name == assignment):
            raw = page.read_text(encoding="utf-8")
            text = re.sub(r"<(style|script)\b.*?</\1>", "", raw, flags=re.S | re.I)
            text = squashed(html.unescape(re.sub(r"<[^>]+>", "", text)))
            assert "Score:" in html.unescape(raw)
            leaked = [s for s in secrets if s in text]
            assert not leaked, (page, leaked[:3])


def test_grades_file_is_the_same_after_both_runs_and_ready_for_an_lms(term):
    folder, runs, _, _ = term
    assert runs[0].grades == runs[1].grades
    grades = runs[1].grades.decode("utf-8-sig")
    header = grades.splitlines()[0].split(",")
    assert header[:4] == ["student_id", "last_name", "first_name", "email"]
    assert len(grades.splitlines()) == 1 + len(demo_class.CLASS)
    assert "110034501,王,小明," in grades
    assert str(folder / "grades.csv") in runs[1].stdout
    assert str(folder / "feedback") in runs[1].stdout
