"""Every stored notebook opens unchanged in JupyterLab: it holds what the kernel fills in.

JupyterLab puts the kernel's `language_info` (and kernelspec) into a notebook it opens; a
stored notebook without it opens as already changed, and closing it untouched asks "Save
your work?". coursekit.notebooks.with_kernel_metadata writes it, from ONE place: `make
release` (release/), `make translate` (the 繁體中文 lessons), and
`python -m coursekit.notebooks FILE...` for notebooks written by hand (course/, source/).
The browser suite (make test-browser) opens notebooks in the real kernel and checks that
no unsaved-changes dot appears.
"""

import nbformat
import pytest

from coursekit import notebooks
from coursekit.course import REPO

STORED = sorted(
    str(path.relative_to(REPO))
    for folder in ("course", "source", "release")
    for path in (REPO / folder).rglob("*.ipynb")
    if ".ipynb_checkpoints" not in path.parts
)


def test_there_are_stored_notebooks():
    assert len(STORED) >= 24 and any(p.startswith("release/") for p in STORED)


@pytest.mark.parametrize("relpath", STORED)
def test_stored_notebook_holds_what_the_kernel_fills_in(relpath):
    notebook = nbformat.read(REPO / relpath, as_version=4)
    missing = notebooks.lacks_kernel_metadata(notebook)
    assert not missing, (
        f"{relpath} lacks the kernel's {missing}: it would open as changed. "
        "Run `make release` (release/), `make translate` (*.zh-TW.ipynb) or "
        f"`.venv/bin/python -m coursekit.notebooks {relpath}`"
    )


def test_the_one_function_writes_exactly_the_kernel_metadata():
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["language_info"] = {"name": "python"}  # as nbgrader leaves it
    assert notebooks.lacks_kernel_metadata(notebook) == ["kernelspec", "language_info"]
    notebooks.with_kernel_metadata(notebook)
    assert notebooks.lacks_kernel_metadata(notebook) == []
    assert notebook.metadata.language_info.version.startswith("3.11.")
