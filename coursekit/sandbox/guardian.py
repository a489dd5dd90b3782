"""The grading kernel's guardian: runs each test cell as its author wrote it, whatever ran before.

Copied into each grading kernel's private folder and started by kernel_start.py before
any student code runs. It is the other end of a private socket to the grader
(SafeExecute), which sends it every test cell instead of running the cell through
IPython. Why: student cells run first, in the same interpreter, and Python lets them
change how IPython reads, compiles and runs later cells and reports their errors
(input and AST transformers, custom exception handlers, event callbacks, replaced
methods of the shell and kernel, trace hooks), swap modules in sys.modules and
builtins, or rewrite helper files. None of that reaches a test cell here:

- the guardian's own thread was started before any student code, so IPython's
  machinery and the main thread's trace and profile hooks never touch it;
- for the length of one test, builtins, the modules in sys.modules and the dicts of
  the helper and standard modules the checks use are put back to what they were
  when the kernel started; the student's versions come back afterwards, so the
  notebook goes on as the student left it;
- the test sees a copy of the notebook's variables in which the setup cell's names
  (such as `check`) are the modules of the start, and nothing it defines is left
  behind for later student cells;
- the test is compiled and run with the compile() and exec() of the start, and its
  error is formatted here, not by IPython;
- the same holds for numpy's names and the matplotlib classes the figure reader
  calls (Line2D.get_ydata, Axes.get_title, ...): patched by student code, they are
  as at start for the test, and the reply names what was undone, for a person;
- after the test, what student code may have changed while the test called it (a
  trace hook in this thread, builtins, modules, those classes) is compared with the
  start: any change makes the result unconfirmed.

The reply carries the nonce of the request, so a reply forged by student code (which
never sees the nonce) is not taken. What the guardian cannot see (threads or
processes student code left behind) the grader checks from outside, in /proc.
Everything here uses the standard library only: it runs inside the sandbox, where
the rest of coursekit is hidden.
"""

import _thread
import builtins
import ctypes
import io
import marshal
import os
import socket
import sys
import threading
import time

# Modules whose dicts the checks rely on: put back for the length of each test.
PRISTINE_MODULES = (
    "builtins",
    "math",
    "io",
    "itertools",
    "re",
    "contextlib",
    "warnings",
    "traceback",
    "linecache",
    "tempfile",
    "csv",
    "random",
)
PRISTINE_PACKAGES = ("coursecheck",)  # and every submodule
# Classes whose methods the figure reader calls: put back for each test.
WATCHED_CLASSES = (
    ("matplotlib.figure", "Figure"),
    ("matplotlib.figure", "FigureBase"),
    ("matplotlib.axes", "Axes"),
    ("matplotlib.axes._base", "_AxesBase"),
    ("matplotlib.artist", "Artist"),
    ("matplotlib.lines", "Line2D"),
    ("matplotlib.text", "Text"),
    ("matplotlib.legend", "Legend"),
    ("matplotlib.gridspec", "SubplotSpec"),
    ("matplotlib.gridspec", "GridSpecBase"),
)
# Modules whose start-up names are put back for each test, while names they add later
# (numpy's submodules, imported when first used) stay. Not pyplot, whose globals
# IPython's `%matplotlib inline` rebinds (draw_if_interactive, _backend_mod).
WATCHED_MODULES = ("numpy",)
# Where a changed private name is the module's own business (tempfile.tempdir, caches)
# and only changed public names are worth a note.
PUBLIC_ONLY = set(PRISTINE_MODULES) | set(WATCHED_MODULES)
LENGTH_BYTES = 8
RETRIES = 5  # times a time limit is raised again in code that swallowed it, one second apart


class TimeLimit(BaseException):  # noqa: N818 - reads as the message students see
    """Raised inside a test that ran past its time limit (not an Exception: checks let it pass)."""


_raise_in_thread = ctypes.pythonapi.PyThreadState_SetAsyncExc
_raise_in_thread.argtypes = (ctypes.c_ulong, ctypes.py_object)
_sleep, _monotonic = time.sleep, time.monotonic


class Watchdog:
    """Raises TimeLimit in the guardian's thread when a test runs longer than its limit.

    One thread for the kernel's whole life, started with the guardian (so that the
    grader's count of the kernel's threads, taken before any cell, includes it), and
    woken for each test.
    """

    def __init__(self):
        self.thread_id = threading.get_ident()  # the guardian's thread, which runs tests
        self.lock = _thread.allocate_lock()
        self.wake = _thread.allocate_lock()
        self.wake.acquire()  # released by arm()
        self.armed, self.deadline, self.retries = False, 0.0, 0
        _thread.start_new_thread(self.run, ())

    def run(self):
        while True:
            self.wake.acquire()
            while True:
                with self.lock:
                    if not self.armed:
                        break
                    if _monotonic() >= self.deadline:
                        _raise_in_thread(self.thread_id, TimeLimit)
                        self.retries -= 1
                        self.deadline = _monotonic() + 1.0  # again, if the code swallowed it
                        if self.retries <= 0:
                            self.armed = False
                            break
                _sleep(0.02)

    def arm(self, seconds):
        with self.lock:
            self.armed, self.deadline, self.retries = True, _monotonic() + seconds, RETRIES
            if self.wake.locked():
                self.wake.release()

    def disarm(self):
        """The test is over: no TimeLimit may arrive after this returns."""
        with self.lock:
            self.armed = False
            _raise_in_thread(self.thread_id, ctypes.py_object())  # NULL: clears a pending one


MISSING = object()


class Namespace:
    """One module's or class's namespace, as it was at start, to put back for each test.

    `keep_extras`: names added since the start stay (numpy adds its submodules when
    they are first used); otherwise they are removed for the test.
    """

    def __init__(self, label, owner, keep_extras=False):
        self.label, self.owner, self.keep_extras = label, owner, keep_extras
        self.saved = dict(vars(owner))

    def current(self):
        return dict(vars(self.owner))

    def changes(self, public_only=False):
        """Names that differ from the start, e.g. ['get_ydata']."""
        current = vars(self.owner)
        names = [
            name for name, value in self.saved.items() if current.get(name, MISSING) is not value
        ]
        if not self.keep_extras:
            names += [name for name in current if name not in self.saved]
        names = sorted(str(name) for name in names)
        return [name for name in names if not name.startswith("_")] if public_only else names

    def put(self, wanted):
        """Make the namespace hold `wanted`, name by name.

        Name by name, never cleared and refilled: other threads of the kernel (its
        I/O threads) look up builtins at any moment and must never find them gone.
        """
        current = vars(self.owner)
        is_class = isinstance(self.owner, type)
        if not self.keep_extras:
            for name in [name for name in current if name not in wanted]:
                delattr(self.owner, name) if is_class else current.pop(name, None)
        for name, value in wanted.items():
            if current.get(name, MISSING) is not value:
                setattr(self.owner, name, value) if is_class else current.__setitem__(name, value)


class Snapshot:
    """What the kernel looked like when it started, before any student code."""

    def __init__(self, namespace):
        self.namespace = namespace  # the notebook's variables (IPython's user_ns)
        self.modules = dict(sys.modules)
        self.namespaces = []
        for name, module in self.modules.items():
            if name in PRISTINE_MODULES or name.split(".")[0] in PRISTINE_PACKAGES:
                self.namespaces.append(Namespace(name, module))
        for name in WATCHED_MODULES:
            if name in self.modules:
                self.namespaces.append(Namespace(name, self.modules[name], keep_extras=True))
        for module_name, class_name in WATCHED_CLASSES:
            cls = getattr(self.modules.get(module_name), class_name, None)
            if isinstance(cls, type):
                self.namespaces.append(Namespace(f"{module_name}.{class_name}", cls))
        self.compile = compile
        self.exec = exec
        self.builtins_module = builtins


class StudentState:
    """The student's versions of what a test needs as at start, to put back afterwards."""

    def __init__(self, snapshot):
        self.snapshot = snapshot
        self.modules = dict(sys.modules)
        self.saved = [(space, space.current()) for space in snapshot.namespaces]
        self.stdout, self.stderr = sys.stdout, sys.stderr

    def changed_before(self):
        """What student code had changed before the test (undone for it), e.g. numpy.errstate."""
        found = [
            f"sys.modules[{name!r}]"
            for name, module in self.snapshot.modules.items()
            if self.modules.get(name, module) is not module
        ]
        for space in self.snapshot.namespaces:
            public = space.label in PUBLIC_ONLY or space.label.startswith("coursecheck")
            found += [f"{space.label}.{name}" for name in space.changes(public_only=public)]
        return found

    def install_start_state(self):
        sys.modules.update(self.snapshot.modules)
        for space in self.snapshot.namespaces:
            space.put(space.saved)

    def put_back(self):
        for space, saved in self.saved:
            space.put(saved)
        for name in [name for name in sys.modules if name not in self.modules]:
            del sys.modules[name]
        sys.modules.update(self.modules)
        sys.stdout, sys.stderr = self.stdout, self.stderr


def test_namespace(snapshot, protected):
    """The names a test sees: the notebook's variables, with the setup cell's names as at start.

    A copy, so that nothing a test defines (hidden helpers, random points) is left in
    the notebook for later student cells to use.
    """
    namespace = dict(snapshot.namespace)
    for name, module_name in protected.items():
        module = snapshot.modules.get(module_name)
        if module is not None:
            namespace[name] = module
    namespace["__builtins__"] = snapshot.builtins_module
    return namespace


def changed_during_test(snapshot):
    """What the test's own run (student code it called) changed of the start state."""
    found = []
    if sys.gettrace() is not None or sys.getprofile() is not None:
        found.append("a trace or profile hook (sys.settrace / sys.setprofile)")
    for name, module in snapshot.modules.items():
        if sys.modules.get(name, module) is not module:
            found.append(f"sys.modules[{name!r}]")
    for space in snapshot.namespaces:
        public = space.label in PUBLIC_ONLY  # a standard module's private names are its caches
        found += [f"{space.label}.{name}" for name in space.changes(public_only=public)]
    return found


def hidden_frame(frame):
    """Frames students need not see: the guardian's own and checks marked __tracebackhide__."""
    return frame.f_code.co_filename == __file__ or "__tracebackhide__" in frame.f_locals


def format_error(error, cell_name):
    """(ename, evalue, traceback lines) of an exception raised by a test, shortest first.

    The message comes first; then the lines of the test cell and of the student's own
    code that led there (frames of the checks are left out, as IPython does).
    """
    import linecache

    ename, evalue = type(error).__name__, str(error)
    lines = [f"{ename}: {evalue}", "", "Where it happened · 發生位置:"]
    tb = error.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if not hidden_frame(frame):
            filename, number = frame.f_code.co_filename, tb.tb_lineno
            where = f"test cell {cell_name}" if filename.startswith("<test") else filename
            text = linecache.getline(filename, number).strip()
            if filename.startswith("<test"):
                text = CELL_SOURCES.get(filename, [""] * number)[number - 1].strip()
            lines.append(f"  {where}, line {number}: {text}")
        tb = tb.tb_next
    return ename, evalue, lines


CELL_SOURCES = {}  # "<test cell NAME>" -> its lines, for the traceback


class Guardian:
    """Serves test-cell requests from the grader over one socket, in its own thread."""

    def __init__(self, connection, snapshot):
        self.connection = connection
        self.snapshot = snapshot
        self.send_all = connection.sendall
        self.receive = connection.recv
        self.loads, self.dumps = marshal.loads, marshal.dumps

    def read_message(self):
        header = self.read_exactly(LENGTH_BYTES)
        return self.loads(self.read_exactly(int.from_bytes(header, "big")))

    def read_exactly(self, count):
        data = b""
        while len(data) < count:
            chunk = self.receive(count - len(data))
            if not chunk:
                raise EOFError("the grader closed the connection")
            data += chunk
        return data

    def send(self, message):
        data = self.dumps(message)
        self.send_all(len(data).to_bytes(LENGTH_BYTES, "big") + data)

    def serve(self):
        self.watchdog = Watchdog()  # in this thread: the one whose tests it watches
        run_test, send = self.run_test, self.send  # as they are now, before any student code
        self.ready.release()
        while True:
            try:
                request = self.read_message()
            except (EOFError, OSError, ValueError):
                return
            except TimeLimit:  # a late one, after its test had ended
                continue
            try:
                reply = run_test(request)
            except TimeLimit:
                reply = {"nonce": request["nonce"], "status": "unconfirmed", "why": "time limit"}
            send(reply)

    def run_test(self, request):
        """Run one test cell in the start-up state; the reply says how it ended."""
        snap = self.snapshot
        nonce, name, source = request["nonce"], request["name"], request["source"]
        protected = request.get("protected", {})
        reply = {"nonce": nonce, "status": "ok", "stdout": "", "stderr": ""}
        state = StudentState(snap)
        reply["undone"] = state.changed_before()
        out, err = io.StringIO(), io.StringIO()
        timeout = request.get("timeout", 30)
        try:
            sys.settrace(None)
            sys.setprofile(None)
            state.install_start_state()
            namespace = test_namespace(snap, protected)
            sys.stdout, sys.stderr = out, err
            filename = f"<test cell {name}>"
            CELL_SOURCES[filename] = source.splitlines()
            code = snap.compile(source, filename, "exec", dont_inherit=True)
            self.watchdog.arm(timeout)
            try:
                snap.exec(code, namespace)
            finally:
                self.watchdog.disarm()
        except BaseException as error:  # noqa: BLE001 - every ending is a verdict
            self.watchdog.disarm()  # again: the time limit may have arrived inside disarm()
            sys.settrace(None)
            if isinstance(error, TimeLimit):
                error = TimeLimit(
                    f"the test ran longer than its time limit of {timeout} s (an endless loop?)"
                    f" · 測試執行超過 {timeout} 秒的時間限制（無窮迴圈？）"
                )
            reply["status"] = "error"
            reply["ename"], reply["evalue"], reply["traceback"] = format_error(error, name)
        finally:
            sys.settrace(None)
            sys.setprofile(None)
            changed = changed_during_test(snap)
            state.put_back()
        if changed:
            reply["status"] = "unconfirmed"
            reply["why"] = "; ".join(changed[:5])
        reply["stdout"], reply["stderr"] = out.getvalue(), err.getvalue()
        return reply


def start(namespace, socket_path):
    """Connect to the grader, take the start-up snapshot and serve in a thread of our own.

    The token (from the environment, then removed from it) tells the grader that this
    connection is the guardian's.
    """
    token = os.environ.pop("COURSEKIT_GUARDIAN_TOKEN", "")
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(socket_path)
    guardian = Guardian(connection, Snapshot(namespace))
    guardian.ready = _thread.allocate_lock()
    guardian.ready.acquire()
    thread = threading.Thread(target=guardian.serve, name="coursekit-guardian", daemon=True)
    thread.start()
    guardian.ready.acquire()  # its watchdog runs: the grader may count the kernel's threads
    guardian.send({"hello": token, "pid": os.getpid()})
    return guardian
