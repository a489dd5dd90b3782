"""A scratch nbgrader course for tests: generate, submit, autograde, read grades.

Tests grade submissions exactly as an instructor would, with the plain
`nbgrader` command line and the repository's own nbgrader_config.py, but in a
temporary copy of the course so that the real folders are never touched.
"""

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
NBGRADER = [sys.executable, "-m", "nbgrader"]

# nbgrader runs `alembic` by name when it creates a gradebook, so whatever
# imports this harness (the tests, the benchmarks) gets the environment's bin
# folder on PATH, even when the venv is not activated.
os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")


@dataclass
class Graded:
    """What the gradebook recorded for one student's submission of one assignment."""

    student: str
    score: float | None
    max_score: float
    cells: dict = field(default_factory=dict)  # grade_id -> auto score
    failures: dict = field(default_factory=dict)  # grade_id -> error text shown in the notebook
    needs_manual_grade: bool = False


def fill_answers(notebook, answers):
    """Return a copy of `notebook` with the source of solution cells replaced by grade_id."""
    notebook = nbformat.from_dict(notebook)
    unknown = set(answers)
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
            unknown.discard(grade_id)
    if unknown:
        raise KeyError(f"no solution cell with grade_id {sorted(unknown)}")
    return notebook


SECRET_REGION = re.compile(r"### (BEGIN|END) (SOLUTION|HIDDEN TESTS)")


def secret_and_shown_lines(source_notebook):
    """Split an instructor notebook's lines (stripped) into those inside a solution or
    hidden-test region, which students must never see, and all the others."""
    secret, shown = set(), set()
    for cell in source_notebook.cells:
        inside = False
        for line in cell.source.splitlines():
            marker = SECRET_REGION.search(line)
            if marker:
                inside = marker.group(1) == "BEGIN"
                continue
            (secret if inside else shown).add(line.strip())
    return secret, shown


def solution_answers(source_notebook):
    """The instructor's answers, keyed by grade_id, with nbgrader's markers removed."""
    answers = {}
    for cell in source_notebook.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            lines = [
                line
                for line in cell.source.splitlines()
                if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")
            ]
            answers[meta["grade_id"]] = "\n".join(lines)
    return answers


class ScratchCourse:
    """A throw-away copy of the course: config, tooling and assignment sources."""

    def __init__(self, root):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "nbgrader_config.py", self.root / "nbgrader_config.py")
        ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")
        shutil.copytree(REPO / "coursekit", self.root / "coursekit", ignore=ignore)
        shutil.copytree(REPO / "source", self.root / "source", ignore=ignore)

    def nbgrader(self, *args, check=True, timeout=600):
        """Run `nbgrader ARGS` in the scratch course; return the CompletedProcess."""
        run = subprocess.run(
            [*NBGRADER, *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and run.returncode != 0:
            raise AssertionError(
                f"nbgrader {' '.join(args)} failed ({run.returncode}):\n{run.stdout}\n{run.stderr}"
            )
        return run

    def generate(self, assignment):
        return self.nbgrader("generate_assignment", assignment, "--force")

    def source_notebook(self, assignment):
        return nbformat.read(self.root / "source" / assignment / f"{assignment}.ipynb", 4)

    def release_notebook(self, assignment):
        return nbformat.read(self.root / "release" / assignment / f"{assignment}.ipynb", 4)

    def submission_folder(self, student, assignment):
        return self.root / "submitted" / student / assignment

    def submit(self, student, assignment, notebook=None, extra_files=None):
        """Place a submission as `nbgrader collect` would.

        `notebook` is a NotebookNode, raw bytes (for corrupt files) or None
        (no notebook at all). `extra_files` maps file names to bytes.
        """
        folder = self.submission_folder(student, assignment)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{assignment}.ipynb"
        if isinstance(notebook, bytes):
            path.write_bytes(notebook)
        elif notebook is not None:
            nbformat.write(notebook, path)
        for name, content in (extra_files or {}).items():
            (folder / name).write_bytes(content)
        return folder

    def autograde(self, assignment, *args, check=False, timeout=900):
        args = ("autograde", assignment, "--force", *args)
        return self.nbgrader(*args, check=check, timeout=timeout)

    def autograded_notebook(self, student, assignment):
        path = self.root / "autograded" / student / assignment / f"{assignment}.ipynb"
        return nbformat.read(path, 4) if path.exists() else None

    def test_cells_with_stderr(self, assignment, test_cells):
        """(student, grade_id) of every graded test cell that wrote to stderr, which
        nbgrader punishes with 0 points: a test must turn a warning into a failed assert."""
        found = []
        for folder in sorted((self.root / "autograded").glob(f"*/{assignment}")):
            student = folder.parent.name
            for cell in self.autograded_notebook(student, assignment).cells:
                grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                streams = [o for o in cell.get("outputs", []) if o.output_type == "stream"]
                if grade_id in test_cells and any(o.name == "stderr" for o in streams):
                    found.append((student, grade_id))
        return found

    def results(self, assignment):
        """Every student's grade for `assignment`, read from the gradebook."""
        from nbgrader.api import Gradebook, MissingEntry

        results = {}
        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}") as gradebook:
            for student in gradebook.students:
                try:
                    submission = gradebook.find_submission(assignment, student.id)
                except MissingEntry:
                    continue
                graded = Graded(
                    student=student.id,
                    score=submission.score,
                    max_score=submission.max_score,
                    needs_manual_grade=submission.needs_manual_grade,
                )
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        if grade.auto_score is not None:
                            graded.cells[grade.name] = grade.auto_score
                results[student.id] = graded
        for student, graded in results.items():
            graded.failures = error_texts(self.autograded_notebook(student, assignment))
        return results


def error_texts(notebook):
    """grade_id -> the error a graded cell showed, as the student would read it."""
    if notebook is None:
        return {}
    failures = {}
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if not grade_id or cell.cell_type != "code":
            continue
        texts = []
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                texts.append(f"{output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr":
                texts.append(output.text)
        if texts:
            failures[grade_id] = "\n".join(texts)
    return failures


def grade_corpus(course, assignment, answers_by_student, common_answers=None):
    """Grade, in ONE `nbgrader autograde` run, the instructor's solution (as student
    "solution"), the untouched student version ("untouched") and one student per entry
    of `answers_by_student` (name -> {grade_id: source}); return the gradebook's results.

    `common_answers` fills cells every corpus student answers the same way.
    """
    course.generate(assignment)
    release = course.release_notebook(assignment)
    solution = solution_answers(course.source_notebook(assignment))
    course.submit("solution", assignment, fill_answers(release, solution))
    course.submit("untouched", assignment, release)
    for name, answers in answers_by_student.items():
        notebook = fill_answers(release, {**(common_answers or {}), **answers})
        course.submit(name, assignment, notebook)
    run = course.autograde(assignment)
    assert run.returncode == 0, run.stdout + run.stderr
    return course.results(assignment)
