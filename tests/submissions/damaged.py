"""Correct answers in damaged notebooks: each must earn full marks, with its recovery noted.

What honest students do to a notebook without meaning to: paste their answers into a
fresh notebook, use an editor that drops nbgrader's metadata, rename the file,
duplicate, move, split or retype cells. nbgrader alone gives most of these 0 or
does not grade them at all (upstream issue #1941). The last entry is a notebook
that is not the assignment at all: a recorded 0, with the reason.

Each entry: the assignment, what happened, a function that damages the instructor's
answers filled into the released notebook, the file name it is handed in as, and
the words the recovery note must contain.
"""

import copy
from collections.abc import Callable
from typing import NamedTuple

import nbformat
from nbformat.v4 import new_notebook

from coursekit import notebooks
from coursekit.course import REPO


class Damaged(NamedTuple):
    name: str
    what: str
    assignment: str
    damage: Callable  # (answered notebook) -> notebook as handed in
    file_name: str | None = None  # None: the assignment's own name
    note: str = "matched back"  # words the "recovered" note must hold
    full_marks: bool = True


def strip_metadata(notebook):
    for cell in notebook.cells:
        cell.metadata.pop("nbgrader", None)
        cell.metadata.pop("editable", None)
        cell.metadata.pop("deletable", None)
    return notebook


def only_answers(notebook):
    """The answer cells alone, pasted into a fresh notebook (new ids, no metadata)."""
    fresh = new_notebook()
    for cell in notebook.cells:
        if notebooks.is_answer_cell(cell) and cell.cell_type == "code":
            fresh.cells.append(nbformat.v4.new_code_cell(cell.source))
    return fresh


def move_before(notebook, moved, anchor):
    cells = notebook.cells
    index = next(i for i, cell in enumerate(cells) if notebooks.grade_id(cell) == moved)
    cell = cells.pop(index)
    target = next(i for i, other in enumerate(cells) if notebooks.grade_id(other) == anchor)
    cells.insert(target, cell)
    return notebook


def duplicate(notebook, grade_id):
    index = next(i for i, cell in enumerate(notebook.cells) if notebooks.grade_id(cell) == grade_id)
    twin = copy.deepcopy(notebook.cells[index])
    twin["id"] = twin["id"] + "-copy"
    notebook.cells.insert(index, twin)
    return notebook


def split_sigmoid(notebook):
    """JupyterLab's split cell: the halves keep the same nbgrader metadata."""
    index = next(
        i for i, cell in enumerate(notebook.cells) if notebooks.grade_id(cell) == "answer_sigmoid"
    )
    first = copy.deepcopy(notebook.cells[index])
    first["id"] = first["id"] + "-split"
    first.source = (
        "def stable_sigmoid(x):\n"
        "    x = np.asarray(x, dtype=float)\n"
        "    z = np.exp(-np.abs(x))\n"
        "    y = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))\n"
        "    return y if y.ndim else float(y)"
    )
    notebook.cells[index].source = "def sigmoid(x):\n    return stable_sigmoid(x)"
    notebook.cells.insert(index, first)
    return notebook


def retype(grade_id, cell_type):
    def change(notebook):
        for cell in notebook.cells:
            if notebooks.grade_id(cell) == grade_id:
                cell["cell_type"] = cell_type
                cell.pop("outputs", None)
                cell.pop("execution_count", None)
        return notebook

    return change


def garbage_metadata(notebook):
    for number, cell in enumerate(notebook.cells):
        if "nbgrader" in cell.metadata:
            cell.metadata["nbgrader"] = "lost" if number % 2 else {"grade_id": 42}
    return notebook


def old_format_without_ids(notebook):
    notebook = strip_metadata(notebook)
    notebook.nbformat_minor = 4
    for cell in notebook.cells:
        cell.pop("id", None)
    return notebook


def a_lesson_instead(notebook):
    return nbformat.read(REPO / "course" / "03_sigmoid_and_tanh.ipynb", as_version=4)


CORPUS = [
    Damaged(
        "metadata_stripped",
        "an editor that dropped every cell's nbgrader metadata",
        "sigmoid_exercise",
        strip_metadata,
    ),
    Damaged(
        "answers_pasted_into_a_fresh_notebook",
        "the four answer cells alone, pasted into a new notebook",
        "sigmoid_exercise",
        only_answers,
    ),
    Damaged(
        "answer_moved_and_stripped",
        "the sigmoid answer moved above X, and every cell's metadata lost",
        "sigmoid_exercise",
        lambda nb: strip_metadata(move_before(nb, "answer_sigmoid", "answer_X")),
    ),
    Damaged(
        "cells_duplicated",
        "an answer and a test cell copied and pasted (same metadata twice)",
        "sigmoid_exercise",
        lambda nb: duplicate(duplicate(nb, "answer_X"), "test_sigmoid_values"),
        note="",
    ),
    Damaged(
        "answer_split",
        "the sigmoid answer split in two cells (both keep its metadata)",
        "sigmoid_exercise",
        split_sigmoid,
        note="",
    ),
    Damaged(
        "answer_turned_into_markdown",
        "the X answer cell changed to a markdown cell",
        "sigmoid_exercise",
        retype("answer_X", "markdown"),
        note="cell type restored",
    ),
    Damaged(
        "metadata_garbled",
        "nbgrader metadata replaced by a string or a wrong grade_id",
        "sigmoid_exercise",
        garbage_metadata,
    ),
    Damaged(
        "old_format_without_ids",
        "saved by an old editor: nbformat 4.4, no cell ids, no nbgrader metadata",
        "sigmoid_exercise",
        old_format_without_ids,
    ),
    Damaged(
        "renamed_notebook",
        "handed in as 我的作業.ipynb",
        "leaky_relu_homework",
        lambda nb: nb,
        file_name="我的作業.ipynb",
        note="handed in as 我的作業.ipynb",
    ),
    Damaged(
        "renamed_and_stripped",
        "handed in as Untitled1.ipynb, saved by an editor that dropped the metadata",
        "leaky_relu_homework",
        strip_metadata,
        file_name="Untitled1.ipynb",
        note="handed in as Untitled1.ipynb",
    ),
    Damaged(
        "a_lesson_instead",
        "lesson 3 handed in instead of the exercise: nothing of it belongs to the assignment",
        "sigmoid_exercise",
        a_lesson_instead,
        note="",
        full_marks=False,
    ),
]
