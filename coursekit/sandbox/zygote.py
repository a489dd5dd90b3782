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
          kernels' process groups; in the sandbox, also empty its /tmp and
          /dev/shm and remove the System V shared memory, semaphores and message
          queues and the POSIX message queues of its IPC namespace.

When the socket closes (the grader is done, or was killed), it cleans once more and
ends: with limits only there is no sandbox whose end would end the kernels.

Nothing a kernel did can reach the next one: each is forked from this process,
which never runs student code; the sandbox's other processes are killed and its
temporary folders and IPC objects removed in between (every other folder a kernel
can see is read-only, bwrap.py, and the grader empties the kernels' folder);
this process cannot be traced or read by its children (PR_SET_DUMPABLE 0), and
where the sandbox runs as root each kernel runs as a uid of its own, without
capabilities, which cannot even signal it.

Standard library (and the kernel's packages, through kernel_start) only.
"""

import ctypes
import gc
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
PR_SET_NO_NEW_PRIVS = 38
TEMPORARY_FOLDERS = ("/tmp", "/dev/shm")
IPC_RMID = 0
IPC_KINDS = ("shm", "sem", "msg")  # /proc/sysvipc/<kind>, removed with <kind>ctl(IPC_RMID)
MESSAGE_QUEUES = "/dev/mqueue"  # the IPC namespace's POSIX message queues (bwrap --mqueue)


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


def no_new_privileges():
    """No set-uid program or file capability can raise this process's privileges again."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux
        pass


def capabilities_left():
    """Names of the capability sets of this process that are not empty (Linux), e.g. ['CapEff']."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            lines = status.read().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        name, _, value = line.partition(":")
        if name in ("CapPrm", "CapEff", "CapAmb") and int(value.strip() or "0", 16):
            found.append(name)
    return found


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
        if capabilities_left():
            raise SystemExit(f"zygote: the kernel kept capabilities ({capabilities_left()})")
    no_new_privileges()
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
                if is_within(HERE, entry.path):  # the grader's folder, mounted in /tmp
                    continue
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
    if kill_all:  # the sandbox's own IPC namespace (never the machine's: limits-only)
        remove_ipc_objects()
        remove_message_queues()
    kernels.clear()
    return {"ok": True}


def is_within(path, folder):
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def ipc_objects():
    """(kind, id, owner uid) of every System V IPC object in this IPC namespace."""
    found = []
    for kind in IPC_KINDS:
        try:
            with open(f"/proc/sysvipc/{kind}", encoding="ascii") as table:
                header, *rows = table.read().splitlines()
        except (OSError, ValueError):
            continue
        columns = header.split()
        for row in rows:
            fields = dict(zip(columns, row.split(), strict=False))
            ident = fields.get("shmid") or fields.get("semid") or fields.get("msqid")
            if ident is not None:
                found.append((kind, int(ident), int(fields.get("uid", 0))))
    return found


def remove_ipc_object(kind, ident):
    libc = ctypes.CDLL(None, use_errno=True)
    if kind == "sem":
        return libc.semctl(ident, 0, IPC_RMID) == 0
    return getattr(libc, f"{kind}ctl")(ident, IPC_RMID, None) == 0


def remove_ipc_objects():
    """Remove the shared memory, semaphores and message queues a kernel left."""
    for kind, ident, uid in ipc_objects():
        if not remove_ipc_object(kind, ident):
            as_owner(uid, remove_ipc_object, kind, ident)


def remove_message_queues():
    """Remove the POSIX message queues a kernel left (mq_open: files of /dev/mqueue)."""
    for entry in os.scandir(MESSAGE_QUEUES) if os.path.isdir(MESSAGE_QUEUES) else []:
        try:
            os.unlink(entry.path)
        except PermissionError:
            as_owner(entry.stat(follow_symlinks=False).st_uid, os.unlink, entry.path)
        except OSError:
            pass


def as_owner(uid, function, *args):
    """function(*args) as `uid`: as root, in a child with that uid (only an object's owner
    may remove it, and the zygote has no CAP_SYS_ADMIN or CAP_FOWNER); else nothing."""
    if os.getuid() != 0 or uid == 0:
        return
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            function(*args)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def main():
    control = socket.socket(fileno=int(sys.argv[1]))
    kill_all = "--kill-all" in sys.argv[2:]
    sys.path.insert(0, HERE)
    import kernel_start

    loaded = kernel_start.preload()  # {"guardian": ...}: each kernel takes it out of its copy
    # What every kernel inherits (about 90,000 objects: numpy, matplotlib, IPython, the
    # checks) lives as long as the kernel: freeze it, so that no kernel's garbage collector
    # scans it again (figures make many collections: about half their time is saved) and
    # the pages stay shared with this process.
    gc.collect()
    gc.freeze()
    not_traceable()
    kernels = []
    send_message(control, {"ready": True, "pid": os.getpid()})
    while True:
        try:
            request = read_message(control)
        except (EOFError, OSError):  # the grader is gone (done, or killed): so are its kernels
            clean(kill_all, kernels)  # with limits only, nothing else would end them
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
