"""A course folder and nbgrader run in it: the one way the course's tools make a course and grade.

The tests, `make demo`, `make release` and the benchmarks all use this. nbgrader
runs in this process, through its own API (NbGraderAPI, its apps and the
Gradebook), with the folder's nbgrader_config.py; results come back as data read
from the gradebook and the graded notebooks, never from log text.

    course = Course.from_repository(folder, ["sigmoid_exercise"])
    course.generate("sigmoid_exercise")
    course.submit("110034501", "sigmoid_exercise", notebook)
    course.autograde("sigmoid_exercise")
    course.results("sigmoid_exercise")["110034501"].score
"""

import contextlib
import datetime
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps.api import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from coursekit import notebooks, notes

REPO = Path(__file__).resolve().parent.parent
IGNORED = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "demo")


def environment_bin_on_path():
    """nbgrader runs programs of its environment (alembic) by name: put their folder on PATH."""
    folder = str(Path(sys.executable).parent)
    if folder not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = folder + os.pathsep + os.environ.get("PATH", "")


def gradebook_version_asked_once():
    """A new gradebook asks `alembic heads` (a new Python process: 3 to 10 s) for the version
    of nbgrader's database schema; the answer never changes: ask once per process."""
    import functools

    import nbgrader.api

    if not hasattr(nbgrader.api.get_alembic_version, "cache_info"):
        nbgrader.api.get_alembic_version = functools.cache(nbgrader.api.get_alembic_version)


@contextlib.contextmanager
def in_folder(folder):
    """Run the block with `folder` as the working folder, then return to where we were."""
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


class NbgraderFailed(RuntimeError):
    """An nbgrader step failed as a whole; the message holds its log."""


@dataclass
class Graded:
    """What the gradebook and the graded notebook say of one student's submission."""

    student: str
    score: float | None
    max_score: float
    cells: dict = field(default_factory=dict)  # grade_id -> automatic score
    failures: dict = field(default_factory=dict)  # grade_id -> error text the student reads
    needs_manual_grade: bool = False
    seconds_late: float = 0.0
    notes: list = field(default_factory=list)  # coursekit.notes of the graded notebook


def error_texts(notebook):
    """grade_id -> the error a graded code cell showed, as the student would read it."""
    failures = {}
    for cell in notebook.cells if notebook is not None else []:
        grade_id = notebooks.grade_id(cell)
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


class Course:
    """One nbgrader course folder (a folder holding nbgrader_config.py and source/)."""

    def __init__(self, root, settings=None):
        """`settings` are nbgrader config values that win over nbgrader_config.py,
        e.g. {"GradingSandbox": {"fallback": "limits-only"}}."""
        self.root = Path(root).resolve()
        self.settings = settings or {}
        environment_bin_on_path()
        gradebook_version_asked_once()

    @classmethod
    def from_repository(cls, folder, assignments=None, settings=None, repository=REPO):
        """A fresh course in `folder`: the repository's configuration, coursekit and assignments."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(repository / "nbgrader_config.py", folder / "nbgrader_config.py")
        shutil.copytree(repository / "coursekit", folder / "coursekit", ignore=IGNORED)
        source = repository / "source"
        for name in assignments or sorted(p.name for p in source.iterdir() if p.is_dir()):
            shutil.copytree(source / name, folder / "source" / name, ignore=IGNORED)
        return cls(folder, settings)

    # --- configuration and nbgrader's API ---------------------------------------

    def config(self):
        """nbgrader_config.py of the folder, with this Course's settings on top."""
        config = PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()
        config.merge(Config(self.settings))
        config.CourseDirectory.root = str(self.root)
        return config

    def api(self):
        config = self.config()
        return NbGraderAPI(CourseDirectory(config=config), config=config)

    @property
    def db_url(self):
        return CourseDirectory(config=self.config()).db_url

    @contextlib.contextmanager
    def gradebook(self):
        with Gradebook(self.db_url, self.config().CourseDirectory.course_id) as gradebook:
            yield gradebook

    @staticmethod
    def check(result, what):
        """nbgrader's API answers {"success": ..., "log": ...}: raise when it failed."""
        if not result.get("success"):
            details = f"{result.get('error', '')}{result.get('log', '')}"
            raise NbgraderFailed(f"{what} failed:\n{details}")
        return result

    def run_app(self, app_class, assignment=None, settings=None, **traits):
        """Run one of nbgrader's apps (ZipCollectApp, ...) in this process, like its command.

        `settings` are config sections for this run, as the command's flags set them
        (`--to F` is {"ExportPlugin": {"to": F}}); `traits` are the app's own traits only
        (others would be ignored). The assignment is set before `initialize`, which some
        apps (zip_collect) refuse to run without. The app runs in the course folder, as
        the command would: nbgrader apps read the nbgrader_config.py of the folder they
        run in, and this Course's settings win over it, as flags would.
        """
        from nbgrader.utils import capture_log

        config = self.config()
        config.merge(Config(settings or {}))
        if assignment is not None:
            config.CourseDirectory.assignment_id = assignment
        with in_folder(self.root):
            app = app_class(config=config, **traits)
            app.initialize([])
            app.update_config(config)  # over what initialize read from nbgrader_config.py
            return capture_log(app)

    # --- the instructor's steps -------------------------------------------------

    def generate(self, assignment, db=True):
        """nbgrader generate_assignment: release/ASSIGNMENT, and the gradebook entry."""
        if db:
            return self.check(self.api().generate_assignment(assignment), "generate_assignment")
        from nbgrader.apps import GenerateAssignmentApp

        return self.check(
            self.run_app(
                GenerateAssignmentApp,
                assignment,
                settings={  # what the flags --no-db --force set
                    "GenerateAssignment": {"no_database": True},
                    "SaveCells": {"enabled": False},
                    "BaseConverter": {"force": True},
                },
            ),
            "generate_assignment --no-db",
        )

    def release(self, assignment):
        return self.check(self.api().release_assignment(assignment), "release_assignment")

    def collect(self, assignment):
        return self.check(self.api().collect(assignment), "collect")

    def zip_collect(self, assignment):
        from nbgrader.apps import ZipCollectApp

        return self.check(self.run_app(ZipCollectApp, assignment, force=True), "zip_collect")

    def autograde(self, assignment, student="*", force=True):
        """nbgrader autograde, for one student or ("*") the class: the API's answer."""
        return self.api().autograde(assignment, student, force=force)

    def grade(self, assignment, force=True):
        """`make grade`: the class autograded on every core (coursekit/apps/grade.py), with
        the grades nbgrader autograde gives; {"success": ..., "log": ...} like autograde."""
        from coursekit.apps.grade import GradeApp

        settings = {"BaseConverter": {"force": force}}
        return self.run_app(GradeApp, assignment, settings=settings)

    def generate_feedback(self, assignment, student=None):
        result = self.api().generate_feedback(assignment, student)
        return self.check(result, "generate_feedback")

    def export(self, path=None):
        """`nbgrader export` with the course's plugin; returns the file written."""
        from nbgrader.apps import ExportApp

        path = Path(path or self.root / "grades.csv")
        self.check(self.run_app(ExportApp, settings={"ExportPlugin": {"to": str(path)}}), "export")
        return path

    def add_students(self, rows):
        """rows of {"id", "first_name", "last_name", "email"}, as `nbgrader db student import`."""
        with self.gradebook() as gradebook:
            for row in rows:
                row = dict(row)
                gradebook.update_or_create_student(row.pop("id"), **row)

    def set_due_date(self, assignment, due):
        """The deadline of `assignment` (an aware datetime), as `nbgrader db assignment import`."""
        due = due.astimezone(datetime.UTC).replace(tzinfo=None)
        with self.gradebook() as gradebook:
            gradebook.update_or_create_assignment(assignment, duedate=due)

    # --- submissions -----------------------------------------------------------

    def submission_folder(self, student, assignment):
        return self.root / "submitted" / student / assignment

    def submit(self, student, assignment, notebook=None, files=None, name=None, when=None):
        """Place a submission as `nbgrader collect` would.

        `notebook` is a NotebookNode, raw bytes (a corrupt file) or None (no notebook);
        `name` its file name (default: the assignment's); `files` maps other file
        names to bytes; `when` is the submission time (default: now).
        """
        folder = self.submission_folder(student, assignment)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (name or f"{assignment}.ipynb")
        if isinstance(notebook, bytes):
            path.write_bytes(notebook)
        elif notebook is not None:
            nbformat.write(notebook, path)
        for file_name, content in (files or {}).items():
            (folder / file_name).parent.mkdir(parents=True, exist_ok=True)
            (folder / file_name).write_bytes(content)
        when = when or datetime.datetime.now(datetime.UTC)
        (folder / "timestamp.txt").write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
        return folder

    def source_notebook(self, assignment):
        return notebooks.read(self.root / "source" / assignment / f"{assignment}.ipynb")

    def release_notebook(self, assignment):
        return notebooks.read(self.root / "release" / assignment / f"{assignment}.ipynb")

    def graded_notebook(self, student, assignment):
        path = self.root / "autograded" / student / assignment / f"{assignment}.ipynb"
        return notebooks.read(path) if path.exists() else None

    # --- what the gradebook says ---------------------------------------------------

    def results(self, assignment):
        """{student: Graded} for every student the gradebook has a submission of."""
        results = {}
        with self.gradebook() as gradebook:
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
                    seconds_late=submission.total_seconds_late,
                )
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        if grade.auto_score is not None:
                            graded.cells[grade.name] = grade.auto_score
                results[student.id] = graded
        for student, graded in results.items():
            notebook = self.graded_notebook(student, assignment)
            graded.failures = error_texts(notebook)
            graded.notes = notes.of(notebook) if notebook is not None else []
        return results
