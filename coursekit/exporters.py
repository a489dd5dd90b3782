"""Autograde reads every submission, readable or not, renamed or not.

- ReadableNotebookExporter: an empty file, invalid JSON or JSON that is not a
  notebook becomes a stand-in notebook whose tests score 0 with the reason, instead
  of a student missing from the grades. It also refuses to start autograding at all
  where the sandbox cannot run (unless the instructor chose the fallback), before
  any student is touched.
- find_renamed_notebooks (Autograde's pre_convert_hook): a student who handed in
  the homework as 我的作業.ipynb would not be graded at all (nbgrader skips a
  notebook it does not know). When the assignment's notebook is missing and the
  folder holds another notebook, that one is graded in its place, under the
  assignment's name, and a "recovered" note says so. The submitted file is left as
  it is.

Configured in nbgrader_config.py, section "Grading sandbox".
"""

import os
from pathlib import Path

from nbconvert.exporters import NotebookExporter
from nbformat.v4 import new_notebook
from nbgrader.converters.base import NbGraderException
from traitlets import Bool

from coursekit import notebooks, recovery
from coursekit.preprocessors.safe_execute import UNREADABLE
from coursekit.sandbox.settings import GradingSandbox, SandboxUnavailable, sandbox_mode

RECOVERED = "coursekit_recovered"  # resources key: notes on how the submission was read
_renamed = {}  # the expected notebook's path -> the file handed in under another name


def find_renamed_notebooks(assignment=None, student=None, notebooks=()):
    """nbgrader's pre_convert_hook: stand a renamed notebook in for the missing one.

    `notebooks` is nbgrader's own list of one student's notebooks (paths under
    submitted/<student>/<assignment>/); a missing expected notebook is put in it, and
    the exporter reads the handed-in file for it.
    """
    if not notebooks:
        return
    folder = Path(notebooks[0]).parent
    root = folder.parents[2]  # <course>/submitted/<student>/<assignment>
    source = root / "source" / folder.name
    expected = sorted(path.name for path in source.glob("*.ipynb"))
    present = {Path(path).name for path in notebooks}
    unknown = sorted(name for name in present if name not in expected)
    for name in expected:
        if name in present or not unknown:
            continue
        chosen = best_match(source / name, [folder / other for other in unknown])
        unknown.remove(chosen.name)
        stand_in = str(folder / name)
        _renamed[stand_in] = chosen
        notebooks.append(stand_in)


def best_match(source_path, candidates):
    """The candidate notebook sharing the most of the course's cell texts with the source."""

    def shared(path):
        try:
            texts = {recovery.text_key(cell.source) for cell in notebooks.read(path).cells}
            source = notebooks.read(source_path).cells
        except Exception:  # an unreadable file: the exporter says why
            return 0
        return sum(recovery.text_key(recovery.as_released(cell.source)) in texts for cell in source)

    return max(candidates, key=lambda path: (shared(path), -len(str(path))))


class ReadableNotebookExporter(NotebookExporter):
    """NotebookExporter that reads every submission, readable or not.

    It validates the notebook once, after the last preprocessor, not after each of
    them (nbconvert's optimistic_validation): a notebook nbformat rejects is rejected
    all the same, and grading a class validates a dozen times fewer per student.
    """

    optimistic_validation = Bool(True, help=NotebookExporter.optimistic_validation.help).tag(
        config=True
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        try:
            sandbox_mode(GradingSandbox(parent=self), self.log)
        except SandboxUnavailable as refusal:  # before any student is touched
            self.log.error(str(refusal))
            raise NbGraderException(str(refusal)) from None

    def from_filename(self, filename, resources=None, **kw):
        handed_in = _renamed.pop(os.fspath(filename), None)
        if handed_in is not None:
            expected = Path(filename).name
            note = f"the notebook was handed in as {handed_in.name}; graded as {expected}"
            self.log.warning("Student %s: %s", resources["nbgrader"]["student"], note)
            resources.setdefault(RECOVERED, []).append(note)
            filename = handed_in
        return super().from_filename(filename, resources=resources, **kw)

    def from_file(self, file_stream, resources=None, **kw):
        student = (resources or {}).get("nbgrader", {}).get("student", "?")
        name = Path(file_stream.name).name
        notebook, problem = notebooks.read_gradable(file_stream.name)
        if problem is not None:
            reason = f"the submitted file {name} is not a readable notebook ({problem})"
            self.log.error("Student %s: %s; every test scores 0.", student, reason)
            notebook = new_notebook()  # RestoreCells puts the read-only and test cells in
            notebook.metadata["coursekit"] = {UNREADABLE: reason}
            resources[UNREADABLE] = reason  # so RestoreCells knows the flag is not the student's
        return self.from_notebook_node(notebook, resources, **kw)
