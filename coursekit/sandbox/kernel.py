"""The kernel manager that nbgrader's Execute step (SafeExecute) grades each notebook with.

nbclient asks its kernel manager for a kernel with `cwd` = the student's folder in
autograded/. FactoryKernelManager instead asks this process's kernel factory
(factory.py) to fork one in its sandbox, in a folder of its own: a scratch copy of
the student's folder (without notebooks), HOME, the IPC sockets nbclient talks over
(a kernel in its own network namespace cannot be reached over TCP), and the socket
on which the kernel's guardian (guardian.py) connects to the grader before any
student code runs. Interrupts are sent as messages. When the kernel ends, the
factory cleans the sandbox and the folder is deleted, with anything the kernel left
beside it.
"""

import os
import secrets
import socket
import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Any, Unicode

from coursekit.sandbox import folders
from coursekit.sandbox.factory import FactoryStopped, sandbox_environment

GUARDIAN_SOCKET = "guardian.sock"
TOKEN_VARIABLE = "COURSEKIT_GUARDIAN_TOKEN"  # the guardian proves who it is with it


class ForkedKernel:
    """A kernel forked by the factory, with the part of Popen that jupyter_client uses."""

    stdin = stdout = stderr = None

    def __init__(self, factory, pid):
        self.factory, self.pid = factory, pid
        self.returncode = None
        self.outer_pid = factory.outer_pid(pid)  # for the grader's look in /proc

    def poll(self):
        if self.returncode is None:
            try:
                self.returncode = self.factory.poll(self.pid)
            except FactoryStopped:
                self.returncode = -9  # the factory took its kernels with it
        return self.returncode

    def wait(self, timeout=None):
        return self.poll()

    def send_signal(self, signum):
        if self.poll() is None:
            self.factory.send_signal(self.pid, signum)

    def kill(self):
        self.send_signal(9)

    def terminate(self):
        self.send_signal(15)


class FactoryProvisioner(LocalProvisioner):
    """LocalProvisioner, but the kernel comes from the factory instead of subprocess.Popen."""

    async def launch_kernel(self, cmd, **kwargs):
        km = self.parent
        args = cmd[cmd.index("ipykernel_launcher") + 1 :]  # `python -m ipykernel_launcher ARGS`
        pid = km.factory.start_kernel(args=args, **km.launch)
        self.process = ForkedKernel(km.factory, pid)
        self.pid, self.pgid = pid, None
        return self.connection_info


class FactoryKernelManager(AsyncKernelManager):
    """A kernel for one notebook, forked by the kernel factory of this grading process."""

    factory = Any(help="this process's KernelFactory")
    runtime_dir = Unicode("", help="the kernel's own folder, inside the factory's")
    guardian_listener = None
    guardian_token = ""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.transport = "ipc"

    async def _async_pre_start_kernel(self, **kw):
        submission_dir = Path(kw.pop("cwd", None) or os.getcwd()).resolve()
        folders.remove_abandoned_runtime_folders()  # of graders killed before they could
        folder, uid = self.factory.new_kernel_folder()
        self.runtime_dir = str(folder)
        home, work = folder / "home", folder / "work"
        home.mkdir()
        folders.copy_scratch(submission_dir, work)
        self.connection_file = str(folder / "kernel.json")
        self.ip = str(folder / "kernel")
        self.kernel_spec.interrupt_mode = "message"
        self.kernel_id = self.kernel_id or str(uuid.uuid4())
        if self.provisioner is None:
            self.provisioner = FactoryProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
            )
        socket_path = self.listen_for_guardian(folder, uid)
        env = sandbox_environment(kw.get("env") or os.environ, home)
        env[TOKEN_VARIABLE] = self.guardian_token
        self.launch = {"cwd": work, "env": env, "socket_path": socket_path, "uid": uid}
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        if uid is not None:  # the kernel runs as a uid of its own: give it its folder
            folders.chown_tree(folder, uid)
        return kernel_cmd, kw

    def listen_for_guardian(self, folder, uid):
        """A Unix socket in the kernel's folder on which its guardian connects, with a token."""
        path = Path(folder) / GUARDIAN_SOCKET
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(path))
        if uid is not None:  # the kernel runs as another uid: let it connect
            path.chmod(0o777)
        listener.listen(4)
        self.guardian_listener = listener
        self.guardian_token = secrets.token_hex(16)
        return path

    def close_guardian_listener(self):
        if self.guardian_listener is not None:
            self.guardian_listener.close()
            self.guardian_listener = None

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        self.close_guardian_listener()
        try:
            self.factory.clean()
        except FactoryStopped:
            self.log.warning("The kernel factory had stopped; the next notebook restarts it")
        if self.runtime_dir:
            folders.remove_tree(self.runtime_dir)
            self.factory.forget_kernel_folder(self.runtime_dir)
            self.runtime_dir = ""

    # AsyncKernelManager binds this name to the base class's function, not to the method
    # above; nbclient calls it after a kernel died, when there is nothing to shut down.
    cleanup_resources = _async_cleanup_resources
