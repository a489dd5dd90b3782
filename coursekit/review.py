"""Which student code a person should look at: code that reaches into the kernel, the
interpreter or the grader.

Read outside the kernel, from the submitted source, before anything runs, so that no
student code can change what is read. A finding never changes a score by itself: it
becomes a "needs review" note (coursekit/notes.py) saying what and where, shown in
the grades export, the demo's table, the class report and formgrader.

Ordinary student code is never flagged: plotting, numpy, `%matplotlib inline`,
helper functions, `import math`, print, f-strings, classes of one's own. What is:
IPython's shell (get_ipython, magics other than ordinary ones, shell commands),
tracing, frames and code objects (also named in a string: getattr(f, "f_back")),
audit hooks, builtins, sys.modules and sys.path, gc, ctypes, threads, processes and
signals, a flagged module reached through another one (logging.threading),
exec/eval/compile/__import__, getattr on a computed name, setattr/delattr,
attributes such as __code__ or __self__ (also as a constant name: getattr(obj,
"__self__")), assigning to an attribute of an imported module (np.exp = ...,
check.is_close = ...), changing the checks' own data in place (check.VALUES[0] = ...,
check.DATA.clear()), importing the grader's own packages, and naming a Python file
(writing a .py file).

Findings of the kind FRAMES reach into the running program (frames, code objects,
tracing, audit hooks, gc), through which a hidden test's names and constants can be
read while it runs: FlagForReview marks such a notebook (HIDE_OUTPUTS), and
HideLeakedTests then hides what it printed from the first test cell on.
"""

import ast
import functools
from dataclasses import dataclass
from pathlib import Path

from coursekit import notebooks

FRAMES = "frames"  # the kind of finding that can read a running hidden test
HIDE_OUTPUTS = "hide_outputs_from_first_test"  # notebook metadata coursekit.<this> = [why]

ORDINARY_MAGICS = {"matplotlib", "time", "timeit", "precision", "pprint", "who", "whos", "pylab"}
FLAGGED_MODULES = {
    "builtins": "builtins",
    "gc": "the garbage collector (gc)",
    "ctypes": "ctypes",
    "cffi": "cffi",
    "inspect": "frames (inspect)",
    "threading": "threads (threading)",
    "_thread": "threads (_thread)",
    "multiprocessing": "processes (multiprocessing)",
    "subprocess": "processes (subprocess)",
    "signal": "signals (signal)",
    "IPython": "IPython's shell",
    "ipykernel": "the kernel (ipykernel)",
    "coursecheck": "the grader's checks (coursecheck)",
    "coursekit": "the grader (coursekit)",
    "importlib": "the import system (importlib)",
    "sysconfig": "the interpreter's installation (sysconfig)",
    "site": "the interpreter's start-up (site)",
}
FLAGGED_CALLS = {
    "exec": "exec()",
    "eval": "eval()",
    "compile": "compile()",
    "__import__": "__import__()",
    "setattr": "setattr()",
    "delattr": "delattr()",
    "get_ipython": "IPython's shell (get_ipython())",
    "globals": "globals()",
    "locals": "locals()",
    "vars": "vars()",
    "breakpoint": "breakpoint()",
}
# Names that reach the running program's frames, code objects and hooks (kind FRAMES).
FRAME_ATTRIBUTES = {
    "settrace": "tracing (settrace)",
    "setprofile": "tracing (setprofile)",
    "monitoring": "tracing (sys.monitoring)",
    "addaudithook": "an audit hook (sys.addaudithook)",
    "_getframe": "frames (sys._getframe)",
    "_getframemodulename": "frames (sys._getframemodulename)",
    "_current_frames": "frames (sys._current_frames)",
    "_current_exceptions": "frames (sys._current_exceptions)",
    "currentframe": "frames (currentframe)",
    "getouterframes": "frames (getouterframes)",
    "getinnerframes": "frames (getinnerframes)",
    "getframeinfo": "frames (getframeinfo)",
    "walk_stack": "frames (traceback.walk_stack)",
    "walk_tb": "frames (traceback.walk_tb)",
    "extract_stack": "frames (traceback.extract_stack)",
    "format_stack": "frames (traceback.format_stack)",
    "print_stack": "frames (traceback.print_stack)",
    "StackSummary": "frames (traceback.StackSummary)",
    "f_back": "frames (f_back)",
    "f_locals": "frames (f_locals)",
    "f_globals": "frames (f_globals)",
    "f_builtins": "frames (f_builtins)",
    "f_code": "frames (f_code)",
    "f_lineno": "frames (f_lineno)",
    "f_lasti": "frames (f_lasti)",
    "f_trace": "frames (f_trace)",
    "tb_frame": "frames (tb_frame)",
    "gi_frame": "frames (gi_frame)",
    "gi_code": "code objects (gi_code)",
    "cr_frame": "frames (cr_frame)",
    "cr_code": "code objects (cr_code)",
    "ag_frame": "frames (ag_frame)",
    "ag_code": "code objects (ag_code)",
    "co_consts": "code objects (co_consts)",
    "co_names": "code objects (co_names)",
    "co_varnames": "code objects (co_varnames)",
    "co_code": "code objects (co_code)",
    "co_lines": "code objects (co_lines)",
    "get_objects": "the garbage collector (gc.get_objects)",
    "get_referrers": "the garbage collector (gc.get_referrers)",
    "get_referents": "the garbage collector (gc.get_referents)",
    "cell_contents": "a closure's contents (cell_contents)",
}
# Frame and code dunders (kind FRAMES too): a hidden test's functions and tracebacks.
FRAME_DUNDERS = {"__code__", "__globals__", "__closure__", "__traceback__", "__builtins__"}
FLAGGED_ATTRIBUTES = {
    **FRAME_ATTRIBUTES,
    "_target": "a thread's target (_target)",
    "fork": "processes (fork)",
    "system": "a shell command (system)",
    "popen": "a shell command (popen)",
    "kill": "signals (kill)",
    "killpg": "signals (killpg)",
}
# Modules flagged when imported, and worth a look when reached through another module
# (logging.threading, os.sys.modules): not signal or site, which are also scipy.signal...
REACHED_MODULES = {
    name: FLAGGED_MODULES[name]
    for name in (
        "builtins",
        "gc",
        "ctypes",
        "inspect",
        "threading",
        "_thread",
        "multiprocessing",
        "subprocess",
        "importlib",
        "coursecheck",
        "coursekit",
        "ipykernel",
    )
}
FRAME_MODULES = {"gc", "inspect", "ctypes"}  # imports of kind FRAMES (ctypes reads memory)
# Calls that run code the static reading cannot see (kind FRAMES: it may read frames).
HIDDEN_CODE_CALLS = {"exec", "eval", "compile", "__import__"}
SYS_PARTS = {"modules": "sys.modules", "path": "sys.path", "meta_path": "sys.meta_path"}
# A value of these types whose own comparison or conversion answers a check (a float
# equal to everything): worth a look when a class derives from one and defines these.
BUILTIN_VALUES = {"float", "int", "complex", "str", "bytes", "list", "tuple", "dict", "ndarray"}
COMPARING_DUNDERS = {
    "__eq__",
    "__ne__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__sub__",
    "__rsub__",
    "__add__",
    "__radd__",
    "__abs__",
    "__neg__",
    "__float__",
    "__int__",
    "__index__",
    "__bool__",
    "__round__",
    "__len__",
    "__iter__",
    "__getitem__",
    "__contains__",
    "tolist",
}
# Methods that change a list, dict or set in place: on the checks' own data, a trick.
MUTATORS = {
    "append",
    "extend",
    "insert",
    "remove",
    "pop",
    "clear",
    "update",
    "setdefault",
    "popitem",
    "sort",
    "reverse",
    "add",
    "discard",
    "fill",
    "put",
    "itemset",
    "resize",
    "__setitem__",
    "__delitem__",
}
ALLOWED_DUNDERS = {"__name__", "__doc__", "__init__", "__version__", "__file__", "__main__"}
PYTHON_FILE_ENDINGS = (".py", ".pth", ".pyc")


@dataclass(frozen=True)
class Finding:
    what: str  # e.g. "exec()"
    cell: str  # e.g. "cell answer_sigmoid" or "cell 12"
    line: int
    kind: str = ""  # FRAMES: reaches into the running program (see the module docstring)

    def text(self):
        return f"{self.what} in {self.cell}, line {self.line}"


@functools.lru_cache(maxsize=4096)
def python_of(source):
    """The cell as plain Python (IPython's own rewriting of %magics and !commands).

    Remembered by source: the course's own cells are the same in every notebook of a
    class, and IPython's rewriting is the dearest step of reading one.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


class Reader(ast.NodeVisitor):
    """Walks one cell's syntax tree and notes what reaches beyond ordinary code."""

    def __init__(self, cell, imported, graders=frozenset()):
        self.cell, self.imported, self.found = cell, imported, []
        self.graders = graders  # names bound to the grader's checks (check)

    def note(self, node, what, kind=""):
        self.found.append(Finding(what, self.cell, getattr(node, "lineno", 0), kind))

    def visit_Import(self, node):
        for alias in node.names:
            self.check_module(node, alias.name)
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        if node.module:
            self.check_module(node, node.module)
        self.generic_visit(node)

    def check_module(self, node, name):
        top = name.split(".")[0]
        if top in FLAGGED_MODULES:
            kind = FRAMES if top in FRAME_MODULES else ""
            self.note(node, f"imports {FLAGGED_MODULES[top]}", kind)

    def visit_Call(self, node):
        function = node.func
        if isinstance(function, ast.Name) and function.id in FLAGGED_CALLS:
            if not self.ordinary_magic(node):
                kind = FRAMES if function.id in HIDDEN_CODE_CALLS else ""
                self.note(node, FLAGGED_CALLS[function.id], kind)
        if isinstance(function, ast.Name) and function.id == "getattr" and len(node.args) > 1:
            if not isinstance(node.args[1], ast.Constant):
                self.note(node, "getattr() on a computed name", FRAMES)
        if isinstance(function, ast.Attribute) and function.attr in MUTATORS:
            root = self.grader_root(function.value)
            if root is not None:
                what = f"changes {ast.unparse(function.value)} ({function.attr}) of the checks"
                self.note(node, what)
        self.generic_visit(node)

    def grader_root(self, node):
        """The name of the checks' module at the root of check.X[...].Y, else None."""
        while isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        if isinstance(node, ast.Name) and node.id in self.graders:
            return node.id
        return None

    def ordinary_magic(self, node):
        """get_ipython().run_line_magic('matplotlib', 'inline') and the like: %matplotlib inline."""
        parent = getattr(node, "parent_call", None)
        if parent is None or not parent.args or not isinstance(parent.args[0], ast.Constant):
            return False
        name = parent.func.attr if isinstance(parent.func, ast.Attribute) else ""
        return name == "run_line_magic" and parent.args[0].value in ORDINARY_MAGICS

    def visit_Attribute(self, node):
        if node.attr in FLAGGED_ATTRIBUTES:
            kind = FRAMES if node.attr in FRAME_ATTRIBUTES else ""
            self.note(node, FLAGGED_ATTRIBUTES[node.attr], kind)
        if node.attr in SYS_PARTS and last_name(node.value) == "sys":
            self.note(node, SYS_PARTS[node.attr])
        if node.attr in REACHED_MODULES and not isinstance(node.ctx, ast.Store):
            self.note(node, f"reaches {REACHED_MODULES[node.attr]} through another module")
        if is_dunder(node.attr) and node.attr not in ALLOWED_DUNDERS:
            kind = FRAMES if node.attr in FRAME_DUNDERS else ""
            self.note(node, f"the attribute {node.attr}", kind)
        self.generic_visit(node)

    def visit_ClassDef(self, node):
        """class Close(float): def __eq__(...) -- a value that answers a check's comparison."""
        builtin = [last_name(base) for base in node.bases if last_name(base) in BUILTIN_VALUES]
        if builtin:
            methods = sorted(
                name
                for item in node.body
                for name in defined_names(item)
                if name in COMPARING_DUNDERS
            )
            if methods:
                kind = builtin[0]
                what = f"a subclass of {kind} with its own {', '.join(methods)} (class {node.name})"
                self.note(node, what)
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id == "__builtins__":
            self.note(node, "__builtins__")
        self.generic_visit(node)

    def visit_Assign(self, node):
        for target in node.targets:
            self.check_target(target)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self.check_target(node.target)
        self.generic_visit(node)

    def visit_Delete(self, node):
        for target in node.targets:
            self.check_target(target)
        self.generic_visit(node)

    def check_target(self, target):
        """np.exp = ..., check.is_close = ..., matplotlib.lines.Line2D.get_ydata = ...,
        check.VISIBLE_VALUES[0] = ... (the checks' own data)"""
        if isinstance(target, (ast.Tuple, ast.List, ast.Starred)):
            for element in getattr(target, "elts", [getattr(target, "value", None)]):
                self.check_target(element)
            return
        if isinstance(target, ast.Subscript) and self.grader_root(target) is not None:
            self.note(target, f"changes {ast.unparse(target)} of the checks")
            return
        if not isinstance(target, ast.Attribute):
            return
        root = target
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id in self.imported:
            self.note(target, f"changes {ast.unparse(target)} of an imported module")

    def visit_Constant(self, node):
        if not isinstance(node.value, str):
            return
        text = node.value.strip()
        if text.endswith(PYTHON_FILE_ENDINGS):
            self.note(node, f"names a Python file ({text[-40:]!r})")
        elif text in FRAME_ATTRIBUTES:  # getattr(frame, "f_back"), attrgetter("co_consts")
            self.note(node, f"{FRAME_ATTRIBUTES[text]}, by name", FRAMES)
        elif is_dunder(text) and text not in ALLOWED_DUNDERS:  # getattr(obj, "__self__")
            kind = FRAMES if text in FRAME_DUNDERS else ""
            self.note(node, f"the attribute {text}, by name", kind)


def defined_names(item):
    """Names a class body statement defines: def NAME, NAME = ..., NAME = OTHER = ..."""
    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return [item.name]
    if isinstance(item, ast.Assign):
        return [target.id for target in item.targets if isinstance(target, ast.Name)]
    if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
        return [item.target.id]
    return []


def is_dunder(name):
    return len(name) > 4 and name.startswith("__") and name.endswith("__") and name.isidentifier()


def last_name(node):
    """'sys' for sys, logging.sys and os.sys; None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def mark_magic_calls(tree):
    """Tell each get_ipython() call which call it is part of (for ordinary magics)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            inner = node.func.value
            if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name):
                inner.parent_call = node


def imported_names(trees, package):
    """(every name bound by imports in the cells, those bound to `package`'s modules)."""
    names, of_package = set(), set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    name = alias.asname or alias.name.split(".")[0]
                    names.add(name)
                    if alias.name.split(".")[0] == package:
                        of_package.add(name)
            elif isinstance(node, ast.ImportFrom):
                bound = [alias.asname or alias.name for alias in node.names]
                names.update(bound)
                if (node.module or "").split(".")[0] == package:
                    of_package.update(bound)
    return names, of_package


def cell_name(cell, index):
    grade_id = notebooks.grade_id(cell)
    return f"cell {grade_id}" if grade_id else f"cell {index + 1}"


def findings(notebook):
    """What a person should look at in the student's own cells (locked cells are the course's)."""
    parsed = []
    for index, cell in enumerate(notebook.cells):
        if cell.get("cell_type") != "code":
            continue
        try:
            tree = ast.parse(python_of(cell.source))
        except (SyntaxError, ValueError):
            continue  # the cell fails when it runs; nothing to read here
        parsed.append((index, cell, tree))
    imported, graders = imported_names((tree for _, _, tree in parsed), "coursecheck")
    found = []
    for index, cell, tree in parsed:
        if notebooks.is_locked(cell):
            continue
        mark_magic_calls(tree)
        reader = Reader(cell_name(cell, index), imported, graders)
        reader.visit(tree)
        found.extend(reader.found)
    return found


def python_files(folder):
    """Python files handed in beside the notebook (a coursecheck/ or numpy.py that would
    stand in for the real one without the sandbox's care), relative to `folder`."""
    folder = Path(folder)
    found = [
        path
        for pattern in ("*.py", "*.pth", "*.so", "*.pyc")
        for path in folder.rglob(pattern)
        if ".ipynb_checkpoints" not in path.parts
    ]
    return sorted(str(path.relative_to(folder)) for path in found)
