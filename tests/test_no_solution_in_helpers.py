"""The helper files released to students hold no answer to the assignments.

release/<assignment>/plotcheck.py (and any other .py file released) is next to the
student's notebook, so anything in it can be imported or read. Every callable in it,
public or private, is called with the inputs of the assignments' answers: none may
return the sigmoid, the Leaky ReLU (for any plausible alpha) or the nine rows of
data_Hw2.csv as dicts. The detector itself is checked on the instructor's answers.
"""

import importlib.util
import inspect
import math
import shutil
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tests.grading import REPO  # noqa: E402

RELEASED_HELPERS = sorted((REPO / "release").glob("*/*.py"))
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
        with matplotlib.rc_context():  # a helper that installs figure hooks changes nothing
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
        found.append((name, value))
        if inspect.isclass(value):
            for method_name, method in vars(value).items():
                if inspect.isfunction(method):
                    found.append((f"{name}.{method_name}", method))
    return found


def load(path):
    """Import a released helper file as a module of its own."""
    module_name = f"released_{path.parent.name}_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def csv_path(tmp_path):
    copy = tmp_path / "data_Hw2.csv"
    shutil.copyfile(REPO / "source" / "leaky_relu_homework" / "data_Hw2.csv", copy)
    return copy


def test_there_are_released_helpers():
    assert any(path.name == "plotcheck.py" for path in RELEASED_HELPERS)


@pytest.mark.parametrize("path", RELEASED_HELPERS, ids=lambda p: str(p.relative_to(REPO)))
def test_no_released_helper_computes_an_answer(path, csv_path):
    module = load(path)
    callables = callables_of(module)
    assert len(callables) > 10 or path.name != "plotcheck.py", "plotcheck's functions not found"
    assert answers_found(callables, csv_path) == []


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
