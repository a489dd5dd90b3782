"""ReadableNotebookExporter: autograde reads every submission, readable or not.

An empty file, invalid JSON or JSON that is not a notebook becomes a stand-in
notebook whose tests score 0 with the reason, instead of a student missing from
the grades. It also refuses to start autograding at all where the sandbox cannot
run (unless the instructor chose the fallback), before any student is touched.
Configured in nbgrader_config.py, section "Grading sandbox".
"""

from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbformat.v4 import new_notebook
from nbgrader.converters.base import NbGraderException

from coursekit import notebooks
from coursekit.preprocessors.safe_execute import UNREADABLE
from coursekit.sandbox.settings import GradingSandbox, SandboxUnavailable, sandbox_mode


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
        name = Path(file_stream.name).name
        problem = notebooks.read_problem(file_stream.name)
        notebook = None
        if problem is None:
            notebook = nbformat.read(file_stream, as_version=4)
        else:
            reason = f"the submitted file {name} is not a readable notebook ({problem})"
            self.log.error("Student %s: %s; every test scores 0.", student, reason)
            notebook = new_notebook()  # RestoreCells puts the read-only and test cells in
            notebook.metadata["coursekit"] = {UNREADABLE: reason}
            resources[UNREADABLE] = reason  # so RestoreCells knows the flag is not the student's
        return self.from_notebook_node(notebook, resources, **kw)
