"""Turn whatever a student handed in into a notebook nbgrader can grade, and hide hidden tests.

- ReadableNotebookExporter: an empty file, invalid JSON or JSON that is not a
  notebook becomes a stand-in notebook whose tests score 0 with the reason,
  instead of a student missing from the grades. It also refuses to start
  autograding at all where the sandbox cannot run (unless the fallback allows).
- RestoreCells: nbgrader's DeduplicateIds + OverwriteCells for any notebook a
  student can produce: one cell per grade_id (the last, as nbgrader keeps),
  nbgrader metadata taken from the gradebook (a student's "schema_version": 99
  aborted the whole class's autograde run), deleted test and read-only cells put
  back where they were, never an instructor's solution.
- HideLeakedTests: removes hidden-test lines from every output of the graded
  notebook (tracebacks of hidden asserts; code that printed a later cell).
"""

import re
import uuid
from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from nbgrader.api import Gradebook
from nbgrader.converters.base import NbGraderException
from nbgrader.nbgraderformat import SCHEMA_VERSION
from nbgrader.preprocessors import NbGraderPreprocessor, OverwriteCells

from coursekit.sandbox.execute import UNREADABLE
from coursekit.sandbox.settings import GradingSandbox, SandboxUnavailable, sandbox_mode

CELL_TYPES = {"code", "markdown", "raw"}
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
HIDDEN_LINE_NOTE = "[hidden test line]"


class ReadableNotebookExporter(NotebookExporter):
    """NotebookExporter that reads every submission, readable or not."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        try:
            sandbox_mode(GradingSandbox(parent=self), self.log)
        except SandboxUnavailable as refusal:  # before any student is touched
            self.log.error(str(refusal))
            raise NbGraderException(str(refusal)) from None

    def from_file(self, file_stream, resources=None, **kw):
        student = (resources or {}).get("nbgrader", {}).get("student", "?")
        try:
            notebook = nbformat.read(file_stream, as_version=4)
            check_notebook(notebook)
        except Exception as error:
            reason = f"the submitted file {Path(file_stream.name).name} is not a readable notebook"
            reason += f" ({type(error).__name__}: {str(error)[:200]})"
            self.log.error("Student %s: %s; every test scores 0.", student, reason)
            notebook = new_notebook()  # RestoreCells puts the read-only and test cells in
            notebook.metadata["coursekit"] = {UNREADABLE: reason}
            resources[UNREADABLE] = reason  # so RestoreCells knows the flag is not the student's
        return self.from_notebook_node(notebook, resources, **kw)


def check_notebook(notebook):
    """Raise ValueError unless `notebook` has the shape the graders rely on."""
    if not isinstance(notebook.get("cells"), list) or not isinstance(
        notebook.get("metadata"), dict
    ):
        raise ValueError("no list of cells")
    for cell in notebook.cells:
        if not isinstance(cell, dict) or cell.get("cell_type") not in CELL_TYPES:
            raise ValueError("a cell without a known cell_type")
        if not isinstance(cell.get("source"), str) or not isinstance(cell.get("metadata"), dict):
            raise ValueError("a cell without source text or metadata")
        if cell.cell_type == "code" and not isinstance(cell.get("outputs", []), list):
            raise ValueError("a code cell whose outputs are not a list")


def grade_id_of(cell):
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta.get("grade_id") if isinstance(meta, dict) else None


class RestoreCells(OverwriteCells):
    """DeduplicateIds + OverwriteCells, safe for any notebook (see the module docstring)."""

    def preprocess(self, nb, resources):
        student = resources["nbgrader"]["student"]
        notebook_id = resources["nbgrader"]["notebook"]
        assignment_id = resources["nbgrader"]["assignment"]
        with Gradebook(resources["nbgrader"]["db_url"]) as gradebook:
            source = gradebook.find_notebook(notebook_id, assignment_id)
            self.known = {cell.name: cell for cell in source.source_cells}
            self.points = {cell.name: cell.max_score for cell in source.grade_cells}
            self.solutions = {cell.name for cell in source.solution_cells}
            self.tasks = {cell.name: cell.max_score for cell in source.task_cells}
            self.order = source_order(assignment_id, notebook_id, list(self.known))
        if not resources.get(UNREADABLE):
            nb.metadata.pop("coursekit", None)  # only ReadableNotebookExporter may set it
        self.keep_one_cell_per_grade_id(nb, student)
        for cell in nb.cells:
            if grade_id_of(cell) is not None:
                cell.metadata["nbgrader"] = self.metadata_for(grade_id_of(cell))
        nb, resources = super().preprocess(nb, resources)  # restores the code of read-only cells
        if self.add_missing_cells:
            self.put_back_missing_cells(nb, student)
        give_unique_ids(nb)
        return nb, resources

    def keep_one_cell_per_grade_id(self, nb, student):
        """Unknown, malformed or repeated nbgrader metadata: the cell becomes an ordinary cell."""
        seen = set()
        for cell in reversed(nb.cells):
            if "nbgrader" not in cell.metadata:
                continue
            grade_id = grade_id_of(cell)
            if grade_id in self.known and grade_id not in seen:
                seen.add(grade_id)
                continue
            why = "repeated" if grade_id in seen else "not in the gradebook"
            self.log.warning(
                "Student %s: cell %r is %s; graded as ordinary code", student, grade_id, why
            )
            del cell.metadata["nbgrader"]

    def metadata_for(self, grade_id):
        """The cell's nbgrader metadata as the gradebook has it (students can edit metadata)."""
        source = self.known[grade_id]
        meta = {
            "grade": grade_id in self.points,
            "grade_id": grade_id,
            "locked": bool(source.locked),
            "schema_version": SCHEMA_VERSION,
            "solution": grade_id in self.solutions,
            "task": grade_id in self.tasks,
        }
        if meta["grade"] or meta["task"]:
            meta["points"] = self.points.get(grade_id, self.tasks.get(grade_id, 0.0))
        return nbformat.from_dict(meta)

    def add_missing_grade_cells(self, nb, resources):  # replaced by put_back_missing_cells
        return nb, resources

    def add_missing_task_cells(self, nb, resources):  # replaced by put_back_missing_cells
        return nb, resources

    def put_back_missing_cells(self, nb, student):
        """Deleted read-only and graded cells come back after the cell that preceded them."""
        present = {grade_id_of(cell) for cell in nb.cells} - {None}
        used_ids = {cell.get("id") for cell in nb.cells}
        for position, grade_id in enumerate(self.order):
            if grade_id in present:
                continue
            source = self.known[grade_id]
            graded = grade_id in self.points or grade_id in self.tasks
            if not (source.locked or graded):
                continue  # a deleted answer stays deleted: its tests fail
            cell = self.rebuilt_cell(grade_id, used_ids)
            earlier = [gid for gid in self.order[:position] if gid in present]
            index = 0
            if earlier:
                anchor = earlier[-1]
                index = 1 + max(i for i, c in enumerate(nb.cells) if grade_id_of(c) == anchor)
            nb.cells.insert(index, cell)
            present.add(grade_id)
            self.log.warning("Student %s: put back deleted cell %r", student, grade_id)

    def rebuilt_cell(self, grade_id, used_ids):
        source = self.known[grade_id]
        text = source.source if source.locked and grade_id not in self.solutions else ""
        make = new_code_cell if source.cell_type == "code" else new_markdown_cell
        cell = make(text, metadata={"nbgrader": self.metadata_for(grade_id)})
        if source.locked:
            cell.metadata.update(deletable=False, editable=False)
        cell.metadata.nbgrader["checksum"] = source.checksum
        cell_id = re.sub(r"[^A-Za-z0-9_-]", "-", grade_id)[:40] or "restored"
        while cell_id in used_ids:
            cell_id = f"{cell_id[:40]}-{uuid.uuid4().hex[:8]}"
        cell["id"] = cell_id
        used_ids.add(cell_id)
        return cell


def give_unique_ids(nb):
    """A pasted copy keeps its original's cell id; nbformat would complain at every read."""
    seen = set()
    for cell in nb.cells:
        if not cell.get("id") or cell["id"] in seen:
            cell["id"] = uuid.uuid4().hex[:8]
        seen.add(cell["id"])


def source_order(assignment_id, notebook_id, known):
    """grade_ids in the order of the instructor's notebook (the gradebook keeps no order)."""
    path = (
        Path("source") / assignment_id / f"{notebook_id}.ipynb"
    )  # nbgrader runs in the course root
    try:
        ordered = [grade_id_of(cell) for cell in nbformat.read(path, as_version=4).cells]
    except Exception:
        ordered = []
    ordered = [gid for gid in ordered if gid in known]
    return ordered + [gid for gid in known if gid not in ordered]


def hidden_test_lines(nb, begin="BEGIN HIDDEN TESTS", end="END HIDDEN TESTS"):
    """Stripped lines found only between hidden-test markers, long enough to matter.

    A line that also appears in visible code (a visible test repeated in the
    hidden part) is no secret and stays.
    """
    hidden, visible = set(), set()
    for cell in nb.cells:
        inside = False
        for line in cell.get("source", "").splitlines():
            if begin in line:
                inside = True
            elif end in line:
                inside = False
            elif is_significant(line):
                (hidden if inside else visible).add(line.strip())
    return hidden - visible


def is_significant(line):
    """Worth hiding: at least 4 characters and a letter or digit (not a lone bracket)."""
    stripped = line.strip()
    return len(stripped) >= 4 and any(ch.isalnum() for ch in stripped)


class HideLeakedTests(NbGraderPreprocessor):
    """Replace every output line that shows a hidden-test line (grades are unchanged)."""

    def preprocess(self, nb, resources):
        settings = self.config.get("ClearHiddenTests", {})
        self.hidden = hidden_test_lines(
            nb,
            settings.get("begin_test_delimeter", "BEGIN HIDDEN TESTS"),
            settings.get("end_test_delimeter", "END HIDDEN TESTS"),
        )
        if self.hidden:
            for cell in nb.cells:
                for output in cell.get("outputs", []):
                    self.clean_output(output)
        return nb, resources

    def clean_text(self, text):
        lines = text.splitlines(keepends=True)
        for index, line in enumerate(lines):
            plain = ANSI_ESCAPE.sub("", line)
            if any(hidden in plain for hidden in self.hidden):
                lines[index] = HIDDEN_LINE_NOTE + ("\n" if line.endswith("\n") else "")
        return "".join(lines)

    def clean_output(self, output):
        if "text" in output:
            output.text = self.clean_text(output.text)
        if "traceback" in output:
            output.traceback = [self.clean_text(frame) for frame in output.traceback]
        if "evalue" in output:
            output.evalue = self.clean_text(output.evalue)
        for kind, value in output.get("data", {}).items():
            if isinstance(value, str) and (kind.startswith("text/") or kind.endswith("json")):
                output.data[kind] = self.clean_text(value)
            elif isinstance(value, list):
                output.data[kind] = [self.clean_text(v) if isinstance(v, str) else v for v in value]
