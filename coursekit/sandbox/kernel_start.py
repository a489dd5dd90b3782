"""Start one grading kernel: load what the tests need, start the guardian, then the kernel.

    python kernel_start.py --guardian SOCKET -- -f CONNECTION_FILE [kernel options]

Run by path (inside the sandbox, a copy in the kernel's private folder), with
PYTHONSAFEPATH set, so that no file in the student's folder can stand in for a
module while the kernel starts. In order:

1. numpy, matplotlib (inline backend), IPython, ipykernel and every module of
   coursecheck are imported from the Python environment, before any student code;
2. the IPython kernel is created, not yet started;
3. the guardian (guardian.py, next to this file) takes its snapshot of that state
   and connects to the grader;
4. the notebook's folder goes on sys.path, as in any Jupyter kernel, and the kernel
   starts serving the notebook's cells.

Standard library and the kernel's own packages only: the rest of coursekit is hidden
from the sandbox.
"""

import importlib
import importlib.util
import os
import pkgutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def parse(argv):
    """(guardian socket path, the kernel's own arguments)."""
    if len(argv) < 3 or argv[0] != "--guardian" or argv[2] != "--":
        raise SystemExit("usage: kernel_start.py --guardian SOCKET -- KERNEL_ARGS...")
    return argv[1], argv[3:]


def preload():
    """Import, from the environment, every module a test relies on."""
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    import matplotlib.pyplot  # noqa: F401
    import numpy  # noqa: F401

    import coursecheck

    for module in pkgutil.iter_modules(coursecheck.__path__):
        importlib.import_module(f"coursecheck.{module.name}")
    import tempfile

    tempfile.gettempdir()  # sets tempfile.tempdir now, not during a test


def load_guardian():
    """guardian.py from this folder, loaded by path (it is not on sys.path)."""
    path = os.path.join(HERE, "guardian.py")
    spec = importlib.util.spec_from_file_location("coursekit_guardian", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    socket_path, kernel_args = parse(sys.argv[1:])
    preload()
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(kernel_args)
    load_guardian().start(app.kernel.shell.user_ns, socket_path)
    os.environ.pop("PYTHONSAFEPATH", None)  # the student's own subprocesses behave as usual
    if "" not in sys.path:
        sys.path.insert(0, "")  # the notebook's folder, as IPython does
    app.start()


if __name__ == "__main__":
    main()
