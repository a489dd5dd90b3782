"""The grader's side of the kernel factory: one sandbox per grading process, a kernel per notebook.

A kernel started from scratch pays about 1.3 s of CPU to import Python's
scientific stack, for every notebook. Instead, each grading process starts one
sandbox (bwrap.py) running zygote.py, which imports it all once and forks a fresh
kernel for each notebook; between notebooks it kills whatever the last one left
running and empties the sandbox's temporary folders (see zygote.py for why one
student's run cannot reach the next). Where bubblewrap cannot run and the
instructor chose "limits-only", the zygote runs without the sandbox, with the same
per-kernel limits and the same clean environment.

The factory lives as long as the grading process (a plain `nbgrader autograde`,
formgrader, or one worker of `make grade`) and is restarted if student code
managed to kill it.
"""

import atexit
import marshal
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

from coursekit.sandbox import folders, processes
from coursekit.sandbox.bwrap import bwrap_command

HERE = Path(__file__).resolve().parent
SCRIPTS = [HERE / "zygote.py", HERE / "kernel_start.py", HERE / "guardian.py"]
LENGTH_BYTES = 8  # as zygote.py frames its messages
START_TIMEOUT = 120  # seconds for the zygote to import everything on a busy machine

KEPT_VARIABLES = {"PATH", "LANG", "LANGUAGE", "TZ", "NBGRADER_EXECUTION", "PYTHONHASHSEED"}
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class FactoryStopped(RuntimeError):
    """The zygote is gone (student code killed it, or it could not start)."""


def sandbox_environment(env, home):
    """A kernel's environment: none of the tokens, keys or passwords of the grader's."""
    kept = {name: value for name, value in env.items() if name in KEPT_VARIABLES}
    kept.update((name, value) for name, value in env.items() if name.startswith("LC_"))
    # JPY_PARENT_PID=1: no parent poller (the kernel's parent is the zygote, not the grader)
    return {**kept, **ONE_THREAD, "HOME": str(home), "TMPDIR": "/tmp", "JPY_PARENT_PID": "1"}


def tasks_of_user(uid):
    """How many processes and threads `uid` runs now (from /proc)."""
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
            except OSError:
                continue
    return count


class KernelFactory:
    """One zygote (in the sandbox, or with limits only) and the requests the grader sends it."""

    def __init__(self, settings, mode, hidden, log):
        self.settings, self.mode, self.hidden, self.log = settings, mode, hidden, log
        self.as_root = os.getuid() == 0 and mode == "sandbox"
        self.lock = threading.Lock()
        self.count = 0
        self.live_folders = set()  # names of the kernels' folders in use
        self.start()

    def start(self):
        folders.remove_abandoned_runtime_folders()
        self.runtime = folders.new_runtime_folder()
        self.kernels = self.runtime / "kernels"
        self.kernels.mkdir()
        home = self.kernels / ".zygote"  # writable: matplotlib's config and cache folders
        (home / ".cache" / "matplotlib").mkdir(parents=True)
        for font_list in folders.matplotlib_font_lists():
            shutil.copy(font_list, home / ".cache" / "matplotlib")
        for script in SCRIPTS:
            shutil.copy(script, self.runtime / script.name)
        if self.as_root:  # each kernel runs as a uid of its own: let them reach their folders
            self.runtime.chmod(0o755)
            self.kernels.chmod(0o711)
            home.chmod(0o700)
        ours, theirs = socket.socketpair()
        command = [sys.executable, str(self.runtime / "zygote.py"), str(theirs.fileno())]
        env = sandbox_environment(os.environ, home)
        if self.mode == "sandbox":
            command.append("--kill-all")  # the sandbox has its own process list
            argv = bwrap_command(
                settings=self.settings,
                command=command,
                runtime_dir=self.runtime,
                writable=[self.kernels],
                hidden=self.hidden,
                env=env,
                as_root=self.as_root,
            )
            popen_env = {"PATH": env.get("PATH", os.defpath)}
        else:  # the same clean environment: no token in the kernels' /proc/self/environ
            argv, popen_env = command, env
        self.process = subprocess.Popen(
            argv, pass_fds=[theirs.fileno()], env=popen_env, stdin=subprocess.DEVNULL
        )
        theirs.close()
        self.control = ours
        try:
            hello = self.receive(START_TIMEOUT)
        except FactoryStopped:
            self.stop()
            raise
        self.zygote_pid = hello["pid"]

    # --- requests --------------------------------------------------------------

    def request(self, message, timeout=30):
        with self.lock:
            data = marshal.dumps(message)
            try:
                self.control.settimeout(timeout)
                self.control.sendall(len(data).to_bytes(LENGTH_BYTES, "big") + data)
            except OSError as error:
                raise FactoryStopped(f"the kernel factory is gone ({error})") from None
            return self.receive(timeout)

    def receive(self, timeout):
        self.control.settimeout(timeout)
        try:
            header = self.receive_exactly(LENGTH_BYTES)
            return marshal.loads(self.receive_exactly(int.from_bytes(header, "big")))
        except (OSError, EOFError, ValueError) as error:
            raise FactoryStopped(f"the kernel factory is gone ({error})") from None

    def receive_exactly(self, count):
        data = b""
        while len(data) < count:
            chunk = self.control.recv(count - len(data))
            if not chunk:
                raise EOFError("closed")
            data += chunk
        return data

    def alive(self):
        return self.process.poll() is None

    # --- kernels ---------------------------------------------------------------

    def new_kernel_folder(self):
        """A fresh folder for one kernel (work copy, HOME, sockets), and its uid or None."""
        self.count += 1
        folder = self.kernels / str(self.count)
        folder.mkdir(mode=0o700)
        self.live_folders.add(folder.name)
        uid = None
        if self.as_root:
            uid = random.SystemRandom().randrange(*self.settings.sandbox_uids)
        return folder, uid

    def process_limit(self):
        if self.mode == "sandbox":
            return self.settings.max_processes
        if sys.platform.startswith("linux") and os.getuid() != 0:
            # RLIMIT_NPROC counts all the grader's processes and threads: allow that many more
            return tasks_of_user(os.getuid()) + self.settings.max_processes
        return None  # root ignores it; elsewhere there is no count to set

    def start_kernel(self, *, cwd, env, args, socket_path, uid):
        limits = {
            "memory": self.settings.memory_limit,
            "cpu": self.settings.cpu_time_limit,
            "file_size": self.settings.max_file_size,
            "processes": self.process_limit(),
        }
        request = {"op": "start", "cwd": str(cwd), "env": env, "args": list(args)}
        request.update(socket=str(socket_path), uid=uid, limits=limits)
        return self.request(request)["pid"]

    def poll(self, pid):
        return self.request({"op": "poll", "pid": pid})["code"]

    def send_signal(self, pid, signum):
        self.request({"op": "signal", "pid": pid, "signal": int(signum)})

    def clean(self):
        """After a notebook: nothing of its run may be left for the next."""
        self.request({"op": "clean"}, timeout=60)

    def forget_kernel_folder(self, folder):
        """After a notebook whose folder is deleted: remove anything its kernel left beside
        it in the kernels' folder (as an ordinary user, a kernel may write there; the next
        kernel must find nothing), and the zygote's start-up HOME, no longer needed."""
        self.live_folders.discard(Path(folder).name)
        for entry in list(self.kernels.iterdir()) if self.kernels.is_dir() else []:
            if entry.name in self.live_folders:
                continue
            try:
                if entry.is_dir() and not entry.is_symlink():
                    folders.remove_tree(entry)
                else:
                    entry.unlink(missing_ok=True)
            except OSError as error:
                self.log.warning("Could not remove %s a kernel left: %s", entry, error)

    def outer_pid(self, pid):
        """The pid, as this grader sees it, of the zygote's child `pid` (inner, in the sandbox)."""
        if self.mode != "sandbox":
            return pid
        for candidate in processes.children_of(self.process.pid):
            if processes.namespace_pid(candidate) == pid:
                return candidate
        return None

    def stop(self):
        try:
            self.control.close()
        except OSError:
            pass
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        folders.remove_tree(self.runtime)


_factories = {}  # (mode, settings, hidden) -> the live KernelFactory of this process


def factory_for(settings, mode, hidden, log):
    """This process's kernel factory for these settings, started (or restarted) as needed."""
    key = (mode, repr(sorted(settings.trait_values(config=True).items())), repr(hidden))
    factory = _factories.get(key)
    if factory is None or not factory.alive():
        if factory is not None:
            log.warning("The kernel factory had stopped (killed by student code?): restarting it")
            factory.stop()
        factory = _factories[key] = KernelFactory(settings, mode, hidden, log)
    return factory


def forget_inherited_factories():
    """In a forked process: the factories it inherited are its parent's, not its to stop."""
    _factories.clear()


@atexit.register
def stop_all():
    for factory in list(_factories.values()):
        factory.stop()
    _factories.clear()
