"""The hand-out zips (`make handout`): what students download from eLearn for Anaconda or Colab.

Each zip is checked for what it holds (the released notebook, its data, coursecheck,
a bilingual README.txt; nothing from source/), for solution and hidden-test lines,
and by running it as a student would: unzipped into a temporary folder and run in a
fresh kernel of a Python environment WITHOUT coursecheck installed.

Why such an environment, rather than `python -I` or a sys.path edit in a first cell:
`-I` implies `-P` (safe path), and then IPython leaves the kernel's working folder
off sys.path, which is the very mechanism the zip relies on; and a first cell would
change the notebook the test runs. So the kernel runs in a throw-away virtual
environment holding links to every package of .venv except coursecheck (like a
student's Anaconda: numpy, matplotlib, ipykernel, no course package), started as
`python -E -s -m ipykernel_launcher` (no PYTHONPATH, no user site-packages) with
its working folder = the unzipped folder, exactly as Jupyter and Colab start it.
The only coursecheck it can import is the folder beside the notebook; the test
shows that the same interpreter cannot import it from an empty folder.
"""

import json
import re
import subprocess
import sysconfig
import venv
import zipfile
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from coursekit import notebooks
from coursekit.apps import bundle, handout

REPO = bundle.REPO
ASSIGNMENTS = bundle.assignments()
CHECK_FILES = sorted(f"coursecheck/{p.name}" for p in (REPO / "coursecheck").glob("*.py"))


@pytest.fixture(scope="module")
def zips(tmp_path_factory):
    written = handout.write_handouts(tmp_path_factory.mktemp("handout"))
    return {path.stem: path for path in written}


def members(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def data_files(assignment):
    folder = REPO / "release" / assignment
    return sorted(p.name for p in folder.iterdir() if p.is_file() and p.suffix != ".ipynb")


def test_each_zip_holds_the_released_notebook_its_data_coursecheck_and_a_readme(zips, tmp_path):
    assert sorted(zips) == ASSIGNMENTS
    for assignment, path in zips.items():
        files = members(path)
        notebook = f"{assignment}.ipynb"
        assert sorted(files) == sorted(
            [notebook, "README.txt", *data_files(assignment), *CHECK_FILES]
        )
        release = REPO / "release" / assignment
        assert files[notebook] == (release / notebook).read_bytes()
        for name in data_files(assignment):
            assert files[name] == (release / name).read_bytes()
        for name in CHECK_FILES:
            assert files[name] == (REPO / name).read_bytes()
        # never a file of source/ (the instructor's notebook differs from the released one)
        source_files = [p.read_bytes() for p in (REPO / "source" / assignment).iterdir()]
        released = {(release / name).read_bytes() for name in [notebook, *data_files(assignment)]}
        assert not [
            data for data in files.values() if data in source_files and data not in released
        ]
    # the same files give the same zip, byte for byte
    again = handout.write_handouts(tmp_path, only=[ASSIGNMENTS[0]])
    assert again[0].read_bytes() == zips[ASSIGNMENTS[0]].read_bytes()
    with pytest.raises(ValueError, match="no released assignment"):
        handout.write_handouts(tmp_path, only=["sigmoid_exercise_solution"])


def test_readme_tells_anaconda_and_colab_users_what_to_do_in_both_languages(zips):
    for assignment, path in zips.items():
        readme = members(path)["README.txt"].decode("utf-8-sig")
        assert f'!unzip -o {assignment}.zip -x "*.ipynb"' in readme  # Colab, after uploading it
        for words in ["Anaconda Navigator", "Extract All", "File > Upload notebook", "Colab"]:
            assert words in readme
        for words in ["解壓縮", "上傳筆記本", "繳交", "隱藏測試"]:
            assert words in readme
        assert readme.count("學號_組別_姓名_Activation functions.ipynb") == 2
        for name in data_files(assignment):
            assert name in readme


def test_no_solution_or_hidden_test_line_in_any_zip(zips):
    secrets = bundle.secret_lines()
    assert len(secrets) > 50
    for path in zips.values():
        files = members(path)
        assert bundle.leaks(files.items(), secrets) == []
        for data in files.values():
            assert not notebooks.MARKER.search(data.decode("utf-8", errors="replace"))
    # the scan would find the instructor's notebook, and the command would refuse it
    assignment = ASSIGNMENTS[0]
    source = (REPO / "source" / assignment / f"{assignment}.ipynb").read_bytes()
    with pytest.raises(bundle.LeakError, match="solution or hidden-test"):
        bundle.refuse_leaks([*members(zips[assignment]).items(), ("planted.ipynb", source)])


# --- a student's own Jupyter: the zip unzipped, coursecheck NOT installed ------------


@pytest.fixture(scope="module")
def kernel_without_coursecheck(tmp_path_factory):
    """A kernel spec whose Python has .venv's packages, coursecheck excepted (see above)."""
    folder = tmp_path_factory.mktemp("student-python")
    environment = folder / "env"
    venv.create(environment, with_pip=False, symlinks=True)
    ours = Path(sysconfig.get_path("purelib", vars={"base": str(environment)}))
    for entry in Path(sysconfig.get_path("purelib")).iterdir():
        if entry.name.lower().startswith("coursecheck") or entry.name.startswith("__editable__"):
            continue
        if entry.suffix == ".pth" and "coursecheck" in entry.read_text(errors="replace"):
            continue
        (ours / entry.name).symlink_to(entry)
    python = environment / "bin" / "python"
    spec = folder / "kernels" / "student"
    spec.mkdir(parents=True)
    argv = [str(python), "-E", "-s", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Student", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel))
    return python, KernelSpecManager(kernel_dirs=[str(folder / "kernels")])


def run_in_student_kernel(path, kernel):
    """Run the notebook at `path` top to bottom in a fresh kernel working in its folder."""
    _, specs = kernel
    notebook = nbformat.read(path, 4)
    manager = KernelManager(kernel_name="student", kernel_spec_manager=specs)
    client = NotebookClient(
        notebook,
        km=manager,
        timeout=60,
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return notebook


def scored_test(cell):
    """A test cell that gives points (not the homework's 0-point rubric cell)."""
    return notebooks.is_test_cell(cell) and bool(notebooks.nbgrader_metadata(cell).get("points"))


def errors(cell):
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


def stderr(cell):
    return "".join(o.text for o in cell.get("outputs", []) if o.get("name") == "stderr")


def test_the_student_python_has_no_coursecheck_of_its_own(kernel_without_coursecheck, tmp_path):
    python, _ = kernel_without_coursecheck
    probe = "import importlib.util as u, numpy, matplotlib; print(u.find_spec('coursecheck'))"
    found = subprocess.run(
        [str(python), "-E", "-s", "-c", probe], cwd=tmp_path, capture_output=True, text=True
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == "None"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_unzipped_the_solution_passes_and_the_untouched_notebook_fails_with_messages(
    assignment, zips, kernel_without_coursecheck, tmp_path
):
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(zips[assignment]) as archive:
        archive.extractall(folder)
    untouched = folder / f"{assignment}.ipynb"
    source = nbformat.read(REPO / "source" / assignment / f"{assignment}.ipynb", 4)
    answered = notebooks.fill_answers(
        nbformat.read(untouched, 4), notebooks.solution_answers(source)
    )
    answered.cells.append(
        nbformat.v4.new_code_cell("import coursecheck\nprint(coursecheck.__file__)")
    )
    nbformat.write(answered, folder / "answered.ipynb")

    ran = run_in_student_kernel(folder / "answered.ipynb", kernel_without_coursecheck)
    for cell in ran.cells:
        assert not errors(cell) and not stderr(cell), (notebooks.grade_id(cell), cell.outputs)
    imported_from = ran.cells[-1].outputs[0].text.strip()
    assert Path(imported_from) == folder / "coursecheck" / "__init__.py"

    ran = run_in_student_kernel(untouched, kernel_without_coursecheck)
    setup = next(cell for cell in ran.cells if notebooks.grade_id(cell) == "setup")
    assert not errors(setup) and not stderr(setup)  # coursecheck imported from the folder
    tests = [cell for cell in ran.cells if scored_test(cell)]
    assert len(tests) >= 5
    for cell in tests:
        [error] = errors(cell)
        assert error.ename in ("AssertionError", "NameError"), (cell.source, error)
        assert error.evalue.strip(), cell.source
    # the checks that call a student's function explain what went wrong, in both languages
    told = [errors(cell)[0].evalue for cell in tests if errors(cell)[0].ename == "AssertionError"]
    assert told and all(re.search("[\u4e00-\u9fff]", message) for message in told)
    assert any("NotImplementedError" in message for message in told)
