"""Every lesson and instructor notebook is stored clean and runs top to bottom.

Each notebook runs on a fresh kernel in a temporary copy of its folder (so
that nothing it writes lands in the repository), offline, with no error and
nothing at all on stderr: a warning in a lesson is a bug. The 繁體中文 edition
(*.zh-TW.ipynb) has the English notebooks' code cells, cell for cell
(test_translations.py), so running the English notebooks runs its code too.
How fast they run is measured by `make bench` (benchmarks/lessons.py), not here.
"""

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from coursekit.course import REPO

NOTEBOOKS = sorted(
    path.relative_to(REPO)
    for folder in ("course", "source")
    for path in (REPO / folder).rglob("*.ipynb")
    if ".ipynb_checkpoints" not in path.parts
)
TO_RUN = [path for path in NOTEBOOKS if not path.name.endswith(".zh-TW.ipynb")]
TIMEOUT = 120  # seconds; a hang, not slowness (make bench measures that)


def test_the_course_has_notebooks():
    assert any(path.parts[0] == "course" for path in NOTEBOOKS)


@pytest.mark.parametrize("relpath", NOTEBOOKS, ids=str)
def test_stored_without_outputs(relpath):
    notebook = nbformat.read(REPO / relpath, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    assert notebook.metadata.kernelspec.language == "python"
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {index} is stored with outputs"
            assert cell.execution_count is None, f"cell {index} has an execution count"


def error_and_stderr_outputs(notebook):
    problems = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                problems.append(f"cell {index}: {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr":
                problems.append(f"cell {index} wrote to stderr: {output.text.strip()}")
    return problems


@pytest.mark.parametrize("relpath", TO_RUN, ids=str)
def test_runs_top_to_bottom_quietly(relpath, tmp_path):
    folder = tmp_path / relpath.parent.name
    shutil.copytree(REPO / relpath.parent, folder)
    notebook = nbformat.read(folder / relpath.name, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=TIMEOUT,
        allow_errors=True,
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()
    assert error_and_stderr_outputs(notebook) == []


def test_no_notebook_in_course_needs_the_network():
    markers = ("urlopen", "requests.get", "urlretrieve", "pip install", "!wget", "!curl")
    for relpath in NOTEBOOKS:
        text = Path(REPO / relpath).read_text(encoding="utf-8")
        found = [marker for marker in markers if marker in text]
        assert not found, f"{relpath} mentions {found}"


LINK = re.compile(r"\]\(([^)#\s]+\.(?:ipynb|py|csv|md))(?:#[^)]*)?\)")


@pytest.mark.parametrize("relpath", NOTEBOOKS, ids=str)
def test_links_between_notebooks_resolve(relpath):
    """Every relative link in a markdown cell points at a file of the repository."""
    notebook = nbformat.read(REPO / relpath, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for target in LINK.findall(cell.source):
            if "://" in target:
                continue
            assert (REPO / relpath.parent / target).resolve().is_file(), f"{relpath}: {target}"


def test_the_index_links_every_lesson_and_assignment():
    index = (REPO / "course" / "00_index.ipynb").read_text(encoding="utf-8")
    lessons = sorted(
        p.name for p in (REPO / "course").glob("0[1-9]_*.ipynb") if ".zh-TW" not in p.name
    )
    assert len(lessons) == 9
    for name in lessons:
        assert f"]({name})" in index, name
    for assignment in sorted(p.name for p in (REPO / "source").iterdir() if p.is_dir()):
        assert f"../release/{assignment}/{assignment}.ipynb" in index, assignment
