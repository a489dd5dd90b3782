"""The course's CheckCellMetadata finds what nbgrader's finds, with the same errors."""

import copy

import pytest
from nbgrader.nbgraderformat import MetadataValidator as NbgraderValidator
from nbgrader.nbgraderformat import ValidationError

from coursekit import notebooks
from coursekit.course import REPO
from coursekit.preprocessors.check_cell_metadata import CheckCellMetadata, MetadataValidator

SOURCE = REPO / "source" / "sigmoid_exercise" / "sigmoid_exercise.ipynb"


def first_graded(notebook):
    return next(cell for cell in notebook.cells if notebooks.is_test_cell(cell))


def damage(change):
    notebook = notebooks.read(SOURCE)
    change(first_graded(notebook).metadata.nbgrader)
    return notebook


DAMAGES = {
    "intact": lambda meta: None,
    "points are text": lambda meta: meta.update(points="ten"),
    "grade is not a boolean": lambda meta: meta.update(grade="yes"),
    "no grade id": lambda meta: meta.pop("grade_id"),
    "empty grade id": lambda meta: meta.update(grade_id=""),
    "no points": lambda meta: meta.pop("points"),
    "schema too new": lambda meta: meta.update(schema_version=99),
    "schema too old": lambda meta: meta.update(schema_version=1),
    "an unknown key": lambda meta: meta.update(surprise=True),
}


def outcome(validator_class, notebook):
    try:
        validator_class().validate_nb(copy.deepcopy(notebook))
    except (ValidationError, Exception) as error:  # noqa: BLE001 - compared below
        return type(error).__name__, str(error)
    return None


@pytest.mark.parametrize("name", DAMAGES)
def test_the_same_verdict_as_nbgrader(name):
    notebook = damage(DAMAGES[name])
    assert outcome(MetadataValidator, notebook) == outcome(NbgraderValidator, notebook)


def test_a_duplicate_grade_id_is_refused_as_nbgrader_refuses_it():
    notebook = notebooks.read(SOURCE)
    notebook.cells.append(copy.deepcopy(first_graded(notebook)))
    found = outcome(MetadataValidator, notebook)
    assert found is not None and "Duplicate grade id" in found[1]
    assert found == outcome(NbgraderValidator, notebook)


def test_the_preprocessor_refuses_a_corrupt_notebook():
    with pytest.raises(ValidationError, match="nbgrader metadata may be corrupted"):
        CheckCellMetadata().preprocess(damage(DAMAGES["points are text"]), {})
    notebook = notebooks.read(SOURCE)
    assert CheckCellMetadata().preprocess(notebook, {})[0] is notebook
