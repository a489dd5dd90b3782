"""release/ is exactly what nbgrader makes from source/ today.

The committed student versions are regenerated into a scratch copy of the
course and compared file by file, so a change to source/ that was not
released (or a hand edit of release/) fails here.
"""

import filecmp
import json

import pytest

from coursekit import release
from tests.grading import REPO, ScratchCourse

ASSIGNMENTS = release.assignments()


def files_under(folder):
    ignored = ("__pycache__", ".ipynb_checkpoints")
    return sorted(
        p.relative_to(folder)
        for p in folder.rglob("*")
        if p.is_file() and not any(part in ignored for part in p.parts)
    )


def comparable(notebook_path):
    """The notebook as JSON, without what nbgrader does not produce deterministically."""
    notebook = json.loads(notebook_path.read_text(encoding="utf-8"))
    notebook.get("metadata", {}).pop("widgets", None)
    return notebook


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    course = ScratchCourse(tmp_path_factory.mktemp("release") / "course")
    release.sync_shared_helpers(course.root)
    release.generate_release(course.root)
    return course.root / "release"


def test_every_assignment_is_released():
    assert ASSIGNMENTS, "source/ has no assignment"
    for assignment in ASSIGNMENTS:
        assert (REPO / "release" / assignment / f"{assignment}.ipynb").is_file()
    released = sorted(p.name for p in (REPO / "release").iterdir() if p.is_dir())
    assert released == ASSIGNMENTS


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_matches_a_fresh_generate_assignment(assignment, regenerated):
    committed = REPO / "release" / assignment
    fresh = regenerated / assignment
    assert files_under(committed) == files_under(fresh)
    for relpath in files_under(fresh):
        if relpath.suffix == ".ipynb":
            assert comparable(committed / relpath) == comparable(fresh / relpath), (
                f"release/{assignment}/{relpath} is stale: run `make release`"
            )
        else:
            assert filecmp.cmp(committed / relpath, fresh / relpath, shallow=False), (
                f"release/{assignment}/{relpath} differs from source: run `make release`"
            )


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_shared_helpers_are_exact_copies(assignment):
    for name in release.SHARED_HELPERS:
        master = REPO / "coursekit" / name
        copy = REPO / "source" / assignment / name
        assert copy.exists(), f"{copy} is missing: run `make release`"
        assert filecmp.cmp(master, copy, shallow=False), f"{copy} differs: run `make release`"
