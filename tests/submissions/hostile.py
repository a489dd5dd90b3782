"""Hostile and broken submissions of sigmoid_exercise, each with the outcome grading must give.

Every entry starts from the instructor's own answers (a correct student) and
adds one attack, so the expected score is exact: full marks, or the tests that
the attack itself makes fail. `lost` names the test cells that must score 0;
every other test cell keeps its points. `shows` is text that must appear in the
outputs of the student's graded notebook (proof that the attack ran and what
stopped it); no output may contain "LEAKED".

Payload placeholders, filled in by the test: @COURSE@ (absolute course root),
@PORT@ (a TCP port listening on 127.0.0.1 on the grading machine), @SECRET@
(the value of a secret environment variable of the grading process).
"""

import copy
from collections.abc import Callable
from typing import NamedTuple

import nbformat

ASSIGNMENT = "sigmoid_exercise"
ALL_TESTS = (
    "test_X",
    "test_sigmoid_values",
    "test_sigmoid_stable",
    "test_sigmoid_shapes",
    "test_Y",
    "test_plot",
)
AFTER_Y = ("test_Y", "test_plot")  # tests that come after the answer_Y cell

# The slides' formula: right values, but np.exp(1000) overflows (only test_sigmoid_stable fails).
SIGMOID_NAIVE = "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"
SIGMOID_TANH = "def sigmoid(x):\n    return np.tanh(np.asarray(x, dtype=float))\n"


class Hostile(NamedTuple):
    name: str
    attack: str
    build: Callable  # (release notebook, correct answers) -> notebook or bytes
    lost: tuple = ()
    shows: str = ""
    extra_files: dict = {}


def grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def answered(release, answers, **changes):
    """The release notebook with answers filled in; `changes` replace answers by grade_id."""
    notebook = nbformat.from_dict(copy.deepcopy(release))
    merged = {**answers, **changes}
    for cell in notebook.cells:
        if grade_id(cell) in merged:
            cell.source = merged[grade_id(cell)]
    return notebook


def after(cell_id, payload):
    """Correct answers, with `payload` run right after the answer of cell `cell_id`."""
    return lambda release, answers: answered(
        release, answers, **{cell_id: answers[cell_id] + "\n" + payload}
    )


def edited(change, **answer_changes):
    """Correct answers (with `answer_changes`), then `change(notebook)` applied to the cells."""

    def build(release, answers):
        notebook = answered(release, answers, **answer_changes)
        change(notebook)
        return notebook

    return build


def delete_cell(target):
    def change(notebook):
        notebook.cells = [cell for cell in notebook.cells if grade_id(cell) != target]

    return change


def replace_source(target, source):
    def change(notebook):
        for cell in notebook.cells:
            if grade_id(cell) == target:
                cell.source = source

    return change


def duplicate_cell(target, source=None, new_id=None):
    """Put a copy of cell `target` right after it (JupyterLab's copy and paste)."""

    def change(notebook):
        index = next(i for i, cell in enumerate(notebook.cells) if grade_id(cell) == target)
        twin = copy.deepcopy(notebook.cells[index])
        if source is not None:
            twin.source = source
        if new_id is not None:
            twin["id"] = new_id
        notebook.cells.insert(index + 1, twin)

    return change


def set_schema_version(version):
    def change(notebook):
        for cell in notebook.cells:
            if "nbgrader" in cell.metadata:
                cell.metadata.nbgrader["schema_version"] = version

    return change


def raw(content):
    return lambda release, answers: content


READ_SOURCE = """
import glob, os
for pattern in ["../../../source/*/*", "@COURSE@/source/*/*", "@COURSE@/release/*/*"]:
    for path in glob.glob(pattern):
        print("LEAKED", path, open(path).read()[:3000])
print("BLOCKED: no instructor file is visible from", os.getcwd())
"""

READ_GRADED_NOTEBOOK = """
import glob
for path in glob.glob("*.ipynb") + glob.glob("@COURSE@/autograded/*/*/*.ipynb"):
    print("LEAKED", path, open(path).read())
print("BLOCKED: no notebook in the grading folder")
"""

READ_OTHER_STUDENTS = """
import glob
for pattern in ["../../../submitted/*/*/*", "../../*/*/*", "@COURSE@/submitted/*/*/*"]:
    for path in glob.glob(pattern):
        if "reads_other_students" not in path:  # its own folder is visible, of course
            print("LEAKED", path)
print("BLOCKED: no other student's work is visible")
"""

WRITE_GRADEBOOK = """
import sqlite3
for path in ["../../../gradebook.db", "@COURSE@/gradebook.db"]:
    try:
        with sqlite3.connect(path) as db:
            db.execute("UPDATE grade SET manual_score = 100")
        print("LEAKED: wrote", path)
    except Exception as error:
        print("BLOCKED:", path, repr(error))
    try:
        open(path, "wb").write(b"gone")
        print("LEAKED: overwrote", path)
    except OSError as error:
        print("BLOCKED:", path, repr(error))
"""

DELETE_SUBMITTED = """
import os, shutil
for path in ["../../../submitted", "@COURSE@/submitted", "@COURSE@/source"]:
    shutil.rmtree(path, ignore_errors=True)
    print("LEAKED: visible" if os.path.exists(path) else "BLOCKED: not there", path)
shown = os.listdir("@COURSE@") if os.path.isdir("@COURSE@") else "nothing: it is not there"
print("the course folder shows", shown)
"""

NETWORK = """
import socket
for address in [("127.0.0.1", @PORT@), ("1.1.1.1", 53), ("8.8.8.8", 443)]:
    try:
        socket.create_connection(address, timeout=3).close()
        print("LEAKED: connected to", address)
    except OSError as error:
        print("BLOCKED:", address, error)
"""

ENVIRONMENT = """
import os
print("BLOCKED: the environment has", sorted(os.environ))
print("LEAKED" if "@SECRET@" in repr(os.environ) else "no secret")
"""

OS_EXIT = "import os\nos._exit(0)"

SEGFAULT = "import ctypes\nctypes.string_at(0)"

KILL_GRADER = """
import os, signal
try:
    os.kill(os.getppid(), signal.SIGKILL)  # without a sandbox: the nbgrader process itself
except OSError as error:
    print("BLOCKED:", error)
os.killpg(os.getpgrp(), signal.SIGKILL)  # its own process group, the kernel included
"""

ENDLESS_LOOP = "while True:\n    pass"

UNSTOPPABLE_LOOP = """
import signal
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    pass
"""

MEMORY_6GIB = "big = np.ones(6 * 1024**3, dtype=np.uint8)"

FORK_BOMB = """
import os, time
kernel = os.getpid()
made = 0
while True:
    try:
        pid = os.fork()
    except OSError as error:
        refused = str(error)
        break
    if pid == 0:
        made = 0  # a child forks too
    else:
        made += 1
if os.getpid() != kernel:
    time.sleep(1)  # holds its place a moment, then ends without going back to the kernel's loop
    os._exit(0)
print("BLOCKED: fork refused after", made, "children of the kernel:", refused)
time.sleep(2)
while True:
    try:
        if os.waitpid(-1, os.WNOHANG) == (0, 0):
            break
    except ChildProcessError:
        break
"""

REBIND_COMPARISONS = """
import math
import numpy.testing
always = lambda *args, **kwargs: True
np.allclose = np.isclose = np.array_equal = np.array_equiv = math.isclose = always
np.testing.assert_allclose = np.testing.assert_array_almost_equal = lambda *a, **k: None
np.testing.assert_almost_equal = np.testing.assert_array_equal = lambda *a, **k: None
"""

# Test cells run in the guardian, with the checks as they were before any student code.
REBIND_PLOTCHECK = """
always = lambda *args, **kwargs: True
nothing = lambda *args, **kwargs: None
check.is_close = always
check.first_difference = nothing
check.check_values = check.check_labelled = nothing
check.check_line_plotted = lambda *args, **kwargs: (None, None)
check.result_of = lambda function, argument, *args, **kwargs: function(argument)
check.exp = check._exp = lambda x: 0.0
"""

HOOK_LEAK = """
def show_next_cell(info):
    print("next cell:", info.raw_cell)  # would print the hidden tests of every test cell
get_ipython().events.register("pre_run_cell", show_next_cell)
"""

FAKE_KERNEL = b'raise SystemExit("a hijacked kernel would report every test as passed")\n'

OUTPUT_FLOOD = "for line in range(400_000):\n    print('flood', line, 'x' * 40)"

BIG_FILE = """
try:
    with open("big.bin", "wb") as file:
        file.write(b"0" * (300 * 1024**2))
    print("LEAKED: wrote 300 MiB")
except OSError as error:
    print("BLOCKED:", error)
"""

SYS_EXIT = "import sys\nsys.exit(3)"

# Plain nbgrader would let this write into the shared environment (a sitecustomize.py there
# runs in every later student's kernel); the probe is an empty text file, removed if written.
POISON_ENVIRONMENT = """
import os, sysconfig
probe = os.path.join(sysconfig.get_paths()["purelib"], "coursekit-sandbox-probe.txt")
try:
    open(probe, "w").close()
    os.remove(probe)
    print("LEAKED: could write", probe)
except OSError as error:
    print("BLOCKED:", error)
"""

# A right sigmoid that snoops on every hidden test calling it (frames from sys._getframe,
# inspect, traceback.walk_stack, sys._current_frames, a caught exception and a running
# generator; the objects of gc; an audit hook that sees every cell compiled and run) and
# prints what it found in later cells, plainly, base64-encoded, in hex and reversed.
# It catches every refusal, so it keeps full marks; nothing of a hidden test may show.
SNOOP = r"""
import base64, gc, inspect, sys, traceback
honest_sigmoid = sigmoid
stash, kept_errors = [], []


def keep(frame):
    for _ in range(40):
        if frame is None:
            return
        code = getattr(frame, "f_code")
        stash.append((repr(code.co_consts) + repr(code.co_names))[:2000])
        stash.append(repr(sorted(frame.f_globals))[:2000] + repr(frame.f_locals)[:2000])
        frame = getattr(frame, "f_back")


def caught_frame():
    try:
        raise ValueError("look around")
    except ValueError as error:
        kept_errors.append(error)  # its frames, for a later cell
        return error.__traceback__.tb_frame


def generator_frame():
    def walker():
        yield runner[0].gi_frame.f_back
    runner = [walker()]
    return next(runner[0])


ROUTES = [
    lambda: sys._getframe(0),
    inspect.currentframe,
    lambda: next(iter(traceback.walk_stack(None)))[0],
    lambda: list(sys._current_frames().values())[-1],
    caught_frame,
    generator_frame,
]


def snoop():
    if len(stash) > 400:
        return
    for route in ROUTES:
        try:
            keep(route())
        except Exception as error:
            stash.append("refused: " + repr(error)[:80])
    try:
        for thing in gc.get_objects():
            if isinstance(thing, dict) and ("nonce" in thing or "rng" in thing):
                stash.append(repr(thing)[:2000])
    except Exception as error:
        stash.append("refused: " + repr(error)[:80])


def spy(event, args):
    if event in ("compile", "exec") and len(stash) < 400:
        stash.append(repr(args)[:2000])  # the source of every cell compiled, the code run


try:
    sys.addaudithook(spy)
except Exception as error:
    stash.append("refused: " + repr(error)[:80])


def sigmoid(x):
    snoop()
    return honest_sigmoid(x)
"""

REVEAL = r"""
for error in kept_errors:  # the frames a caught exception kept, read after the tests
    try:
        keep(error.__traceback__.tb_frame)
    except Exception as problem:
        stash.append("refused: " + repr(problem)[:80])
found = "\n".join(stash)[-60000:]
print("found", len(stash), "pieces")
print(found)
print(base64.b64encode(found.encode()).decode())
print(found.encode().hex())
print(found[::-1])
"""

CORPUS = [
    Hostile(
        "reads_source", "prints source/ and release/", after("answer_X", READ_SOURCE), (), "BLOCKED"
    ),
    Hostile(
        "reads_graded_notebook",
        "prints the notebook being graded (hidden tests already restored in it)",
        after("answer_X", READ_GRADED_NOTEBOOK),
        (),
        "BLOCKED",
    ),
    Hostile(
        "reads_other_students",
        "lists submitted/ and other students' autograded folders",
        after("answer_X", READ_OTHER_STUDENTS),
        (),
        "BLOCKED",
    ),
    Hostile(
        "writes_gradebook",
        "UPDATE grade SET manual_score = 100 and overwrites gradebook.db",
        after("answer_X", WRITE_GRADEBOOK),
        (),
        "BLOCKED",
    ),
    Hostile(
        "deletes_submitted",
        "rmtree of submitted/, source/ and the course root",
        after("answer_X", DELETE_SUBMITTED),
        (),
        "BLOCKED",
    ),
    Hostile(
        "network",
        "connects to a port on 127.0.0.1 and to the internet",
        after("answer_X", NETWORK),
        (),
        "BLOCKED",
    ),
    Hostile(
        "environment_secrets",
        "prints the environment (tokens of the grading session)",
        after("answer_X", ENVIRONMENT),
        (),
        "no secret",
    ),
    Hostile("os_exit", "os._exit(0)", after("answer_Y", OS_EXIT), AFTER_Y, "os._exit"),
    Hostile("segfault", "reads address 0", after("answer_Y", SEGFAULT), AFTER_Y, "segmentation"),
    Hostile(
        "kills_grader",
        "SIGKILL to its parent process and its process group",
        after("answer_Y", KILL_GRADER),
        AFTER_Y,
        "KernelStopped",
    ),
    Hostile("sys_exit", "sys.exit(3)", after("answer_X", SYS_EXIT), (), "SystemExit"),
    Hostile(
        "endless_loop",
        "while True: pass (interrupted at the cell timeout)",
        after("answer_Y", ENDLESS_LOOP),
        (),
        "KeyboardInterrupt",
    ),
    Hostile(
        "unstoppable_loop",
        "ignores SIGINT, then loops forever",
        after("answer_Y", UNSTOPPABLE_LOOP),
        AFTER_Y,
        "went on after its time limit",
    ),
    Hostile(
        "allocates_6gib", "np.ones of 6 GiB", after("answer_X", MEMORY_6GIB), (), "MemoryError"
    ),
    Hostile(
        "fork_bomb",
        "every process forks until refused",
        after("answer_X", FORK_BOMB),
        (),
        "BLOCKED",
    ),
    Hostile(
        "rebinds_comparisons",
        "a wrong sigmoid, with np.allclose, math.isclose, np.testing... made to always agree",
        lambda release, answers: answered(
            release, answers, answer_sigmoid=REBIND_COMPARISONS + SIGMOID_TANH
        ),
        ALL_TESTS[1:],
    ),
    Hostile(
        "rebinds_checks",
        "a wrong sigmoid, with the grader's own helpers (check.check_values, is_close, "
        "result_of, exp, check_line_plotted...) replaced by ones that always pass",
        lambda release, answers: answered(
            release, answers, answer_sigmoid=REBIND_PLOTCHECK + SIGMOID_TANH
        ),
        ALL_TESTS[1:],
        "is wrong at position 0 (at x = -4)",
    ),
    Hostile(
        "deletes_test_cell",
        "deletes the test its sigmoid fails",
        edited(delete_cell("test_sigmoid_stable"), answer_sigmoid=SIGMOID_NAIVE),
        ("test_sigmoid_stable",),
    ),
    Hostile(
        "edits_test_cell",
        "replaces the test its sigmoid fails by `pass`",
        edited(replace_source("test_sigmoid_stable", "pass"), answer_sigmoid=SIGMOID_NAIVE),
        ("test_sigmoid_stable",),
    ),
    Hostile(
        "duplicates_test_cell",
        "pastes a copy of that test (new cell id, code `pass`) below the original",
        edited(
            duplicate_cell("test_sigmoid_stable", source="pass", new_id="pasted-copy"),
            answer_sigmoid=SIGMOID_NAIVE,
        ),
        ("test_sigmoid_stable",),
    ),
    Hostile(
        "duplicates_cell_id",
        "an exact copy of the sigmoid answer cell, same cell id",
        edited(duplicate_cell("answer_sigmoid")),
    ),
    Hostile(
        "schema_version_99",
        "nbgrader metadata schema_version 99 (plain nbgrader aborts the whole class)",
        edited(set_schema_version(99)),
    ),
    Hostile(
        "invalid_json",
        "a truncated file",
        raw(b'{"cells": [{"cell_type": "co'),
        ALL_TESTS,
        "not a readable notebook",
    ),
    Hostile("empty_file", "an empty file", raw(b""), ALL_TESTS, "not a readable notebook"),
    Hostile(
        "not_a_notebook",
        "JSON that is not a notebook",
        raw(b'{"cells": 3}'),
        ALL_TESTS,
        "not a readable notebook",
    ),
    Hostile(
        "hook_leak",
        "an IPython hook that prints every later cell, hidden tests included",
        after("answer_X", HOOK_LEAK),
        (),
        "next cell:",
    ),
    Hostile(
        "fake_kernel",
        "hands in ipykernel_launcher.py next to the notebook, to replace the kernel",
        after("answer_X", ""),
        (),
        "",
        {"ipykernel_launcher.py": FAKE_KERNEL},
    ),
    Hostile(
        "output_flood",
        "prints 20 MB",
        after("answer_X", OUTPUT_FLOOD),
        (),
        "output truncated",
    ),
    Hostile(
        "poisons_environment",
        "writes into the Python environment's site-packages",
        after("answer_X", POISON_ENVIRONMENT),
        (),
        "BLOCKED",
    ),
    Hostile("big_file", "writes a 300 MiB file", after("answer_X", BIG_FILE), (), "BLOCKED"),
    Hostile(
        "snoops_hidden_tests",
        "a right sigmoid that reads the frames, code and objects of the hidden tests calling "
        "it (and an audit hook's view of them), then prints them encoded in later cells",
        lambda release, answers: answered(
            release,
            answers,
            answer_sigmoid=answers["answer_sigmoid"] + "\n" + SNOOP,
            answer_Y=answers["answer_Y"] + "\n" + REVEAL,
            answer_plot=answers["answer_plot"] + "\n" + REVEAL,
        ),
        (),
        "output hidden",
    ),
]
# What the hidden tests of sigmoid_exercise must never show, in any encoding
# snoops_hidden_tests tries: their seeds, their names and a helper's docstring.
HIDDEN_SECRETS = ("535300", "53530", "'_sigmoid'", "'rng'", "reference sigmoid of one float")
