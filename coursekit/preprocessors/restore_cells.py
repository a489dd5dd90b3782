"""RestoreCells: nbgrader's DeduplicateIds + OverwriteCells, safe for any notebook a student makes.

- One cell per grade_id (the last, as nbgrader keeps); unknown, malformed or repeated
  nbgrader metadata makes a cell an ordinary cell.
- Every cell's nbgrader metadata comes from the gradebook: a student's edited
  metadata ("schema_version": 99 aborted the whole class's autograde run) counts for
  nothing.
- Deleted test and read-only cells come back where they were, never an instructor's
  solution; the code of read-only cells comes back from the gradebook (OverwriteCells).
- Cells that lost their nbgrader metadata are matched back to the assignment by
  their content and position (coursekit/recovery.py), and the match is noted; a
  notebook in which nothing matches is not graded (every test 0, with the reason).
- The notebook's `coursekit` metadata is the grader's (notes, unreadable): a student's
  is removed.
"""

import re
from pathlib import Path
from types import SimpleNamespace

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell
from nbgrader.api import Gradebook, GradeCell, MissingEntry, TaskCell
from nbgrader.coursedir import CourseDirectory
from nbgrader.nbgraderformat import SCHEMA_VERSION
from nbgrader.preprocessors import OverwriteCells

from coursekit import notebooks, notes, recovery
from coursekit.exporters import RECOVERED
from coursekit.preprocessors.safe_execute import UNREADABLE


class RestoreCells(OverwriteCells):
    """DeduplicateIds + OverwriteCells, safe for any notebook (see the module docstring)."""

    def preprocess(self, nb, resources):
        student = resources["nbgrader"]["student"]
        notebook_id = resources["nbgrader"]["notebook"]
        assignment_id = resources["nbgrader"]["assignment"]
        with Gradebook(resources["nbgrader"]["db_url"]) as gradebook:
            source = gradebook.find_notebook(notebook_id, assignment_id)
            self.known = {cell.name: cell for cell in source.source_cells}
            self.points = max_scores(gradebook, GradeCell, source)
            self.solutions = {cell.name for cell in source.solution_cells}
            self.tasks = max_scores(gradebook, TaskCell, source)
            coursedir = CourseDirectory(config=self.config)
            source = coursedir.format_path(coursedir.source_directory, ".", assignment_id)
            path = Path(source) / f"{notebook_id}.ipynb"
            self.order = source_order(path, list(self.known))
        if not resources.get(UNREADABLE):
            nb.metadata.pop("coursekit", None)  # only ReadableNotebookExporter may set it
        else:
            notes.add(nb, "unreadable", resources[UNREADABLE])
        for note in resources.get(RECOVERED, []):
            notes.add(nb, "recovered", note)
        self.keep_one_cell_per_grade_id(nb, student)
        if not resources.get(UNREADABLE):
            self.recover(nb, student, assignment_id)
        for cell in nb.cells:
            if notebooks.grade_id(cell) is not None:
                cell.metadata["nbgrader"] = self.metadata_for(notebooks.grade_id(cell))
        # OverwriteCells, cell by cell (it restores the code of read-only cells), asking the
        # cells read above instead of querying the gradebook twice for every cell
        self.notebook_id, self.assignment_id = notebook_id, assignment_id
        self.gradebook = SourceCells(self.known, self.points)
        nb, resources = super(OverwriteCells, self).preprocess(nb, resources)
        if self.add_missing_cells:
            self.put_back_missing_cells(nb, student)
        give_unique_ids(nb)
        return nb, resources

    def recover(self, nb, student, assignment_id):
        """Give lost grade_ids and cell types back; a notebook with nothing of the assignment
        is not graded."""
        matching = recovery.match_cells(nb, self.known, self.order, self.solutions)
        for cell in nb.cells:
            grade_id = notebooks.grade_id(cell)
            if grade_id in self.known and cell.cell_type != self.known[grade_id].cell_type:
                recovery.retype(cell, self.known[grade_id].cell_type)
                if grade_id not in matching.retyped:
                    matching.retyped.append(grade_id)
        for note in matching.notes():
            self.log.warning("Student %s: %s", student, note)
            notes.add(nb, "recovered", note)
        if not any(notebooks.grade_id(cell) for cell in nb.cells):
            reason = (
                f"none of the cells of the handed-in notebook belongs to {assignment_id} "
                "(was the right notebook handed in?)"
            )
            self.log.error("Student %s: %s; every test scores 0.", student, reason)
            nb.metadata.setdefault("coursekit", {})[UNREADABLE] = reason
            notes.add(nb, "unreadable", reason)

    def keep_one_cell_per_grade_id(self, nb, student):
        """Unknown, malformed or repeated nbgrader metadata: the cell becomes an ordinary cell."""
        seen = set()
        for cell in reversed(nb.cells):
            if "nbgrader" not in cell.metadata:
                continue
            grade_id = notebooks.grade_id(cell)
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
        present = {notebooks.grade_id(cell) for cell in nb.cells} - {None}
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
                index = 1 + max(
                    i for i, c in enumerate(nb.cells) if notebooks.grade_id(c) == anchor
                )
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
        cell["id"] = free_id(re.sub(r"[^A-Za-z0-9_-]", "-", grade_id)[:40] or "restored", used_ids)
        return cell


def max_scores(gradebook, kind, notebook):
    """{grade_id: points} of the notebook's cells of this kind (GradeCell or TaskCell), in one
    query (through notebook.grade_cells, each cell's points would be a query of its own)."""
    rows = gradebook.db.query(kind.name, kind.max_score).filter(kind.notebook_id == notebook.id)
    return dict(rows.all())


class SourceCells:
    """The two questions OverwriteCells asks its gradebook about each cell, answered from the
    assignment's cells as RestoreCells read them (the gradebook's own answers)."""

    def __init__(self, known, points):
        self.known, self.points = known, points

    def find_source_cell(self, grade_id, notebook_id, assignment_id):
        if grade_id not in self.known:
            raise MissingEntry()
        return self.known[grade_id]

    def find_graded_cell(self, grade_id, notebook_id, assignment_id):
        if grade_id not in self.points:
            raise MissingEntry()
        return SimpleNamespace(name=grade_id, max_score=self.points[grade_id])


def free_id(wanted, used_ids):
    """`wanted`, or `wanted-2`, `wanted-3`...: the first not in used_ids (then taken).

    Ids follow from the notebook, never from chance: grading the same submission twice
    gives the same notebook (the parallel grader relies on it).
    """
    cell_id, number = wanted, 1
    while cell_id in used_ids:
        number += 1
        cell_id = f"{wanted[:40]}-{number}"
    used_ids.add(cell_id)
    return cell_id


def give_unique_ids(nb):
    """A pasted copy keeps its original's cell id; nbformat would complain at every read."""
    seen = set()
    for index, cell in enumerate(nb.cells):
        if not cell.get("id") or cell["id"] in seen:
            cell["id"] = free_id(cell.get("id") or f"cell-{index + 1}", seen)
        seen.add(cell["id"])


def source_order(source_notebook_path, known):
    """grade_ids in the order of the instructor's notebook (the gradebook keeps no order)."""
    try:
        ordered = [notebooks.grade_id(cell) for cell in notebooks.read(source_notebook_path).cells]
    except Exception:
        ordered = []
    ordered = [gid for gid in ordered if gid in known]
    return ordered + [gid for gid in known if gid not in ordered]
