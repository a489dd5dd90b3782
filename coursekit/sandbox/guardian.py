"""The grading kernel's guardian: runs each test cell as its author wrote it, whatever ran before.

Copied into each grading kernel's private folder, loaded by the zygote before any
student code runs anywhere (kernel_start.preload, which also takes the checks'
fingerprints) and started in each kernel by kernel_start.py. It is the other end of a
private socket to the grader (SafeExecute), which sends it every test cell instead of
running the cell through IPython. Why: student cells run first, in the same
interpreter, and Python lets them change how IPython reads, compiles and runs later
cells and reports their errors (input and AST transformers, custom exception handlers,
event callbacks, replaced methods of the shell and kernel, trace hooks), swap modules
in sys.modules and builtins, rewrite helper files, change functions in place, or read
a running test's frames. None of that reaches a test cell here:

- the guardian's own thread was started (with _thread: there is no threading.Thread
  object whose target leads to it) before any student code, so IPython's machinery
  and the main thread's trace and profile hooks never touch it, and nothing a student
  cell can name holds the guardian or its start state;
- the *wall*, an audit hook added before any student code (sys.addaudithook: it
  cannot be removed), refuses what would reach the guardian or a running test from
  inside the kernel: another audit hook (it would see each test compiled and run),
  gc's object lists, other threads' frames, tracing in the guardian's thread, any
  frame whose callers include a test cell or the guardian (sys._getframe, tb_frame,
  gi_frame...), a test cell's code objects, and changing __code__, __defaults__ or
  __kwdefaults__ of a function not defined in the notebook, or the class of a module
  loaded before the notebook. What it refused is reported with the next reply;
- for the length of one test, builtins, the modules in sys.modules and the dicts of
  the helper and standard modules the checks use (and of the classes they call) are
  put back to what they were when the kernel started; the student's versions come
  back afterwards, so the notebook goes on as the student left it, and the reply
  names what was undone, for a person;
- the checks' fingerprints (each function's code, defaults and closure; the checks'
  own data, deeply; the class of each watched module), taken in the zygote, are
  compared before and after each test: a difference means the test is unconfirmed;
- the test sees a copy of the notebook's variables in which the setup cell's names
  (such as `check`) are the modules of the start, and nothing it defines is left
  behind (the copy is emptied when the test ends);
- the test is compiled and run with the compile() and exec() of the start, and its
  error is formatted here, not by IPython, without keeping its frames;
- after the test, what student code may have changed while the test called it (a
  trace hook in this thread, builtins, modules, those classes, the fingerprints) is
  compared with the start: any change makes the result unconfirmed.

The reply carries the nonce of the request, so a reply forged by student code (which
never sees the nonce) is not taken. What the guardian cannot see (threads or
processes student code left behind) the grader checks from outside, in /proc.
Everything here uses the standard library only: it runs inside the sandbox, where
the rest of coursekit is hidden.
"""

import _thread
import builtins
import collections
import ctypes
import io
import marshal
import os
import socket
import sys
import tempfile
import time
import types

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
PRISTINE_PACKAGES = ("coursecheck",)  # and every submodule (their classes too)
# Classes whose methods the checks and the figure reader call: put back for each test.
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
    ("numpy", "errstate"),
    ("warnings", "catch_warnings"),
    ("contextlib", "_RedirectStream"),
    ("contextlib", "redirect_stdout"),
    ("contextlib", "redirect_stderr"),
    ("contextlib", "nullcontext"),
    ("contextlib", "_GeneratorContextManager"),
    ("tempfile", "TemporaryDirectory"),
    ("random", "Random"),
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
TEST_FILE = "<test cell "  # the file name test cells are compiled with: "<test cell NAME>"
# Library functions that read frames during a test and hand none of them on.
FRAME_READERS = (("coursecheck.calls", "notebook_namespace"), ("matplotlib._api", "warn_external"))


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
        self.thread_id = _thread.get_ident()  # the guardian's thread, which runs tests
        self.lock = _thread.allocate_lock()
        self.wake = _thread.allocate_lock()
        self.wake.acquire()  # released by arm()
        self.armed, self.deadline, self.retries = False, 0.0, 0
        self.own_id = _thread.start_new_thread(self.run, ())

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


# --- Fingerprints: what the checks are, taken in the zygote before any student code ---------


def frozen(value, keep, depth=0):
    """A comparable picture of `value`: the identity of every object in it and of its type,
    the contents of its lists, dicts and sets, an array's bytes, a function's code, defaults
    and closure. `keep` holds the objects, so that no identity is reused while compared.

    Only exact built-in types are looked into (type() is ..., never isinstance or a
    method of the value), so no student object's code runs here.
    """
    keep.append(value)
    kind = type(value)
    head = (id(value), id(kind))
    if depth > 8:
        return head
    if kind is list or kind is tuple:
        return (*head, len(value), *[frozen(item, keep, depth + 1) for item in value])
    if kind is dict:
        items = [(frozen(k, keep, depth + 1), frozen(v, keep, depth + 1)) for k, v in value.items()]
        return (*head, *items)
    if kind is set or kind is frozenset:
        return (*head, *sorted(id(item) for item in value))
    if kind is types.FunctionType:
        parts = [value.__code__, value.__defaults__, value.__kwdefaults__]
        for cell in value.__closure__ or ():
            try:
                parts.append(cell.cell_contents)
            except ValueError:  # an empty cell
                parts.append(MISSING)
        return (*head, *[frozen(part, keep, depth + 1) for part in parts])
    if kind is ARRAY[0]:
        return (*head, value.shape, value.dtype.str, value.tobytes())
    return head


ARRAY = [None]  # numpy's ndarray, once numpy is loaded (take_fingerprints)


def functions_of(owner, label):
    """[(label, function)] for each function in a module's or class's namespace."""
    found = []
    for name, value in list(vars(owner).items()):
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if isinstance(value, property):
            for part, function in (("get", value.fget), ("set", value.fset)):
                if isinstance(function, types.FunctionType):
                    found.append((f"{label}.{name}.{part}", function))
        elif isinstance(value, types.FunctionType):
            found.append((f"{label}.{name}", value))
    return found


def take_fingerprints(guardian_globals):
    """(((label, object, picture), ...), objects) of the checks and of the guardian.

    Taken in the zygote, once, before any kernel exists: every function of coursecheck
    and of this module (code, defaults, closure), the public data of coursecheck's
    modules (the visible tests' values) and the class of each module the start state
    puts back.
    """
    numpy = sys.modules.get("numpy")
    ARRAY[0] = getattr(numpy, "ndarray", None)
    keep, found = [], []
    owners = [("guardian", types.SimpleNamespace(**guardian_globals), False)]
    for name, module in sorted(sys.modules.items()):
        if name.split(".")[0] in PRISTINE_PACKAGES:
            owners.append((name, module, True))
    for label, owner, is_checks in owners:
        for name, value in list(vars(owner).items()):
            if isinstance(value, type) and value.__module__ in (label, __name__):
                found += functions_of(value, f"{label}.{name}")
        found += functions_of(owner, label)
        if is_checks:
            found += [
                (f"{label}.{name}", value)
                for name, value in vars(owner).items()
                if not name.startswith("_") and type(value) in (list, dict, set, tuple)
            ]
    pictures = [(label, value, frozen(value, keep)) for label, value in found]
    for name in (*PRISTINE_MODULES, *WATCHED_MODULES, *[o[0] for o in owners if o[2]]):
        module = sys.modules.get(name)
        if module is not None:
            pictures.append((f"the class of {name}", module, (id(type(module)),)))
    return tuple(pictures), tuple(keep)  # keep: no identity in a picture is reused


def fingerprint_changes(fingerprints):
    """Labels of what differs from the fingerprints, e.g. ['coursecheck.numbers.is_close']."""
    changed, keep = [], []
    for label, value, picture in fingerprints[0]:
        if label.startswith("the class of "):
            now = (id(type(value)),)
        else:
            now = frozen(value, keep)
        if now != picture:
            changed.append(label)
    return changed


FINGERPRINTS = ((), ())  # set by kernel_start.preload, in the zygote


# --- The wall: an audit hook against reaching the guardian or a running test -------------

ALWAYS_REFUSED = {
    "sys.addaudithook": "another audit hook (sys.addaudithook)",
    "gc.get_objects": "gc.get_objects()",
    "gc.get_referrers": "gc.get_referrers()",
    "gc.get_referents": "gc.get_referents()",
    "sys._current_frames": "sys._current_frames()",
    "sys._current_exceptions": "sys._current_exceptions()",
}
TRACING = frozenset({"sys.settrace", "sys.setprofile"})
WALL_EVENTS = frozenset({*ALWAYS_REFUSED, *TRACING, "sys._getframe", "object.__getattr__"})
WALL_EVENTS |= {"object.__setattr__"}
FRAME_ATTRIBUTES = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame"})
CODE_ATTRIBUTES = frozenset({"__code__", "f_code", "gi_code", "cr_code", "ag_code"})
FUNCTION_PARTS = frozenset({"__code__", "__defaults__", "__kwdefaults__"})


def build_wall(guardian_threads, roots, trusted, notebook_files, start_modules, refused, quiet):
    """The audit hook that keeps student code away from the guardian and the running tests.

    `guardian_threads`: thread ids of the guardian and its watchdog; `roots`: the code of
    their threads' first functions (a frame below one of them is theirs); `trusted`:
    code of the functions that may read such frames (the guardian's own error report,
    FRAME_READERS); `notebook_files`: prefixes of the file names of notebook cells and of
    the student's own folder (functions of any file elsewhere, a library's, may not be
    changed in place; those made from a string, as namedtuple and dataclasses make
    theirs, may); `start_modules`: ids of the modules loaded before the notebook;
    `refused`: a deque where each refusal is written; `quiet`: [True] while the guardian
    compares its fingerprints, which runs no student code (the wall then lets its own
    threads read what they like: fingerprints cost a few hundred events each).

    Everything it uses is bound here, as default values (a tuple that cannot change),
    never looked up in a module: no student code can reach this function or change it.
    """

    def wall(
        event,
        args,
        _events=WALL_EVENTS,
        _always=ALWAYS_REFUSED,
        _tracing=TRACING,
        _frame_attributes=FRAME_ATTRIBUTES,
        _code_attributes=CODE_ATTRIBUTES,
        _function_parts=FUNCTION_PARTS,
        _threads=frozenset(guardian_threads),
        _roots=frozenset(roots),
        _trusted=frozenset(trusted),
        _notebook=tuple(notebook_files),
        _library=("/", "<frozen "),
        _start_modules=frozenset(start_modules),
        _test_file=TEST_FILE,
        _refused=refused,
        _quiet=quiet,
        _busy=set(),  # noqa: B006 - on purpose: the hook's own state, bound once
        _ident=_thread.get_ident,
        _getframe=sys._getframe,
        _startswith=str.startswith,
        _type=type,
        _issubclass=issubclass,
        _getattr=getattr,
        _id=id,
        _function=types.FunctionType,
        _module=types.ModuleType,
        _error=RuntimeError,
    ):
        if event not in _events:
            return
        me = _ident()
        if me in _busy or (_quiet[0] and me in _threads):  # the hook's, the guardian's reading
            return
        _busy.add(me)
        try:
            what, frame, code = None, None, None
            if event in _always:
                what = _always[event]
            elif event in _tracing:
                if me in _threads:
                    what = event + "() in the test runner's thread"
            elif event == "sys._getframe":
                frame, what = args[0], "a frame (sys._getframe)"
            elif event == "object.__getattr__":
                name = args[1]
                if name in _frame_attributes:
                    frame, what = _getattr(args[0], name), "a frame (" + name + ")"
                elif name in _code_attributes:
                    code, what = _getattr(args[0], name), "a test's code (" + name + ")"
            elif event == "object.__setattr__":
                target, name = args[0], args[1]
                if name in _function_parts and _type(target) is _function:
                    filename = target.__code__.co_filename  # a library's file, not a cell's
                    if _startswith(filename, _library) and not _startswith(filename, _notebook):
                        what = "changing " + name + " of a function not defined in the notebook"
                elif name == "__class__" and _issubclass(_type(target), _module):
                    if _id(target) in _start_modules:
                        what = "changing the class of a module loaded before the notebook"
            if frame is not None:  # walled: the frame or one of its callers is a test's
                walled = False
                while frame is not None:
                    frame_code = frame.f_code
                    if frame_code in _roots or _startswith(frame_code.co_filename, _test_file):
                        walled = True
                        break
                    frame = frame.f_back
                if not walled:
                    return
            elif code is not None:
                if _type(code) is not types.CodeType or not _startswith(
                    code.co_filename, _test_file
                ):
                    return
            elif what is None:
                return
            if (frame is not None or code is not None) and _getframe(1).f_code in _trusted:
                return
        finally:
            _busy.discard(me)
        _refused.append(what)
        raise _error(
            f"grading: {what} is not allowed while a notebook is graded · 評分時不允許使用：{what}"
        )

    return wall


def trusted_frame_readers(modules):
    """The code of the library functions in FRAME_READERS, and of the guardian's own."""
    found = [format_error.__code__, hidden_frame.__code__]
    for module_name, name in FRAME_READERS:
        function = getattr(modules.get(module_name), name, None)
        if isinstance(function, types.FunctionType):
            found.append(function.__code__)
    return found


def notebook_file_prefixes():
    """How the file names of notebook cells (ipykernel's compiler, older IPython) and of the
    student's own files (the kernel's folder) start."""
    folder = os.path.join(tempfile.gettempdir(), f"ipykernel_{os.getpid()}")
    return (folder + os.sep, "<ipython-input-", os.path.join(os.getcwd(), ""))


# --- The start state ---------------------------------------------------------------------


class Snapshot:
    """What the kernel looked like when it started, before any student code."""

    def __init__(self, namespace):
        self.namespace = namespace  # the notebook's variables (IPython's user_ns)
        self.modules = dict(sys.modules)
        self.namespaces = []
        for name, module in self.modules.items():
            if name in PRISTINE_MODULES or name.split(".")[0] in PRISTINE_PACKAGES:
                self.namespaces.append(Namespace(name, module))
            if name.split(".")[0] in PRISTINE_PACKAGES:
                for class_name, cls in vars(module).items():
                    if isinstance(cls, type) and cls.__module__ == name:
                        self.namespaces.append(Namespace(f"{name}.{class_name}", cls))
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
        self.fingerprints = FINGERPRINTS


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


def plain_text(value):
    """`value` as an exact str (a str subclass of student code would not marshal)."""
    return "".join((str.__str__(value),)) if isinstance(value, str) else "?"


def format_error(error, cell_name, cell_lines):
    """(ename, evalue, traceback lines) of an exception raised by a test, shortest first.

    The message comes first; then the lines of the test cell and of the student's own
    code that led there (frames of the checks are left out, as IPython does).
    """
    import linecache

    ename, evalue = plain_text(type(error).__name__), plain_text(str(error))
    lines = [f"{ename}: {evalue}", "", "Where it happened · 發生位置:"]
    tb = error.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if not hidden_frame(frame):
            filename, number = frame.f_code.co_filename, tb.tb_lineno
            is_test = filename.startswith(TEST_FILE)
            where = f"test cell {cell_name}" if is_test else filename
            if is_test:
                text = cell_lines[number - 1] if 0 < number <= len(cell_lines) else ""
            else:
                text = linecache.getline(filename, number)
            lines.append(f"  {where}, line {number}: {text.strip()}")
        tb = tb.tb_next
    return ename, evalue, lines


def forget_frames(error):
    """Drop what an exception keeps of the test's frames (student code may hold it)."""
    BaseException.with_traceback(error, None)
    BaseException.__context__.__set__(error, None)
    BaseException.__cause__.__set__(error, None)


class Guardian:
    """Serves test-cell requests from the grader over one socket, in its own thread."""

    def __init__(self, connection, snapshot):
        self.connection = connection
        self.snapshot = snapshot
        self.send_all = connection.sendall
        self.receive = connection.recv
        self.loads, self.dumps = marshal.loads, marshal.dumps
        self.refused = collections.deque(maxlen=100)  # what the wall refused, not yet reported
        self.quiet = [False]  # True while comparing fingerprints (build_wall)

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

    def serve(self, ready):
        """The guardian's thread: put up the wall, then run tests until the grader is gone."""
        self.watchdog = Watchdog()  # in this thread: the one whose tests it watches
        roots = [Guardian.serve.__code__, Watchdog.run.__code__]
        threads = [_thread.get_ident(), self.watchdog.own_id]
        wall = build_wall(
            threads,
            roots,
            trusted_frame_readers(self.snapshot.modules),
            notebook_file_prefixes(),
            [id(module) for module in self.snapshot.modules.values()],
            self.refused,
            self.quiet,
        )
        sys.addaudithook(wall)
        del wall
        run_test, send = self.run_test, self.send  # as they are now, before any student code
        ready.release()
        while True:
            try:
                request = self.read_message()
            except (EOFError, OSError, ValueError):
                return
            except TimeLimit:  # a late one, after its test had ended
                continue
            nonce = request.get("nonce") if isinstance(request, dict) else None
            try:
                if request.get("op") == "report":
                    reply = {"nonce": nonce, "status": "ok", "refused": self.take_refused()}
                else:
                    reply = run_test(request)
            except TimeLimit:
                reply = {
                    "nonce": nonce,
                    "status": "unconfirmed",
                    "why": "the test ran past its time limit while the grader was finishing it",
                    "why_zh": "測試在評分程式收尾時超過了時間限制",
                }
            request = None  # nothing of the test (its source) stays in this frame
            send(reply)
            reply = None

    def fingerprint_changes(self):
        """What differs from the checks' fingerprints (no student code runs meanwhile)."""
        self.quiet[0] = True
        try:
            return fingerprint_changes(self.snapshot.fingerprints)
        finally:
            self.quiet[0] = False

    def take_refused(self):
        found = []
        while self.refused:
            found.append(self.refused.popleft())
        return found

    def run_test(self, request):
        """Run one test cell in the start-up state; the reply says how it ended."""
        snap = self.snapshot
        nonce, name, source = request["nonce"], request["name"], request["source"]
        protected = request.get("protected", {})
        reply = {"nonce": nonce, "status": "ok", "stdout": "", "stderr": ""}
        state = StudentState(snap)
        reply["undone"] = state.changed_before()
        reply["refused_before"] = self.take_refused()
        out, err = io.StringIO(), io.StringIO()
        timeout = request.get("timeout", 30)
        namespace = {}
        changed = self.fingerprint_changes()
        if changed:
            reply["status"] = "unconfirmed"
            reply["why"] = "the checks were changed in place (" + ", ".join(changed[:5]) + ")"
            reply["why_zh"] = "檢查程式被就地改動了（" + ", ".join(changed[:5]) + "）"
            return reply
        try:
            state.install_start_state()
            namespace = test_namespace(snap, protected)
            sys.stdout, sys.stderr = out, err
            code = snap.compile(source, f"{TEST_FILE}{name}>", "exec", dont_inherit=True)
            self.watchdog.arm(timeout)
            try:
                snap.exec(code, namespace)
            finally:
                self.watchdog.disarm()
        except BaseException as error:  # noqa: BLE001 - every ending is a verdict
            self.watchdog.disarm()  # again: the time limit may have arrived inside disarm()
            shown = error
            if isinstance(error, TimeLimit):
                shown = TimeLimit(
                    f"the test ran longer than its time limit of {timeout} s (an endless loop?)"
                    f" · 測試執行超過 {timeout} 秒的時間限制（無窮迴圈？）"
                )
                shown.__traceback__ = error.__traceback__
            reply["status"] = "error"
            reply["ename"], reply["evalue"], reply["traceback"] = format_error(
                shown, name, source.splitlines()
            )
            forget_frames(error)
            forget_frames(shown)
            del error, shown
        finally:
            changed = changed_during_test(snap)
            changed += self.fingerprint_changes()
            state.put_back()
            namespace.clear()  # the test's own names and objects: gone with the test
        refused = self.take_refused()
        if refused:
            reply["refused_during"] = refused
        if changed:
            reply["status"] = "unconfirmed"
            reply["why"] = "your code changed " + "; ".join(changed[:5]) + " while the test ran"
            reply["why_zh"] = "你的程式在測試執行時改動了 " + "; ".join(changed[:5])
        reply["stdout"], reply["stderr"] = out.getvalue(), err.getvalue()
        return reply


def start(namespace, socket_path):
    """Connect to the grader, take the start-up snapshot and serve in a thread of our own.

    The token (from the environment, then removed from it) tells the grader that this
    connection is the guardian's. Nothing is returned and nothing is kept here: the
    guardian lives in its own thread, which nothing a student cell can name leads to.
    """
    token = os.environ.pop("COURSEKIT_GUARDIAN_TOKEN", "")
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(socket_path)
    guardian = Guardian(connection, Snapshot(namespace))
    ready = _thread.allocate_lock()
    ready.acquire()
    _thread.start_new_thread(guardian.serve, (ready,))
    ready.acquire()  # its watchdog runs and its wall stands: the grader may count threads
    guardian.send({"hello": token, "pid": os.getpid()})
