"""What a grading kernel does before its first cell: load what the tests need, start the guardian.

Used by zygote.py inside the sandbox (a copy in the grader's private folder):
`preload()` runs once in the zygote, before it forks anything, so every kernel
starts with numpy, matplotlib (inline backend), IPython, ipykernel (its debugger
too) and every module of coursecheck already imported from the Python environment,
and the guardian (guardian.py, next to this file) takes the checks' fingerprints;
`run_kernel()` runs in each forked child: it creates the IPython kernel, lets the
guardian take its snapshot of that state, put up its wall and connect to the
grader, puts the notebook's folder on sys.path, as in any Jupyter kernel, and
serves the notebook's cells until the grader shuts it down. Nothing of the main
thread keeps the guardian: student cells run in that thread, below these frames.

Standard library and the kernel's own packages only: the rest of coursekit is
hidden from the sandbox.
"""

import importlib
import importlib.util
import os
import pkgutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# What an IPython kernel imports as it starts and draws its first figure, beyond
# numpy and matplotlib: imported once in the zygote, they cost each kernel nothing
# (its debugger alone, debugpy, took a second of each kernel's start). None of them
# starts a thread when imported, so forking after them stays safe.
KERNEL_MODULES = (
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",
    "IPython.core.completerlib",
    "IPython.core.debugger",
    "IPython.core.logger",
    "IPython.core.oinspect",
    "IPython.core.pylabtools",
    "IPython.extensions.storemagic",
    "matplotlib.backends.backend_agg",
    "matplotlib_inline.backend_inline",
    "PIL.BmpImagePlugin",  # the image formats Pillow loads before its first PNG
    "PIL.GifImagePlugin",
    "PIL.JpegImagePlugin",
    "PIL.PngImagePlugin",
    "PIL.PpmImagePlugin",
    "PIL.features",
    "psutil",
    "sqlite3",
    "tornado.platform.asyncio",
    "tornado.queues",
)


def preload():
    """Import, from the environment, every module a test relies on.

    Returns {"guardian": the guardian module}, which run_kernel takes out (a dict, so
    that no frame below a student cell keeps the module). The guardian's code is read
    here, once, and the checks' fingerprints taken, before any student code runs
    anywhere in the sandbox: a later student cannot change what the next kernel runs.
    """
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # debugpy warns on import that Python's frozen modules may hide breakpoints; nobody
    # debugs a grading kernel (ipykernel's own kernel spec silences it the same way)
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    import matplotlib.pyplot  # noqa: F401
    import numpy  # noqa: F401
    from ipykernel.kernelapp import IPKernelApp  # noqa: F401

    for name in KERNEL_MODULES:
        importlib.import_module(name)
    import coursecheck

    for module in pkgutil.iter_modules(coursecheck.__path__):
        importlib.import_module(f"coursecheck.{module.name}")
    import tempfile

    tempfile.gettempdir()  # sets tempfile.tempdir now, not during a test
    guardian = load_guardian()
    guardian.FINGERPRINTS = guardian.take_fingerprints(vars(guardian))
    return {"guardian": guardian}


def load_guardian():
    """guardian.py from this folder, loaded by path (it is not on sys.path)."""
    path = os.path.join(HERE, "guardian.py")
    spec = importlib.util.spec_from_file_location("coursekit_guardian", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_kernel(loaded, socket_path, kernel_args):
    """Create the kernel, start the guardian, serve the notebook (returns when shut down).

    `loaded` is preload()'s dict: the guardian module is taken out of it and forgotten
    once started, so that no frame a student cell can walk up to holds it.
    """
    from ipykernel.kernelapp import IPKernelApp

    guardian = loaded.pop("guardian")
    app = IPKernelApp.instance()
    app.initialize(kernel_args)
    # pyzmq starts a garbage-collector thread (and its own context) the first time a large
    # message is sent without copying (a figure): start it now, so that the grader's count
    # of the kernel's threads, taken before any cell, already includes it.
    from zmq.utils.garbage import gc as zmq_garbage

    zmq_garbage.start()
    guardian.start(app.kernel.shell.user_ns, socket_path)
    del guardian
    if "" not in sys.path:
        sys.path.insert(0, "")  # the notebook's folder, as IPython does
    app.start()
