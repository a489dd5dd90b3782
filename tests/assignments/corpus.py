"""Grading a corpus of student-like submissions in one run, for the assignment tests.

The corpora are graded by `make grade` (Course.grade: every core, the grades plain
`nbgrader autograde` gives, which tests/coursekit/test_grade.py proves); the hostile
corpus is graded by plain `nbgrader autograde`, so both ways meet every kind of work.
"""

import shutil

from nbclient import NotebookClient

from coursekit import notebooks
from coursekit.course import REPO


def grade_corpus(course, assignment, answers_by_student, common_answers=None):
    """Grade, in ONE `make grade` run of the course's configuration, the instructor's solution
    (as student "solution"), the untouched student version ("untouched") and one student per
    entry of `answers_by_student` (name -> {grade_id: source}); return the gradebook's results.

    `common_answers` fills cells every corpus student answers the same way.
    """
    course.generate(assignment)
    release = course.release_notebook(assignment)
    solution = notebooks.solution_answers(course.source_notebook(assignment))
    course.submit("solution", assignment, notebooks.fill_answers(release, solution))
    course.submit("untouched", assignment, release)
    for name, answers in answers_by_student.items():
        notebook = notebooks.fill_answers(release, {**(common_answers or {}), **answers})
        course.submit(name, assignment, notebook)
    outcome = course.grade(assignment)
    assert outcome["success"], outcome.get("log", "") + outcome.get("error", "")
    return course.results(assignment)


def stderr_in_test_cells(course, assignment, test_cells):
    """(student, grade_id) of every graded test cell that wrote to stderr, which nbgrader
    punishes with 0 points: a check must turn a warning into a failed assert."""
    found = []
    for folder in sorted((course.root / "autograded").glob(f"*/{assignment}")):
        student = folder.parent.name
        for cell in course.graded_notebook(student, assignment).cells:
            streams = [o for o in cell.get("outputs", []) if o.output_type == "stream"]
            if notebooks.grade_id(cell) in test_cells and any(o.name == "stderr" for o in streams):
                found.append((student, notebooks.grade_id(cell)))
    return found


def run_visible_tests(tmp_path, assignment, answers):
    """The released notebook with `answers`, run top to bottom as Validate does; raises
    CellExecutionError when a visible test fails."""
    folder = tmp_path / assignment
    shutil.copytree(REPO / "release" / assignment, folder)
    notebook = notebooks.read(folder / f"{assignment}.ipynb")
    notebook = notebooks.fill_answers(notebook, answers)
    client = NotebookClient(
        notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": folder}}
    )
    client.execute()
    return notebook
