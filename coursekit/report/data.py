"""What the class report says about one assignment, as data.

Read after grading, from what grading left behind and nothing else: the gradebook
(scores of every test cell, deadlines), the graded notebooks in autograded/ (the
messages the test cells printed, the grader's notes, the answer code), the class's
grades and statuses (coursekit.grades, the same rows as the grades export) and the
LMS collection reports (downloaded/<assignment>/lms-report.json).

Failure messages are grouped by their English text, the first line of the message
(the second is the same in 繁體中文; coursecheck/failures.py; a quoted numpy array can
stretch both over more lines), exactly as printed. Numbers are
NOT masked: the tests are deterministic (fixed and seeded inputs), so one mistake
prints one message, number for number, for every student who makes it, and the
numbers are what tells mistakes apart: "X should have 100 values; yours has 101" is
the 100-gaps reading of the slides, "... yours has 1000" another slip, and "X is
wrong at position 1: expected -4.898989898989899, yours is -4.9" is np.arange's
step. Masking them would put those students in one group and hide the
misconception. Only memory addresses (`at 0x7f3a...`), which differ from run to
run and mean nothing, are masked.
"""

import datetime
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.coursedir import CourseDirectory

from coursekit import grades, notebooks
from coursekit.course import Course
from coursekit.report import similarity

LMS_REPORT = "lms-report.json"  # coursekit.plugins.lms.REPORT
ADDRESS = re.compile(r"\bat 0x[0-9a-fA-F]+")
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
KINDS = ("late", "missing", "not_graded", "review", "recovered")


class ReportError(RuntimeError):
    """The report cannot be made (no such assignment, nothing graded)."""


@dataclass
class Failure:
    """One message a test cell printed, and who got it."""

    english: str
    chinese: str
    students: list = field(default_factory=list)

    @property
    def count(self):
        return len(self.students)


@dataclass
class TestCell:
    """One autograded test cell: how many passed it, and what the others read."""

    notebook: str
    grade_id: str
    max_score: float
    passed: int = 0
    graded: int = 0
    failures: list = field(default_factory=list)  # Failure, most common first

    @property
    def pass_rate(self):
        return self.passed / self.graded if self.graded else 0.0


@dataclass
class Flagged:
    """A student the instructor should know about, and why."""

    student: str
    name: str
    kind: str  # one of KINDS
    reason: str  # English
    reason_zh: str = ""  # 繁體中文, where the report words the reason itself


@dataclass
class ClassReport:
    assignment: str
    folder: Path
    max_score: float
    duedate: datetime.datetime | None
    students: int  # on the class list
    scores: dict  # student -> score, for every graded submission
    cells: list  # TestCell, in the order of the notebook
    flagged: list  # Flagged, grouped by kind
    unmatched: list  # LMS uploads that matched no student: their notes
    compared: int  # submissions whose answer code was compared
    pairs: list  # similarity.Pair
    manual_pending: int = 0  # submissions with an answer still to be graded by hand
    names: dict = field(default_factory=dict)  # student -> name


# What a test cell whose outputs HideLeakedTests replaced showed: not a misconception,
# the student is listed under "needs review" with the reason.
OUTPUT_HIDDEN = (
    "(output hidden: the notebook is listed under needs review)",
    "（輸出已隱藏：這份筆記本列在「需要人工檢查」）",
)


def message_key(text):
    """The message as grouped: its text, memory addresses masked."""
    return ADDRESS.sub("at 0x…", text.strip())


def split_languages(lines):
    """(English lines, 繁體中文 lines) of a failure message (coursecheck.failures.fail).

    The English message is the first line and the Chinese the second, unless a value the
    test quotes spans lines (a numpy array's repr): then both halves have as many lines,
    and the Chinese one starts with the first line that has Chinese characters.
    """
    half = len(lines) // 2
    if len(lines) > 2 and len(lines) % 2 == 0 and CHINESE.search(lines[half]):
        return lines[:half], lines[half:]
    for number, line in enumerate(lines[1:], start=1):
        if CHINESE.search(line):
            return lines[:number], lines[number:]
    return lines, []


def printed_failure(cell):
    """(English, 繁體中文) of the error a graded test cell showed, or None."""
    for output in cell.get("outputs", []):
        if output.get("output_type") != "error":
            continue
        lines = [line.rstrip() for line in str(output.get("evalue", "")).splitlines()]
        lines = [line for line in lines if line.strip()]
        ename = output.get("ename", "Error")
        if ename == "OutputHidden":  # the notebook's outputs were hidden: no message kept
            return OUTPUT_HIDDEN
        if ename == "AssertionError" and lines:  # the tests' own plain-words message
            english, chinese = split_languages(lines)
            return message_key("\n".join(english)), message_key("\n".join(chinese))
        return message_key(f"{ename}: {lines[0]}" if lines else ename), ""
    return None


def display_name(student):
    """The name as written on a class list: family name first for Chinese names."""
    first, last = student.first_name or "", student.last_name or ""
    if re.search(r"[\u4e00-\u9fff]", first + last):
        return last + first
    return f"{first} {last}".strip()


def duration(seconds):
    """(English, 繁體中文): 3 d 4 h, 2 h 5 min, 12 min, 40 s (a started second counts)."""
    seconds = math.ceil(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h", f"{days} 天 {hours} 小時"
    if hours:
        return f"{hours} h {minutes} min", f"{hours} 小時 {minutes} 分鐘"
    if minutes:
        return f"{minutes} min", f"{minutes} 分鐘"
    return f"{secs} s", f"{secs} 秒"


def lms_notes(folder, assignment):
    """(student id or None, note) of each upload of the LMS download that has a note."""
    path = Path(folder) / "downloaded" / assignment / LMS_REPORT
    if not path.exists():
        return []
    try:
        decisions = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [(d.get("student_id"), d["note"]) for d in decisions if d.get("note")]


def test_cells(gradebook_assignment):
    """(notebook, grade cell) of every autograded test cell, in the order of the notebook."""
    found = []
    for notebook in sorted(gradebook_assignment.notebooks, key=lambda nb: nb.name):
        answers = {cell.name for cell in notebook.solution_cells}
        for cell in notebook.grade_cells:
            if cell.cell_type == "code" and cell.max_score and cell.name not in answers:
                found.append((notebook.name, cell))
    return found


def graded_notebooks(coursedir, student, assignment, names):
    """notebook name -> the student's graded notebook (None where it cannot be read)."""
    folder = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
    found = {}
    for name in names:
        try:
            found[name] = notebooks.read(folder / f"{name}.ipynb")
        except Exception:  # missing or unreadable: nothing to read from it
            found[name] = None
    return found


def released_code(coursedir, assignment, names):
    """The answer cells as the students received them (the release), for the comparison."""
    folder = Path(coursedir.format_path(coursedir.release_directory, ".", assignment))
    parts = []
    for name in names:
        try:
            parts.append(similarity.answer_code(notebooks.read(folder / f"{name}.ipynb")))
        except Exception:  # no release here: nothing counts as given
            continue
    return "\n".join(parts)


def flags_of(student, name, grade, submission, lms):
    """The Flagged entries of one student, from the grade's status and notes."""
    flagged = []
    if grade.status == "missing":
        reason = "no submission was collected or graded"
        reason_zh = "沒有收到或批改到任何繳交"
        told = [note for who, note in lms if who == student]
        if told:
            reason += " (" + "; ".join(told) + ")"
        flagged.append(Flagged(student, name, "missing", reason, reason_zh))
        return flagged
    if grade.status.startswith("not graded"):
        flagged.append(Flagged(student, name, "not_graded", grade.status))
    for note in grade.notes:
        kind = {"unreadable": "not_graded", "review": "review", "recovered": "recovered"}
        flagged.append(Flagged(student, name, kind[note["kind"]], note["text"]))
    if submission is not None and submission.total_seconds_late > 0:
        late, late_zh = duration(submission.total_seconds_late)
        reason, reason_zh = f"submitted {late} after the deadline", f"在截止時間後 {late_zh} 繳交"
        penalty = submission.late_submission_penalty or 0
        if penalty:
            reason += f"; late penalty {grades.points(penalty)} points"
            reason_zh += f"；遲交扣 {grades.points(penalty)} 分"
        flagged.append(Flagged(student, name, "late", reason, reason_zh))
    return flagged


def collect(folder, assignment, settings=None):
    """The ClassReport of `assignment` in the course folder `folder`."""
    course = Course(folder, settings)
    coursedir = CourseDirectory(config=course.config())
    if coursedir.db_url.startswith("sqlite:///"):
        path = Path(coursedir.db_url.removeprefix("sqlite:///"))
        if not path.is_absolute():
            path = course.root / path
        if not path.exists():  # opening it would create an empty gradebook: say so instead
            raise ReportError(f"{course.root} has no gradebook ({path.name}): grade first")
    lms = lms_notes(course.root, assignment)
    with course.gradebook() as gradebook:
        try:
            entry = gradebook.find_assignment(assignment)
        except MissingEntry:
            raise ReportError(
                f"the gradebook of {course.root} has no assignment {assignment!r}"
            ) from None
        _, rows = grades.class_grades(gradebook, coursedir, assignments=[assignment])
        cells = [
            TestCell(notebook, cell.name, cell.max_score) for notebook, cell in test_cells(entry)
        ]
        notebook_names = sorted(nb.name for nb in entry.notebooks)
        report = ClassReport(
            assignment=assignment,
            folder=course.root,
            max_score=entry.max_score,
            duedate=entry.duedate,
            students=len(rows),
            scores={},
            cells=cells,
            flagged=[],
            unmatched=[note for who, note in lms if not who],
            compared=0,
            pairs=[],
        )
        codes = {}
        for student, results, _ in rows:
            grade = results[assignment]
            name = display_name(student)
            report.names[student.id] = name
            try:
                submission = gradebook.find_submission(assignment, student.id)
            except MissingEntry:
                submission = None
            report.flagged += flags_of(student.id, name, grade, submission, lms)
            kinds = {note["kind"] for note in grade.notes}
            if submission is None or grade.status.startswith("not graded"):
                continue
            if "unreadable" in kinds:
                continue
            report.scores[student.id] = grade.score
            report.manual_pending += bool(submission.needs_manual_grade)
            graded = graded_notebooks(coursedir, student.id, assignment, notebook_names)
            scores = {
                (nb.name, grade_.name): grade_.auto_score
                for nb in submission.notebooks
                for grade_ in nb.grades
            }
            by_id = {
                (name_, notebooks.grade_id(cell)): cell
                for name_, notebook in graded.items()
                if notebook is not None
                for cell in notebook.cells
            }
            for cell in cells:
                score = scores.get((cell.notebook, cell.grade_id))
                if score is None:
                    continue
                cell.graded += 1
                if score >= cell.max_score:
                    cell.passed += 1
                    continue
                shown = by_id.get((cell.notebook, cell.grade_id))
                message = printed_failure(shown) if shown is not None else None
                english, chinese = message or ("(no message: the cell lost points silently)", "")
                add_failure(cell, english, chinese, student.id)
            code = "\n".join(
                similarity.answer_code(notebook)
                for notebook in graded.values()
                if notebook is not None
            )
            if code.strip():
                codes[student.id] = code
    for cell in cells:
        cell.failures.sort(key=lambda failure: (-failure.count, failure.english))
    report.flagged.sort(key=lambda f: (KINDS.index(f.kind), f.student))
    report.compared = len(codes)
    report.pairs = similarity.similar_pairs(
        codes, released_code(coursedir, assignment, notebook_names)
    )
    return report


def add_failure(cell, english, chinese, student):
    for failure in cell.failures:
        if failure.english == english:
            failure.students.append(student)
            if not failure.chinese:
                failure.chinese = chinese
            return
    cell.failures.append(Failure(english, chinese, [student]))
