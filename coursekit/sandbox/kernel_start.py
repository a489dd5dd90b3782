"""What a grading kernel does before its first cell: load what the tests need, start the guardian.

Used by zygote.py inside the sandbox (a copy in the grader's private folder):
`preload()` runs once in the zygote, before it forks anything, so every kernel
starts with numpy, matplotlib (inline backend), IPython, ipykernel and every
module of coursecheck already imported from the Python environment;
`run_kernel()` runs in each forked child: it creates the IPython kernel, lets the
guardian (guardian.py, next to this file) take its snapshot of that state and
connect to the grader, puts the notebook's folder on sys.path, as in any Jupyter
kernel, and serves the notebook's cells until the grader shuts it down.

Standard library and the kernel's own packages only: the rest of coursekit is
hidden from the sandbox.
"""

import importlib
import importlib.util
import os
import pkgutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def preload():
    """Import, from the environment, every module a test relies on; return the guardian module.

    The guardian's code is read here, once, before any student code runs anywhere in
    the sandbox: a later student cannot change what the next kernel runs.
    """
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    import matplotlib.pyplot  # noqa: F401
    import numpy  # noqa: F401
    from ipykernel.kernelapp import IPKernelApp  # noqa: F401

    import coursecheck

    for module in pkgutil.iter_modules(coursecheck.__path__):
        importlib.import_module(f"coursecheck.{module.name}")
    import tempfile

    tempfile.gettempdir()  # sets tempfile.tempdir now, not during a test
    return load_guardian()


def load_guardian():
    """guardian.py from this folder, loaded by path (it is not on sys.path)."""
    path = os.path.join(HERE, "guardian.py")
    spec = importlib.util.spec_from_file_location("coursekit_guardian", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_kernel(guardian, socket_path, kernel_args):
    """Create the kernel, start the guardian, serve the notebook (returns when shut down)."""
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(kernel_args)
    # pyzmq starts a garbage-collector thread (and its own context) the first time a large
    # message is sent without copying (a figure): start it now, so that the grader's count
    # of the kernel's threads, taken before any cell, already includes it.
    from zmq.utils.garbage import gc as zmq_garbage

    zmq_garbage.start()
    guardian.start(app.kernel.shell.user_ns, socket_path)
    if "" not in sys.path:
        sys.path.insert(0, "")  # the notebook's folder, as IPython does
    app.start()
