"""Wrong answers plus a trick: each must earn no more than the wrong answer alone, and be flagged.

Every trick here is one students could share: a few lines that, under plain
nbgrader, change how IPython runs later cells, how errors are shown, or what the
checks see, so that a wrong answer passes. Under the course's grading the test
cells run in the guardian (coursekit/sandbox/guardian.py), as their author wrote
them, and the static reading (coursekit/review.py) puts "needs review" on each.

Each entry: a wrong answer (the baseline, whose own scores are known from the
assignment corpora), the trick typed into the first answer cell, and the points
each test cell must give. Tricks whose code keeps running beside the tests (a
thread) make those tests unconfirmed: 0, which is still no more than the baseline.
"""

from typing import NamedTuple

from tests.submissions import leaky_relu_homework as homework
from tests.submissions import sigmoid_exercise as exercise


class Trick(NamedTuple):
    name: str
    attack: str
    assignment: str
    answers: dict  # grade_id -> source of the answer cells
    scores: dict  # test grade_id -> expected points
    files: dict = {}  # other files handed in beside the notebook


# --- the class exercise: the sign slip scores test_X only (2 of 10) -------------------------

SLIP = exercise.SUBMISSIONS["sign_slip"]  # 1 / (1 + np.exp(x)): everything but X is wrong

INPUT_TRANSFORMER = """
def skip_tests(lines):
    return ["pass\\n"] if any("check." in line for line in lines) else lines
get_ipython().input_transformers_post.append(skip_tests)
"""

AST_TRANSFORMER = """
import ast
class DropChecks(ast.NodeTransformer):
    def visit_Expr(self, node):
        text = ast.unparse(node)
        return ast.Pass() if text.startswith("check.") else node
get_ipython().ast_transformers.append(DropChecks())
"""

CUSTOM_EXCEPTION = """
def quiet(shell, etype, value, tb, tb_offset=None):
    return None  # the error is never shown, so the test cell looks passed
get_ipython().set_custom_exc((AssertionError, NameError, TypeError), quiet)
"""

SHELL_METHOD = """
shell = get_ipython()
shell.showtraceback = lambda *args, **kwargs: None
shell.showsyntaxerror = lambda *args, **kwargs: None
"""

KERNEL_METHOD = """
kernel = get_ipython().kernel
real_execute = kernel.do_execute
async def execute(code, *args, **kwargs):
    if "check." in code:  # a test cell: report success without running it
        return {"status": "ok", "execution_count": 1, "payload": [], "user_expressions": {}}
    return await real_execute(code, *args, **kwargs)
kernel.do_execute = execute
"""

EVENT_CALLBACK = """
def forget_errors(result):
    result.error_in_exec = None
get_ipython().events.register("post_run_cell", forget_errors)
get_ipython().events.register("pre_run_cell", lambda info: check.__dict__.update(
    check_values=lambda *a, **k: None, sigmoid_values=lambda *a, **k: None))
"""

TRACE_HOOK = """
import sys
def tracer(frame, event, arg):
    if frame.f_code.co_name == "check_values" and event == "line":
        frame.f_locals["values"] = [0.5 if e is None else e for e in frame.f_locals["expected"]]
    return tracer
sys.settrace(tracer)
"""

BUILTINS_SWAP = """
import builtins
real_float = builtins.float
builtins.float = lambda value=0.0: real_float(0.5) if value != value else real_float(value)
builtins.any = lambda iterable: True
builtins.all = lambda iterable: True
"""

MODULES_SWAP = """
import sys, types
fake = types.ModuleType("coursecheck.sigmoid_exercise")
fake.__getattr__ = lambda name: (lambda *args, **kwargs: None)
sys.modules["coursecheck.sigmoid_exercise"] = fake
check = fake
"""

HELPER_ON_DISK = """
import os, sys
os.makedirs("coursecheck", exist_ok=True)
open("coursecheck/__init__.py", "w").close()
with open("coursecheck/sigmoid_exercise.py", "w") as file:
    file.write("def __getattr__(name):\\n    return lambda *args, **kwargs: None\\n")
for name in [name for name in sys.modules if name.startswith("coursecheck")]:
    del sys.modules[name]
sys.path.insert(0, os.getcwd())
from coursecheck import sigmoid_exercise as check
"""

FAKE_CHECKS = b"def __getattr__(name):\n    return lambda *args, **kwargs: None\n"

HIDDEN_IN_A_STRING = """
import base64
exec(base64.b64decode(b"Y2hlY2suY2hlY2tfdmFsdWVzID0gbGFtYmRhICphLCAqKms6IE5vbmU=").decode())
getattr(__import__("s" + "ys"), "set" + "profile")(None)
"""

BACKGROUND_THREAD = """
import threading, time
def keep_patching():
    while True:
        for name in ("check_values", "x_values", "sigmoid_values", "y_values", "sigmoid_plot"):
            setattr(check, name, lambda *args, **kwargs: None)
        time.sleep(0.001)
threading.Thread(target=keep_patching, daemon=True).start()
"""

GC_GUARDIAN = """
import gc
for thing in gc.get_objects():
    if type(thing).__name__ == "Guardian":
        thing.run_test = lambda request: {"nonce": request["nonce"], "status": "ok"}
"""

# The guardian's thread object, found through a module that imports threading anyway, leads
# to the guardian (a constant name for getattr) and to the exec its start state runs tests with.
THREAD_GUARDIAN = """
import logging
for thread in logging.threading.enumerate():
    runner = getattr(getattr(thread, "_target", None), "__self__", None)
    start_state = getattr(runner, "snapshot", None)
    if start_state is not None:
        start_state.exec = lambda code, namespace: None  # every test cell now runs nothing
"""

# The start state, found with gc: what keeps the exec test cells are run with.
GC_START_STATE = """
import gc
for holder in gc.get_referrers(exec):
    if isinstance(holder, dict):
        if holder.get("exec") is exec and "print" not in holder:
            holder["exec"] = lambda code, namespace: None
    elif getattr(holder, "exec", None) is exec:
        holder.exec = lambda code, namespace: None
"""

# The checks the tests call, changed in place: the same function objects, another code.
CODE_IN_PLACE = """
def passes(*args, **kwargs):
    return None
checks = [check.sigmoid_values, check.sigmoid_stable, check.sigmoid_shapes, check.y_values]
for check_function in checks + [check.sigmoid_plot]:
    check_function.__code__ = passes.__code__
"""

# What the wall cannot refuse: memory written with ctypes. The defaults of check_values (its
# tolerances) replaced in the function object itself, so that any value is close enough.
CTYPES_DEFAULTS = """
import ctypes
target = check.check_values
words = (ctypes.c_size_t * 16).from_address(id(target))
slot = [index for index in range(16) if words[index] == id(target.__defaults__)][0]
loose = (1e300, 1e300, None)
ctypes.pythonapi.Py_IncRef(ctypes.py_object(loose))
words[slot] = id(loose)
"""

# The sign slip, except while a check calls it: then it returns what the check expects,
# read from the check's own frame.
FRAME_READS_EXPECTED = """
import sys
def sigmoid(x):
    frame = sys._getframe(1)
    while frame is not None:
        expected = frame.f_locals.get("expected")
        if isinstance(expected, list) and len(expected) == np.size(x):
            return np.array(expected, dtype=float).reshape(np.shape(x))
        frame = frame.f_back
    return 1 / (1 + np.exp(x))
"""

MATPLOTLIB_CLASS = """
import matplotlib.lines
real_ydata = matplotlib.lines.Line2D.get_ydata
def sigmoid_ydata(self, orig=True):
    xs = self.get_xdata()
    return 1 / (1 + np.exp(-np.asarray(xs, dtype=float)))
matplotlib.lines.Line2D.get_ydata = sigmoid_ydata
"""


def slip_with(trick):
    return {**SLIP.answers, "answer_X": exercise.X_RIGHT + "\n" + trick}


ALL_ZERO = dict.fromkeys(exercise.POINTS, 0)
SLIP_SCORES = SLIP.scores

CORPUS = [
    Trick(
        "input_transformer",
        "an IPython input transformer that turns every test cell into `pass`",
        "sigmoid_exercise",
        slip_with(INPUT_TRANSFORMER),
        SLIP_SCORES,
    ),
    Trick(
        "ast_transformer",
        "an AST transformer that drops every `check.…` call",
        "sigmoid_exercise",
        slip_with(AST_TRANSFORMER),
        SLIP_SCORES,
    ),
    Trick(
        "custom_exception_handler",
        "set_custom_exc: failed checks are never shown",
        "sigmoid_exercise",
        slip_with(CUSTOM_EXCEPTION),
        SLIP_SCORES,
    ),
    Trick(
        "shell_method",
        "the shell's showtraceback replaced on the instance: errors are never shown",
        "sigmoid_exercise",
        slip_with(SHELL_METHOD),
        SLIP_SCORES,
    ),
    Trick(
        "kernel_method",
        "the kernel's do_execute replaced: test cells answer 'ok' without running",
        "sigmoid_exercise",
        slip_with(KERNEL_METHOD),
        SLIP_SCORES,
    ),
    Trick(
        "event_callbacks",
        "post_run_cell forgets errors, pre_run_cell replaces the checks before each cell",
        "sigmoid_exercise",
        slip_with(EVENT_CALLBACK),
        SLIP_SCORES,
    ),
    Trick(
        "trace_hook",
        "sys.settrace rewrites the values check_values compares",
        "sigmoid_exercise",
        slip_with(TRACE_HOOK),
        SLIP_SCORES,
    ),
    Trick(
        "builtins_swap",
        "builtins.float, any and all replaced",
        "sigmoid_exercise",
        slip_with(BUILTINS_SWAP),
        SLIP_SCORES,
    ),
    Trick(
        "modules_swap",
        "sys.modules['coursecheck.sigmoid_exercise'] and `check` replaced by no-op checks",
        "sigmoid_exercise",
        slip_with(MODULES_SWAP),
        SLIP_SCORES,
    ),
    Trick(
        "helper_rewritten_on_disk",
        "writes a no-op coursecheck/ beside the notebook and imports it as `check`",
        "sigmoid_exercise",
        slip_with(HELPER_ON_DISK),
        SLIP_SCORES,
    ),
    Trick(
        "helper_handed_in",
        "hands in a no-op coursecheck/ package beside the notebook (shadows the real one)",
        "sigmoid_exercise",
        slip_with(""),
        SLIP_SCORES,
        {"coursecheck/__init__.py": b"", "coursecheck/sigmoid_exercise.py": FAKE_CHECKS},
    ),
    Trick(
        "hidden_in_a_string",
        "the trick base64-encoded and run with exec; a computed getattr on sys",
        "sigmoid_exercise",
        slip_with(HIDDEN_IN_A_STRING),
        SLIP_SCORES,
    ),
    Trick(
        "background_thread",
        "a thread that keeps replacing the checks while the tests run",
        "sigmoid_exercise",
        slip_with(BACKGROUND_THREAD),
        ALL_ZERO,  # every test after the thread started: unconfirmed
    ),
    Trick(
        "gc_guardian",
        "finds the grader's test runner with gc and replaces its method",
        "sigmoid_exercise",
        slip_with(GC_GUARDIAN),
        SLIP_SCORES,
    ),
    Trick(
        "thread_guardian",
        "the guardian's thread (logging.threading.enumerate, getattr(..., '__self__')): "
        "the exec of its start state replaced",
        "sigmoid_exercise",
        slip_with(THREAD_GUARDIAN),
        SLIP_SCORES,
    ),
    Trick(
        "gc_start_state",
        "the start state found with gc.get_referrers(exec): its exec replaced",
        "sigmoid_exercise",
        slip_with(GC_START_STATE),
        SLIP_SCORES,
    ),
    Trick(
        "code_in_place",
        "the __code__ of the checks the tests call replaced in place",
        "sigmoid_exercise",
        slip_with(CODE_IN_PLACE),
        SLIP_SCORES,
    ),
    Trick(
        "ctypes_defaults_in_place",
        "check_values' tolerances replaced in memory with ctypes: every later test is unconfirmed",
        "sigmoid_exercise",
        slip_with(CTYPES_DEFAULTS),
        ALL_ZERO,  # the checks' fingerprints differ from the first test on
    ),
    Trick(
        "frame_reads_expected",
        "the slip, returning the expected values read from the calling check's frame",
        "sigmoid_exercise",
        {**SLIP.answers, "answer_sigmoid": FRAME_READS_EXPECTED},
        SLIP_SCORES,
    ),
    Trick(
        "matplotlib_class",
        "Line2D.get_ydata replaced so that any line reads as the sigmoid (plot of the slip)",
        "sigmoid_exercise",
        slip_with(MATPLOTLIB_CLASS),
        SLIP_SCORES,
    ),
    # --- the homework: titles missing (11 of 12), or a 2x5 grid -------------------------------
    *[
        Trick(name, submission.why, "sigmoid_exercise", submission.answers, submission.scores)
        for name, submission in exercise.TRICKS.items()
    ],
    *[
        Trick(name, submission.why, "leaky_relu_homework", submission.answers, submission.scores)
        for name, submission in homework.TRICKS.items()
    ],
    Trick(
        "homework_builtins_any",
        "no titles, with builtins.any made always true (the title check uses any); the "
        "student's own figure then breaks too (matplotlib needs any): fig scores 0 as well",
        "leaky_relu_homework",
        {
            **homework.SUBMISSIONS["missing_titles"].answers,
            "answer_leaky_relu": homework.LEAKY_WHERE
            + "\nimport builtins\nbuiltins.any = lambda iterable: True\n",
        },
        {**homework.SUBMISSIONS["missing_titles"].scores, "test_fig": 0},
    ),
    Trick(
        "homework_modules_swap",
        "a 2x5 grid, with the homework's checks swapped in sys.modules for no-ops",
        "leaky_relu_homework",
        {
            **homework.SUBMISSIONS["grid_2x5"].answers,
            "answer_leaky_relu": homework.LEAKY_WHERE
            + MODULES_SWAP.replace("sigmoid_exercise", "leaky_relu_homework"),
        },
        homework.SUBMISSIONS["grid_2x5"].scores,
    ),
]
