"""coursecheck, which every student gets, holds no answer to the assignments.

Students get coursecheck installed (make, Binder, a JupyterHub image, the hand-out
zip), so anything in it can be imported or read. Every callable of every module of
the package, public or private, is called with the inputs of the assignments'
answers: none may return the sigmoid, the Leaky ReLU (for any plausible alpha) or the
nine rows of data_Hw2.csv as dicts. The detector itself is checked on the
instructor's answers.

Students get coursecheck and never coursekit, so no module of coursecheck imports
coursekit. And the copy that is installed (what kernels and the grader import) is the
repository's: `make setup` after changing coursecheck/*.py.
"""

import ast
import importlib
import inspect
import json
import math
import pkgutil
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

import coursecheck
from coursecheck import figures
from coursecheck import leaky_relu_homework as homework
from coursekit.course import REPO
from tests.coursecheck import instructor_answers, rc_kept

SOURCE = REPO / "coursecheck"
MODULE_NAMES = sorted(module.name for module in pkgutil.iter_modules(coursecheck.__path__))
POINTS = [-1.0, 0.0, 2.0]
SIGMOID = [1 / (1 + math.exp(1.0)), 0.5, 1 / (1 + math.exp(-2.0))]
ALPHAS = [0.01, 0.0, 0.1, 0.2, 0.25, 0.3, 0.5, 1.0, 2.0, -0.5]
CSV_ROWS = [
    {"alpha": a, "x_min": lo, "x_max": hi}
    for a, lo, hi in [
        (0.0, -5.0, 5.0),
        (0.01, -5.0, 5.0),
        (0.01, -1.0, 0.1),
        (0.1, -10.0, 10.0),
        (0.2, -10.0, 10.0),
        (0.3, -10.0, 10.0),
        (1.0, -3.0, 3.0),
        (-0.5, -4.0, 4.0),
        (2.0, -2.0, 2.0),
    ]
]


def leaky(alpha):
    return [x if x >= 0 else alpha * x for x in POINTS]


def floats(value):
    """value as a flat list of floats, or None."""
    try:
        return [float(v) for v in np.ravel(np.asarray(value, dtype=float))]
    except (TypeError, ValueError):
        return None


def agrees(value, expected):
    got = floats(value)
    if got is None or len(got) != len(expected):
        return False
    return all(
        math.isclose(g, e, rel_tol=1e-6, abs_tol=1e-9) for g, e in zip(got, expected, strict=True)
    )


def is_the_csv(value):
    """True for the nine rows of data_Hw2.csv as dicts (of floats or of strings)."""
    if not isinstance(value, list) or len(value) != len(CSV_ROWS):
        return False
    for got, wanted in zip(value, CSV_ROWS, strict=True):
        if not isinstance(got, dict) or set(got) != set(wanted):
            return False
        try:
            if any(float(got[key]) != wanted[key] for key in wanted):
                return False
        except (TypeError, ValueError):
            return False
    return True


def attempt(function, *args):
    """function(*args), or None when it raises (helpers given odd input), without warnings."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return function(*args)
        except Exception:  # noqa: BLE001 - any failure means "not an answer"
            return None


def answers_found(callables, csv_path):
    """Names of the callables that compute an answer: 'name: sigmoid' etc."""
    array = np.array(POINTS)
    found = []
    for name, function in callables:
        whole = attempt(function, array)
        one_by_one = [attempt(function, x) for x in POINTS]
        if agrees(whole, SIGMOID) or agrees(one_by_one, SIGMOID):
            found.append(f"{name}: sigmoid")
        if agrees(whole, leaky(0.01)) or agrees(one_by_one, leaky(0.01)):
            found.append(f"{name}: leaky ReLU")
        for alpha in ALPHAS:
            whole = attempt(function, array, alpha)
            one_by_one = [attempt(function, x, alpha) for x in POINTS]
            if agrees(whole, leaky(alpha)) or agrees(one_by_one, leaky(alpha)):
                found.append(f"{name}: leaky ReLU with alpha = {alpha}")
                break
        for path in (str(csv_path), csv_path):
            if is_the_csv(attempt(function, path)):
                found.append(f"{name}: reads data_Hw2.csv")
                break
    return found


def callables_of(module):
    """Every function and class of a module, public and private, and the methods of its classes."""
    found = []
    for name, value in vars(module).items():
        if name.startswith("__") or not callable(value) or inspect.ismodule(value):
            continue
        found.append((f"{module.__name__}.{name}", value))
        if inspect.isclass(value):
            for method_name, method in vars(value).items():
                if inspect.isfunction(method):
                    found.append((f"{module.__name__}.{name}.{method_name}", method))
    return found


@pytest.fixture
def csv_path(tmp_path, monkeypatch):
    copy = tmp_path / "data_Hw2.csv"
    shutil.copyfile(REPO / "source" / "leaky_relu_homework" / "data_Hw2.csv", copy)
    monkeypatch.chdir(tmp_path)  # and as "data_Hw2.csv", the file of the notebook's folder
    return copy


@pytest.fixture
def untouched_state(monkeypatch):
    """What calling every callable may change (rcParams, remembered figures, drawings), put back."""
    monkeypatch.setattr(figures, "_remembered", list(figures._remembered))
    monkeypatch.setattr(homework, "_drawings", {})
    with rc_kept():
        yield
        plt.close("all")


def test_the_package_has_the_modules_it_documents():
    assert MODULE_NAMES == [
        "calls",
        "failures",
        "figures",
        "grids",
        "leaky_relu_homework",
        "numbers",
        "sigmoid_exercise",
    ]


@pytest.mark.parametrize("name", MODULE_NAMES)
def test_no_module_of_coursecheck_computes_an_answer(name, csv_path, untouched_state):
    module = importlib.import_module(f"coursecheck.{name}")
    callables = callables_of(module)
    assert callables, f"no callables found in coursecheck.{name}"
    assert answers_found(callables, csv_path) == []
    assert answers_found(callables_of(coursecheck), csv_path) == []


def test_the_detector_finds_the_instructors_answers(csv_path):
    """The check above can fail: on the solutions' own code it reports every answer."""
    import csv

    def stable_sigmoid(x):
        x = np.asarray(x, dtype=float)
        z = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))

    def scalar_sigmoid(x):
        return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))

    def leaky_relu(x, alpha):  # no default alpha: found through the alphas tried
        return x if x >= 0 else alpha * x

    def float_rows(path):
        with open(path, newline="", encoding="utf-8") as file:
            return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(file)]

    callables = [
        ("stable_sigmoid", stable_sigmoid),
        ("scalar_sigmoid", scalar_sigmoid),
        ("leaky_relu", leaky_relu),
        ("float_rows", float_rows),
        ("exp", math.exp),
    ]
    assert answers_found(callables, csv_path) == [
        "stable_sigmoid: sigmoid",
        "scalar_sigmoid: sigmoid",
        "leaky_relu: leaky ReLU with alpha = 0.01",
        "float_rows: reads data_Hw2.csv",
    ]


def test_the_detector_finds_the_answers_of_the_source_notebooks(csv_path):
    sigmoid = instructor_answers("sigmoid_exercise", "answer_sigmoid")
    homework_answers = instructor_answers(
        "leaky_relu_homework", "answer_leaky_relu", "answer_load_params"
    )
    callables = [
        ("sigmoid", sigmoid["sigmoid"]),
        ("leaky_relu", homework_answers["leaky_relu"]),
        ("load_params", homework_answers["load_params"]),
    ]
    assert answers_found(callables, csv_path) == [
        "sigmoid: sigmoid",
        "leaky_relu: leaky ReLU",  # with its default alpha
        "leaky_relu: leaky ReLU with alpha = 0.01",
        "load_params: reads data_Hw2.csv",
    ]


# --- What students get: coursecheck, as installed, without coursekit -------------------------


def imported_modules(path):
    """Names of the modules a Python file imports (absolute, or by import_module("...") )."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            function = node.func
            name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    return found


def test_no_module_of_coursecheck_imports_coursekit():
    files = sorted(SOURCE.glob("*.py"))
    assert len(files) == len(MODULE_NAMES) + 1  # and __init__.py
    importing = {
        path.name: sorted(
            name for name in imported_modules(path) if name.split(".")[0] == "coursekit"
        )
        for path in files
    }
    assert {name: found for name, found in importing.items() if found} == {}
    assert {"coursecheck.failures", "numpy"} <= imported_modules(SOURCE / "calls.py")  # it reads


INSTALLED = """\
import importlib, json, pkgutil, sys
import coursecheck
for module in pkgutil.iter_modules(coursecheck.__path__):
    importlib.import_module("coursecheck." + module.name)
print(json.dumps({
    "folder": coursecheck.__path__[0],
    "coursekit": sorted(name for name in sys.modules if name.split(".")[0] == "coursekit"),
}))
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """What a Python started away from the repository imports as coursecheck (all modules)."""
    folder = tmp_path_factory.mktemp("elsewhere")
    result = subprocess.run(
        [sys.executable, "-I", "-c", INSTALLED],  # -I: no PYTHONPATH, no current folder
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        pytest.fail(
            "the installed coursecheck is out of date: run `make setup` "
            f"(importing it failed: {result.stderr.strip()[-500:]})"
        )
    return json.loads(result.stdout)


def test_the_installed_coursecheck_is_the_repositorys(installed):
    folder = Path(installed["folder"])
    assert folder != SOURCE, "a Python started elsewhere imported the repository's coursecheck"
    ours = {path.name: path.read_bytes() for path in SOURCE.glob("*.py")}
    theirs = {path.name: path.read_bytes() for path in folder.glob("*.py")}
    different = sorted(
        name for name in ours.keys() | theirs.keys() if ours.get(name) != theirs.get(name)
    )
    assert not different, (
        f"the installed coursecheck is out of date: run `make setup` ({', '.join(different)} "
        f"differ between {SOURCE} and {folder})"
    )


def test_the_installed_coursecheck_loads_no_coursekit(installed):
    assert installed["coursekit"] == []
