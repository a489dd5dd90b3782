"""A two-minute nbgrader assignment for testing the instructor's tools.

The course's real assignments take longer to grade and change while they are
written; collection, feedback, export and gradebook tests only need an
assignment with an answer cell, a visible test and hidden tests.
"""

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from coursekit.notebooks import fill_answers

NAME = "tiny"

SOLUTION = """def double(x):
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION"""

TESTS = """assert double(1) == 2, "double(1) should be 2"
### BEGIN HIDDEN TESTS
assert double(-3) == -6, "double must work for negative numbers too"
assert double(21) == 42, "double(21) should be 42"
### END HIDDEN TESTS"""

CORRECT = "def double(x):\n    return x + x"
PARTIAL = "def double(x):\n    return abs(2 * x)"  # passes the visible test, fails a hidden one
BROKEN = "def double(x):\n    return undefined_name * 2"


def _meta(**fields):
    return {"nbgrader": {"schema_version": 3, "locked": False, "points": 0, **fields}}


def source_notebook():
    """The instructor version: one answer cell, one test cell worth 2 points."""
    notebook = new_notebook(
        cells=[
            new_markdown_cell("Write `double(x)`.", metadata=_meta(grade=False, solution=False)),
            new_code_cell(SOLUTION, metadata=_meta(grade=False, solution=True, grade_id="double")),
            new_code_cell(
                TESTS,
                metadata=_meta(grade=True, solution=False, locked=True, points=2, grade_id="test"),
            ),
        ]
    )
    notebook.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    for cell in notebook.cells:
        if not cell.metadata["nbgrader"]["grade"]:
            cell.metadata["nbgrader"].pop("points")
    return notebook


def hidden_test_lines():
    """Every non-trivial line between the hidden-test markers."""
    lines, inside = [], False
    for line in TESTS.splitlines():
        if "BEGIN HIDDEN TESTS" in line:
            inside = True
        elif "END HIDDEN TESTS" in line:
            inside = False
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


def solution_lines():
    """Every non-trivial line between the solution markers."""
    body = SOLUTION.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
    return [line.strip() for line in body.splitlines() if line.strip()]


def write_source(course, name=NAME):
    """Write the instructor notebook into a course's source/ (a coursekit.course.Course)."""
    folder = course.root / "source" / name
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(source_notebook(), folder / f"{name}.ipynb")


def add_to(course, name=NAME, gradebook=True):
    """Write the assignment into a course's source/ and generate the student version
    (`gradebook=False`: release/ only, as `generate_assignment --no-db`)."""
    write_source(course, name)
    course.generate(name, db=gradebook)
    return name


def answered(course, answer, name=NAME):
    """The released notebook with `answer` in the answer cell."""
    return fill_answers(course.release_notebook(name), {"double": answer})
