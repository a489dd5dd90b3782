"""Which student code a person should look at: code that reaches into the kernel, the
interpreter or the grader.

Read outside the kernel, from the submitted source, before anything runs, so that no
student code can change what is read. A finding never changes a score by itself: it
becomes a "needs review" note (coursekit/notes.py) saying what and where, shown in
the grades export, the demo's table, the class report and formgrader.

Ordinary student code is never flagged: plotting, numpy, `%matplotlib inline`,
helper functions, `import math`, print, f-strings, classes of one's own. What is:
IPython's shell (get_ipython, magics other than ordinary ones, shell commands),
tracing and frames, builtins, sys.modules and sys.path, gc, ctypes, threads,
processes and signals, exec/eval/compile/__import__, getattr on a computed name,
setattr/delattr, attributes such as __code__ or __globals__, assigning to an
attribute of an imported module (np.exp = ..., check.is_close = ...), importing the
grader's own packages, and naming a Python file (writing a .py file).
"""

import ast
from dataclasses import dataclass
from pathlib import Path

from coursekit import notebooks

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
FLAGGED_ATTRIBUTES = {
    "settrace": "tracing (settrace)",
    "setprofile": "tracing (setprofile)",
    "monitoring": "tracing (sys.monitoring)",
    "_getframe": "frames (sys._getframe)",
    "f_back": "frames (f_back)",
    "f_locals": "frames (f_locals)",
    "f_globals": "frames (f_globals)",
    "f_lineno": "frames (f_lineno)",
    "tb_frame": "frames (tb_frame)",
    "gi_frame": "frames (gi_frame)",
    "fork": "processes (fork)",
    "system": "a shell command (system)",
    "popen": "a shell command (popen)",
    "kill": "signals (kill)",
    "killpg": "signals (killpg)",
}
SYS_PARTS = {"modules": "sys.modules", "path": "sys.path", "meta_path": "sys.meta_path"}
ALLOWED_DUNDERS = {"__name__", "__doc__", "__init__", "__version__", "__file__", "__main__"}
PYTHON_FILE_ENDINGS = (".py", ".pth", ".pyc")


@dataclass(frozen=True)
class Finding:
    what: str  # e.g. "exec()"
    cell: str  # e.g. "cell answer_sigmoid" or "cell 12"
    line: int

    def text(self):
        return f"{self.what} in {self.cell}, line {self.line}"


def python_of(source):
    """The cell as plain Python (IPython's own rewriting of %magics and !commands)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


class Reader(ast.NodeVisitor):
    """Walks one cell's syntax tree and notes what reaches beyond ordinary code."""

    def __init__(self, cell, imported):
        self.cell, self.imported, self.found = cell, imported, []

    def note(self, node, what):
        self.found.append(Finding(what, self.cell, getattr(node, "lineno", 0)))

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
            self.note(node, f"imports {FLAGGED_MODULES[top]}")

    def visit_Call(self, node):
        function = node.func
        if isinstance(function, ast.Name) and function.id in FLAGGED_CALLS:
            if not self.ordinary_magic(node):
                self.note(node, FLAGGED_CALLS[function.id])
        if isinstance(function, ast.Name) and function.id == "getattr" and len(node.args) > 1:
            if not isinstance(node.args[1], ast.Constant):
                self.note(node, "getattr() on a computed name")
        self.generic_visit(node)

    def ordinary_magic(self, node):
        """get_ipython().run_line_magic('matplotlib', 'inline') and the like: %matplotlib inline."""
        parent = getattr(node, "parent_call", None)
        if parent is None or not parent.args or not isinstance(parent.args[0], ast.Constant):
            return False
        name = parent.func.attr if isinstance(parent.func, ast.Attribute) else ""
        return name == "run_line_magic" and parent.args[0].value in ORDINARY_MAGICS

    def visit_Attribute(self, node):
        if node.attr in FLAGGED_ATTRIBUTES:
            self.note(node, FLAGGED_ATTRIBUTES[node.attr])
        if isinstance(node.value, ast.Name) and node.value.id == "sys" and node.attr in SYS_PARTS:
            self.note(node, SYS_PARTS[node.attr])
        if node.attr.startswith("__") and node.attr.endswith("__"):
            if node.attr not in ALLOWED_DUNDERS:
                self.note(node, f"the attribute {node.attr}")
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
        """np.exp = ..., check.is_close = ..., matplotlib.lines.Line2D.get_ydata = ..."""
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.check_target(element)
            return
        if not isinstance(target, ast.Attribute):
            return
        root = target
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id in self.imported:
            self.note(target, f"changes {ast.unparse(target)} of an imported module")

    def visit_Constant(self, node):
        if isinstance(node.value, str) and node.value.strip().endswith(PYTHON_FILE_ENDINGS):
            self.note(node, f"names a Python file ({node.value.strip()[-40:]!r})")


def mark_magic_calls(tree):
    """Tell each get_ipython() call which call it is part of (for ordinary magics)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            inner = node.func.value
            if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name):
                inner.parent_call = node


def imported_names(trees):
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update((alias.asname or alias.name.split(".")[0]) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                names.update((alias.asname or alias.name) for alias in node.names)
    return names


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
    imported = imported_names(tree for _, _, tree in parsed)
    found = []
    for index, cell, tree in parsed:
        if notebooks.is_locked(cell):
            continue
        mark_magic_calls(tree)
        reader = Reader(cell_name(cell, index), imported)
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
