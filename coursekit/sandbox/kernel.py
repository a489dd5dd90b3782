"""Kernel managers that start the grading kernel in the sandbox, or with limits only.

nbclient asks its kernel manager to start a kernel with `cwd` = the student's
folder in autograded/. SandboxedKernelManager starts bubblewrap (bwrap.py)
around limits.py around kernel_start.py instead, talking over IPC sockets in a
private runtime folder (a kernel in its own network namespace cannot be reached
over TCP). Interrupts are sent as messages: a SIGINT would kill bwrap itself.

Both managers start the kernel through kernel_start.py, which loads what the tests
need and the guardian (guardian.py) before any student code, and both give the
guardian a private socket to the grader (GuardedKernel). Python starts with
PYTHONSAFEPATH, so that a file the student handed in (an `ipykernel_launcher.py`,
a `zmq.py`, a `coursecheck/`) cannot replace the kernel or the checks; the
notebook's folder goes back on sys.path, as IPython does, before any cell runs.
"""

import os
import random
import secrets
import shutil
import socket
import stat
import sys
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Any, Unicode

from coursekit.sandbox.bwrap import LAUNCHER, bwrap_command, limit_options

HERE = Path(__file__).resolve().parent
KERNEL_FILES = [HERE / "kernel_start.py", HERE / "guardian.py"]  # copied next to each kernel
GUARDIAN_SOCKET = "guardian.sock"
TOKEN_VARIABLE = "COURSEKIT_GUARDIAN_TOKEN"  # the guardian proves who it is with it

KEPT_VARIABLES = {
    "PATH",
    "LANG",
    "LANGUAGE",
    "TZ",
    "NBGRADER_EXECUTION",
    "PYTHONHASHSEED",
    TOKEN_VARIABLE,
}
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
SAFE_PATH = {"PYTHONSAFEPATH": "1"}
RUNTIME_PREFIX = "coursekit-grading-"  # + the grader's pid + "-" + random


def sandbox_environment(env, home):
    """The kernel's environment: none of the tokens, keys or passwords of the grader's."""
    kept = {name: value for name, value in env.items() if name in KEPT_VARIABLES}
    kept.update((name, value) for name, value in env.items() if name.startswith("LC_"))
    # JPY_PARENT_PID=1: no parent poller (in its PID namespace the kernel's parent is pid 1)
    return {
        **kept,
        **ONE_THREAD,
        **SAFE_PATH,
        "HOME": str(home),
        "TMPDIR": "/tmp",
        "JPY_PARENT_PID": "1",
    }


def matplotlib_font_lists():
    """The grader's matplotlib font list, copied into each sandbox's HOME.

    Without it matplotlib rebuilds the list in every grading kernel, slowly, and
    says so on stderr, which would cost a test cell its points.
    """
    folders = [os.environ.get("MPLCONFIGDIR")]
    folders.append(os.path.join(os.environ.get("XDG_CACHE_HOME") or "~/.cache", "matplotlib"))
    for folder in filter(None, folders):
        found = sorted(Path(folder).expanduser().glob("fontlist-v*.json"))
        if found:
            return found
    return []


def copy_scratch(submission_dir, scratch_dir):
    """Copy the student's folder for the kernel, except notebooks and special files.

    The notebook nbgrader is grading already holds the restored hidden tests, so
    no notebook is copied; the student's other files and the assignment's own
    files (plotcheck.py, data) are. Nothing is copied back.
    """

    def skipped(folder, names):
        return [
            name
            for name in names
            if name.endswith(".ipynb")
            or name == ".ipynb_checkpoints"
            or not (
                os.path.islink(os.path.join(folder, name)) or is_plain(os.path.join(folder, name))
            )
        ]

    shutil.copytree(submission_dir, scratch_dir, symlinks=True, ignore=skipped)


def is_plain(path):
    mode = os.lstat(path).st_mode
    return stat.S_ISREG(mode) or stat.S_ISDIR(mode)


def remove_abandoned_runtime_folders():
    """Runtime folders of graders that were killed (SIGKILL, power cut) and could not clean up."""
    for folder in Path(tempfile.gettempdir()).glob(f"{RUNTIME_PREFIX}*-*"):
        pid = folder.name[len(RUNTIME_PREFIX) :].split("-")[0]
        if pid.isdigit() and not process_exists(int(pid)):
            try:
                remove_tree(folder)
            except OSError:  # another user's: not ours to remove
                pass


def process_exists(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def chown_tree(folder, uid):
    for path in [folder, *Path(folder).rglob("*")]:
        os.chown(path, uid, uid, follow_symlinks=False)


def remove_tree(folder):
    """Delete a runtime folder, even where student code made parts of it read-only."""

    def make_writable_and_retry(function, path, _):
        parent = os.path.dirname(path)
        os.chmod(parent, stat.S_IRWXU)
        if os.path.isdir(path) and not os.path.islink(path):
            os.chmod(path, stat.S_IRWXU)
        function(path)

    if os.path.lexists(folder):
        shutil.rmtree(folder, onerror=make_writable_and_retry)


class GuardedKernel:
    """What both kernel managers share: the guardian's socket and the kernel's command line.

    The grader (SafeExecute) listens on a Unix socket in the kernel's private folder;
    the guardian connects to it while the kernel starts, before any student code, and
    proves who it is with a token from its environment. The grader then closes the
    socket: nothing started later can connect.
    """

    guardian_listener = None
    guardian_token = ""

    def listen_for_guardian(self, folder, uid=None):
        path = Path(folder) / GUARDIAN_SOCKET
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(path))
        if uid is not None:  # the kernel runs as another uid: let it connect
            path.chmod(0o777)
        listener.listen(4)
        self.guardian_listener = listener
        self.guardian_token = secrets.token_hex(16)
        return path

    def guarded_command(self, kernel_cmd, start_script, socket_path):
        """The kernel spec's `python -m ipykernel_launcher ARGS` run through kernel_start.py."""
        args = kernel_cmd[kernel_cmd.index("ipykernel_launcher") + 1 :]
        return [kernel_cmd[0], str(start_script), "--guardian", str(socket_path), "--", *args]

    def close_guardian_listener(self):
        if self.guardian_listener is not None:
            self.guardian_listener.close()
            self.guardian_listener = None


class SandboxedKernelManager(GuardedKernel, AsyncKernelManager):
    """Starts the kernel in a fresh bubblewrap sandbox (see bwrap.py)."""

    settings = Any(help="the GradingSandbox settings")
    hidden = Any(help="(tmpfs folders, /dev/null files, visible folders) from hidden_layout")
    runtime_dir = Unicode("")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.transport = "ipc"

    async def _async_pre_start_kernel(self, **kw):
        as_root = os.getuid() == 0
        submission_dir = Path(kw.get("cwd") or os.getcwd()).resolve()
        remove_abandoned_runtime_folders()
        runtime = Path(tempfile.mkdtemp(prefix=f"{RUNTIME_PREFIX}{os.getpid()}-"))
        self.runtime_dir = str(runtime)
        home, scratch = runtime / "home", runtime / "scratch"
        (home / ".cache" / "matplotlib").mkdir(parents=True)
        for font_list in matplotlib_font_lists():
            shutil.copy(font_list, home / ".cache" / "matplotlib")
        launcher = runtime / LAUNCHER.name
        for source in [LAUNCHER, *KERNEL_FILES]:
            shutil.copy(source, runtime / source.name)
        copy_scratch(submission_dir, scratch)
        self.connection_file = str(runtime / "kernel.json")
        self.ip = str(runtime / "kernel")
        self.kernel_spec.interrupt_mode = "message"

        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)

        user = None
        if as_root:  # the kernel runs as a uid of its own: give it its folders
            user = random.SystemRandom().randrange(*self.settings.sandbox_uids)
            chown_tree(runtime, user)
            runtime.chmod(0o711)  # bwrap and limits.py run as root without capabilities
        socket_path = self.listen_for_guardian(runtime, user)
        env = sandbox_environment(kw.get("env") or os.environ, home)
        env[TOKEN_VARIABLE] = self.guardian_token
        kw["env"] = {"PATH": env.get("PATH", os.defpath)}
        kernel_cmd = self.guarded_command(kernel_cmd, runtime / "kernel_start.py", socket_path)
        kernel_cmd = bwrap_command(
            settings=self.settings,
            kernel_cmd=kernel_cmd,
            submission_dir=submission_dir,
            scratch_dir=scratch,
            runtime_dir=runtime,
            launcher=launcher,
            hidden=self.hidden,
            env=env,
            user=user,
        )
        return kernel_cmd, kw

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        self.close_guardian_listener()
        if self.runtime_dir:
            remove_tree(self.runtime_dir)
            self.runtime_dir = ""

    # AsyncKernelManager binds this name to the base class's function, not to the method
    # above; nbclient calls it after a kernel died, when there is nothing to shut down.
    cleanup_resources = _async_cleanup_resources


class LimitedKernelManager(GuardedKernel, AsyncKernelManager):
    """No sandbox: the kernel runs as the grader, with resource limits only."""

    settings = Any(help="the GradingSandbox settings")
    runtime_dir = Unicode("")

    async def _async_pre_start_kernel(self, **kw):
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        runtime = Path(tempfile.mkdtemp(prefix=f"{RUNTIME_PREFIX}{os.getpid()}-"))
        self.runtime_dir = str(runtime)
        socket_path = self.listen_for_guardian(runtime)
        env = {**(kw.get("env") or os.environ), **ONE_THREAD, **SAFE_PATH}
        kw["env"] = {**env, TOKEN_VARIABLE: self.guardian_token}
        command = self.guarded_command(kernel_cmd, HERE / "kernel_start.py", socket_path)
        if os.name != "posix":  # Windows has no setrlimit: nothing to apply
            self.log.warning("No resource limits on %s: the kernel runs unlimited", sys.platform)
            return command, kw
        processes = None
        if sys.platform.startswith("linux") and os.getuid() != 0:
            # RLIMIT_NPROC counts all the grader's processes and threads: allow that many more
            processes = tasks_of_user(os.getuid()) + self.settings.max_processes
        options = limit_options(self.settings, processes=processes)
        return [sys.executable, str(LAUNCHER), *options, "--", *command], kw

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        self.close_guardian_listener()
        if self.runtime_dir:
            remove_tree(self.runtime_dir)
            self.runtime_dir = ""

    cleanup_resources = _async_cleanup_resources


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
