"""release/ is exactly what nbgrader makes from source/ today (coursekit/apps/release.py).

The committed student versions are regenerated into a scratch copy of the course,
the way `make release` does it (in this process, without a gradebook), and compared
file by file, so a change to source/ that was not released (or a hand edit of
release/) fails here. The checks the test cells import are the installed package
coursecheck: no Python file is copied next to the notebooks any more.
"""

import filecmp
import json

import pytest

from coursekit.apps import release
from coursekit.course import REPO, Course

ASSIGNMENTS = release.assignments()
IGNORED = ("__pycache__", ".ipynb_checkpoints")


def files_under(folder):
    return sorted(
        p.relative_to(folder)
        for p in folder.rglob("*")
        if p.is_file() and not any(part in IGNORED for part in p.parts)
    )


def comparable(notebook_path):
    """The notebook as JSON, without what nbgrader does not produce deterministically."""
    notebook = json.loads(notebook_path.read_text(encoding="utf-8"))
    notebook.get("metadata", {}).pop("widgets", None)
    return notebook


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    course = Course.from_repository(tmp_path_factory.mktemp("release") / "course")
    release.generate_release(course.root)
    # `make release` runs where release/ exists already: a second run must replace it
    release.generate_release(course.root)
    return course.root


def test_every_assignment_is_released():
    assert ASSIGNMENTS, "source/ has no assignment"
    for assignment in ASSIGNMENTS:
        assert (REPO / "release" / assignment / f"{assignment}.ipynb").is_file()
    released = sorted(p.name for p in (REPO / "release").iterdir() if p.is_dir())
    assert released == ASSIGNMENTS


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_matches_a_fresh_generate_assignment(assignment, regenerated):
    committed = REPO / "release" / assignment
    fresh = regenerated / "release" / assignment
    assert files_under(committed) == files_under(fresh), "run `make release`"
    for relpath in files_under(fresh):
        if relpath.suffix == ".ipynb":
            assert comparable(committed / relpath) == comparable(fresh / relpath), (
                f"release/{assignment}/{relpath} is stale: run `make release`"
            )
        else:
            assert filecmp.cmp(committed / relpath, fresh / relpath, shallow=False), (
                f"release/{assignment}/{relpath} differs from source: run `make release`"
            )


def test_regenerating_the_release_makes_no_gradebook(regenerated):
    # generate_assignment --no-db: `make release` leaves no gradebook.db in the repository
    assert not (regenerated / "gradebook.db").exists()


@pytest.mark.parametrize("folder", ["source", "release"])
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_assignment_folders_hold_notebooks_and_data_only(folder, assignment):
    """The checks come from the installed package coursecheck, never a copy beside the
    notebook: a .py file here would shadow it (the student's folder comes first on sys.path)."""
    files = files_under(REPO / folder / assignment)
    assert f"{assignment}.ipynb" in [str(path) for path in files]
    python = [str(path) for path in files if path.suffix in (".py", ".pyc", ".pyw")]
    assert not python, f"{folder}/{assignment} holds Python files: {python}"
