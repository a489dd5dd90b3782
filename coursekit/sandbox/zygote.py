"""The kernel factory inside one grading sandbox: import once, fork a fresh kernel per notebook.

    python zygote.py CONTROL_FD [--kill-all]

Started by the grader (factory.py), in the sandbox, once per grading process. It
imports what every kernel needs (kernel_start.preload: about 1.3 s of CPU that a
kernel started from scratch pays for each notebook), then serves requests on the
socket it inherited as CONTROL_FD:

  start   fork a child that becomes one notebook's kernel: its own session, its own
          uid when the sandbox runs as root, the resource limits, its folder, its
          environment, then kernel_start.run_kernel; reply with the child's pid;
  poll    the child's exit status, None while it runs (as subprocess.Popen.poll);
  signal  send a signal to the child's process group;
  clean   after a kernel: kill every process of the sandbox but this one
          (--kill-all, given where the sandbox has its own process list) or the
          kernels' process groups, and empty /tmp and /dev/shm of the sandbox.

Nothing a kernel did can reach the next one: each is forked from this process,
which never runs student code; the sandbox's other processes are killed and its
temporary folders emptied in between; this process cannot be traced or read by
its children (PR_SET_DUMPABLE 0), and where the sandbox runs as root each kernel
runs as a uid of its own, which cannot even signal it.

Standard library (and the kernel's packages, through kernel_start) only.
"""

import ctypes
import marshal
import os
import resource
import shutil
import signal
import socket
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
LENGTH_BYTES = 8
PR_SET_DUMPABLE = 4
TEMPORARY_FOLDERS = ("/tmp", "/dev/shm")


def read_message(connection):
    header = read_exactly(connection, LENGTH_BYTES)
    return marshal.loads(read_exactly(connection, int.from_bytes(header, "big")))


def read_exactly(connection, count):
    data = b""
    while len(data) < count:
        chunk = connection.recv(count - len(data))
        if not chunk:
            raise EOFError("the grader closed the connection")
        data += chunk
    return data


def send_message(connection, message):
    data = marshal.dumps(message)
    connection.sendall(len(data).to_bytes(LENGTH_BYTES, "big") + data)


def not_traceable():
    """No process of the same uid may ptrace this one or read its memory."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux
        pass


def set_limit(name, value):
    """Lower soft and hard limit to `value` (a platform without the limit skips it)."""
    which = getattr(resource, name, None)
    if value is None or which is None:
        return
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    try:
        resource.setrlimit(which, (value, value))
    except (ValueError, OSError) as error:  # macOS refuses RLIMIT_AS, for example
        print(f"zygote: could not set {name}: {error}", file=sys.stderr)


def become_kernel(request, control, loaded):
    """In the forked child: limits, identity, folder, environment; then serve the notebook."""
    import kernel_start  # this folder is on sys.path: the script's own folder

    os.setsid()  # its own session and process group, which the grader can signal as one
    control.close()
    uid = request.get("uid")
    if uid is not None and os.getuid() == 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        if os.getuid() == 0 or os.geteuid() == 0:
            raise SystemExit("zygote: could not drop root")
    limits = request["limits"]
    set_limit("RLIMIT_AS", limits.get("memory"))
    set_limit("RLIMIT_CPU", limits.get("cpu"))
    set_limit("RLIMIT_NPROC", limits.get("processes"))
    set_limit("RLIMIT_FSIZE", limits.get("file_size"))
    set_limit("RLIMIT_CORE", 0)  # a crashing kernel writes no core file
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["ipykernel_launcher", *request["args"]]
    kernel_start.run_kernel(loaded, request["socket"], request["args"])


def start(request, control, loaded):
    pid = os.fork()
    if pid:
        return {"pid": pid}
    code = 0
    try:
        become_kernel(request, control, loaded)
    except BaseException:  # noqa: BLE001 - the child must never return into the zygote
        traceback.print_exc()
        code = 1
    finally:
        os._exit(code)


def poll(pid):
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return {"code": 0}
    if not done:
        return {"code": None}
    if os.WIFSIGNALED(status):
        return {"code": -os.WTERMSIG(status)}
    return {"code": os.WEXITSTATUS(status)}


def send_signal(pid, signum):
    try:
        os.killpg(pid, signum)  # the kernel's process group (it called setsid)
    except OSError:
        try:
            os.kill(pid, signum)
        except OSError:
            return {"ok": False}
    return {"ok": True}


def clean(kill_all, kernels):
    """Nothing of one notebook's run may be left for the next one."""
    if kill_all:  # in the sandbox's own process list: everyone but us (and its init)
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        for folder in TEMPORARY_FOLDERS:
            for entry in os.scandir(folder) if os.path.isdir(folder) else []:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    try:
                        os.unlink(entry.path)
                    except OSError:
                        pass
    else:
        for pid in kernels:
            send_signal(pid, signal.SIGKILL)
    while True:  # reap whatever died
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
    kernels.clear()
    return {"ok": True}


def main():
    control = socket.socket(fileno=int(sys.argv[1]))
    kill_all = "--kill-all" in sys.argv[2:]
    sys.path.insert(0, HERE)
    import kernel_start

    loaded = kernel_start.preload()  # {"guardian": ...}: each kernel takes it out of its copy
    not_traceable()
    kernels = []
    send_message(control, {"ready": True, "pid": os.getpid()})
    while True:
        try:
            request = read_message(control)
        except (EOFError, OSError):
            return
        op = request.get("op")
        if op == "start":
            reply = start(request, control, loaded)
            kernels.append(reply["pid"])
        elif op == "poll":
            reply = poll(request["pid"])
        elif op == "signal":
            reply = send_signal(request["pid"], request["signal"])
        elif op == "clean":
            reply = clean(kill_all, kernels)
        else:
            reply = {"error": f"unknown request {op!r}"}
        send_message(control, reply)


if __name__ == "__main__":
    main()
