"""What an nbgrader notebook is made of: graded cells, answer and hidden regions, readability.

One place for the questions every instructor tool asks of a notebook: which cell is
which (its nbgrader grade_id), what lies between the solution and hidden-test markers,
and whether a file is a notebook nbgrader can grade at all.
"""

import copy
import re
import sys
from pathlib import Path

import nbformat

CELL_TYPES = {"code", "markdown", "raw"}
SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_TESTS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
MARKER = re.compile(r"### (BEGIN|END) (SOLUTION|HIDDEN TESTS)")

# What the course's kernel fills in when JupyterLab opens a notebook. JupyterLab compares
# it with the stored metadata, field by field: a notebook stored without it (or with another
# Python version) opens as already changed, and closing it untouched asks "Save your work?".
# `version` is the Python of the course environment (.venv, as `make` builds it on the
# course's machines and CI); the browser suite (make test-browser) opens notebooks in that
# kernel and fails if it reports anything else.
KERNEL_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {
        "codemirror_mode": {"name": "ipython", "version": 3},
        "file_extension": ".py",
        "mimetype": "text/x-python",
        "name": "python",
        "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3",
        "version": "3.11.7",
    },
}


def nbgrader_metadata(cell):
    """The cell's nbgrader metadata as a dict ({} when missing or malformed)."""
    meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    meta = meta.get("nbgrader") if isinstance(meta, dict) else None
    return meta if isinstance(meta, dict) else {}


def grade_id(cell):
    """The cell's nbgrader grade_id, or None."""
    value = nbgrader_metadata(cell).get("grade_id")
    return value if isinstance(value, str) else None


def is_test_cell(cell):
    """A graded code cell: nbgrader scores it by whether it runs without error."""
    meta = nbgrader_metadata(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_answer_cell(cell):
    return bool(nbgrader_metadata(cell).get("solution"))


def is_locked(cell):
    return bool(nbgrader_metadata(cell).get("locked"))


def region_lines(source, markers):
    """The lines of `source` between the (begin, end) markers, markers excluded."""
    begin, end = markers
    lines, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            lines.append(line)
    return lines


def secret_and_shown_lines(source_notebook):
    """Split an instructor notebook's lines (stripped) into those inside a solution or
    hidden-test region, which students must never see, and all the others."""
    secret, shown = set(), set()
    for cell in source_notebook.cells:
        inside = False
        for line in cell.source.splitlines():
            marker = MARKER.search(line)
            if marker:
                inside = marker.group(1) == "BEGIN"
                continue
            (secret if inside else shown).add(line.strip())
    return secret, shown


def solution_answers(source_notebook):
    """The instructor's answers, keyed by grade_id, with the solution markers removed."""
    answers = {}
    for cell in source_notebook.cells:
        if is_answer_cell(cell):
            lines = [line for line in cell.source.splitlines() if line.strip() not in SOLUTION]
            answers[grade_id(cell)] = "\n".join(lines)
    return answers


def fill_answers(notebook, answers):
    """A copy of `notebook` whose answer cells hold `answers` (grade_id -> source)."""
    notebook = nbformat.from_dict(notebook)
    unknown = set(answers)
    for cell in notebook.cells:
        if grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
            unknown.discard(grade_id(cell))
    if unknown:
        raise KeyError(f"no answer cell with grade_id {sorted(unknown)}")
    return notebook


def structure_problem(notebook):
    """Why a parsed notebook lacks the shape the graders rely on, or None."""
    if not isinstance(notebook.get("cells"), list) or not isinstance(
        notebook.get("metadata"), dict
    ):
        return "no list of cells"
    for cell in notebook.cells:
        if not isinstance(cell, dict) or cell.get("cell_type") not in CELL_TYPES:
            return "a cell without a known cell_type"
        if not isinstance(cell.get("source"), str) or not isinstance(cell.get("metadata"), dict):
            return "a cell without source text or metadata"
        if cell.cell_type == "code" and not isinstance(cell.get("outputs", []), list):
            return "a code cell whose outputs are not a list"
    return None


def read_problem(path):
    """Why the file at `path` is not a notebook nbgrader can grade, or None.

    The reason names the kind of problem, never the file's content (which may be
    anything a student uploaded).
    """
    return read_gradable(path)[1]


def read_gradable(path):
    """(the notebook at `path`, None), or (None, why nbgrader cannot grade it): read_problem's
    reasons, and the notebook read once when there is none."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        return None, f"cannot be read ({type(error).__name__})"
    if not data.strip():
        return None, "the file is empty"
    try:
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as error:  # any parse or schema failure means "not gradable"
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return None, f"{type(error).__name__}: {first.split(': ')[0]}"[:160]
    problem = structure_problem(notebook)
    return (None, problem) if problem else (notebook, None)


def read(path):
    """The notebook at `path` (nbformat 4)."""
    return nbformat.read(path, as_version=4)


def with_kernel_metadata(notebook):
    """`notebook` with KERNEL_METADATA in its metadata (changed in place, and returned).

    The one place that writes it: `make release`, `make translate` and
    `python -m coursekit.notebooks FILE...` (for notebooks written by hand) call it.
    """
    for key, value in KERNEL_METADATA.items():
        notebook.metadata[key] = nbformat.from_dict(copy.deepcopy(value))
    return notebook


def lacks_kernel_metadata(notebook):
    """The metadata keys whose stored value differs from what the kernel fills in."""
    return [key for key, value in KERNEL_METADATA.items() if notebook.metadata.get(key) != value]


def main(argv=None):
    """python -m coursekit.notebooks FILE...: give notebooks the kernel's metadata."""
    paths = [Path(arg) for arg in (sys.argv[1:] if argv is None else argv)]
    for path in paths:
        notebook = read(path)
        if lacks_kernel_metadata(notebook):
            nbformat.write(with_kernel_metadata(notebook), path)
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
