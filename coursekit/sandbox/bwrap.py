"""The bubblewrap command line that confines one grading kernel.

The kernel sees the machine read-only (`--ro-bind / /`: system libraries, fonts,
certificates) with these exceptions:

- hidden behind empty, read-only tmpfs: the course folder (source/, release/,
  submitted/, autograded/, the gradebook), the exchange, every home folder,
  /var/tmp, /run (where the sockets of Docker, D-Bus and databases live), /mnt and
  /media; files outside those (a gradebook elsewhere) are covered by /dev/null.
  Read-only, so that nothing written there is left for the next notebook (as an
  ordinary user the kernel owns these tmpfs and could write into them);
- visible again, read-only: the Python environment, even where it lives inside
  a hidden folder (the course's .venv, a pyenv or conda under the home folder);
- read-only: the grader's private runtime folder (the scripts that run inside) and
  /dev (its device nodes still work); writable: the kernels' folders inside the
  runtime folder (a scratch copy of the submission folder, IPC sockets, HOME), on
  disk, deleted after each notebook with anything else a kernel left beside its
  own (kernel.py); /tmp and /dev/shm are small private tmpfs, emptied after each
  notebook (zygote.py), as are the System V IPC objects and the POSIX message queues
  (/dev/mqueue) of the sandbox's own IPC namespace.

No network (own network namespace), no other processes (own PID namespace), and
the kernel dies with the grader (--die-with-parent). As an ordinary user, bwrap
runs in a user namespace of its own and the sandbox keeps no capability. As root
it runs without one (settings.namespace_options) and the zygote keeps CAP_SETUID,
CAP_SETGID and CAP_KILL, which it needs to give each kernel a uid of its own and to
kill and clean up what kernels leave. A kernel has none of them: switching from
root to its own uid empties its permitted, effective and ambient capabilities
(zygote.become_kernel checks), and no_new_privs (set by bwrap, and again by the
zygote) keeps set-uid programs and file capabilities from giving any back.
"""

import os
import shutil
import site
import sys
from pathlib import Path

from coursekit.sandbox.settings import namespace_options

# Hidden from every grading kernel besides the course's own folders.
PRIVATE_FOLDERS = ["/home", "/root", "/tmp", "/var/tmp", "/run", "/mnt", "/media"]
HIDDEN_SIZE = 1024 * 1024  # bytes: a hidden folder's tmpfs holds only mount points, read-only


def real(path):
    return Path(os.path.realpath(os.path.expanduser(str(path))))


def is_within(path, folder):
    return path == folder or folder in path.parents


def outermost(paths):
    """The paths not inside another one of them, sorted (a tmpfs over each is enough)."""
    paths = sorted(set(paths), key=lambda path: len(path.parts))
    kept = []
    for path in paths:
        if not any(is_within(path, other) for other in kept):
            kept.append(path)
    return sorted(kept)


def python_folders(kernel_executable):
    """Folders the kernel's Python needs: interpreter, standard library, site-packages."""
    folders = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    folders.update(site.getsitepackages())
    if site.ENABLE_USER_SITE and os.path.isdir(site.getusersitepackages()):
        folders.add(site.getusersitepackages())
    executable = real(kernel_executable)
    folders.add(str(executable.parent.parent))  # <prefix>/bin/python -> <prefix>
    folders.add(str(Path(kernel_executable).absolute().parent.parent))  # a venv's own prefix
    return outermost(real(folder) for folder in folders if os.path.isdir(folder))


def hidden_layout(protected, kernel_executable):
    """(folders to cover with tmpfs, files to cover with /dev/null, folders to show again).

    `protected` are the course's own paths (course folder, exchange, gradebook
    files and the instructor's extra hidden paths): no Python folder may contain
    one of them, or hiding it would be impossible.
    """
    protected = [real(path) for path in protected if os.path.lexists(path)]
    candidates = [real(path) for path in PRIVATE_FOLDERS if os.path.isdir(path)]
    home = os.environ.get("HOME")
    if home and os.path.isdir(home):
        candidates.append(real(home))
    candidates += [path for path in protected if path.is_dir()]
    folders = outermost(candidates)
    files = sorted(
        path
        for path in protected
        if not path.is_dir() and not any(is_within(path, f) for f in folders)
    )
    visible = []
    for folder in python_folders(kernel_executable):
        for path in protected:
            if is_within(path, folder):
                raise ValueError(
                    f"the Python environment {folder} contains {path}, which must stay hidden"
                )
        if any(is_within(folder, hidden) for hidden in folders):
            visible.append(folder)
    return folders, files, outermost(visible)


def mount_points(target, hidden_folders):
    """bwrap options creating the folders above `target` inside a tmpfs, traversable by all.

    bwrap would create them with mode 0700, which the unprivileged user that root
    switches to could not enter.
    """
    covering = [
        folder for folder in hidden_folders if is_within(target, folder) and folder != target
    ]
    if not covering:
        return []
    top = max(covering, key=lambda folder: len(folder.parts))
    options = []
    for parent in reversed(target.parents):
        if top in parent.parents:
            options += ["--perms", "0755", "--dir", str(parent)]
    return options


def bwrap_command(*, settings, command, runtime_dir, writable, hidden, env, as_root):
    """The full argv: bwrap, its mounts and environment, then `command`.

    `runtime_dir` (the grader's private folder, holding the scripts that run inside)
    is visible read-only; the folders in `writable` (inside it: the kernels' own
    folders) writable, each at its own path. File descriptors pass through bwrap to
    the command (its control socket).
    """
    folders, files, visible = hidden
    bwrap = shutil.which(settings.bwrap) or settings.bwrap
    argv = [bwrap, *namespace_options(as_root), "--die-with-parent"]
    argv += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    for folder in folders:
        if folder == Path("/tmp"):
            argv += ["--perms", "1777", "--size", str(settings.tmp_size), "--tmpfs", "/tmp"]
        else:  # read-only once the mount points inside it exist (below)
            argv += ["--size", str(HIDDEN_SIZE), "--tmpfs", str(folder)]
    argv += ["--perms", "1777", "--size", str(settings.tmp_size), "--tmpfs", "/dev/shm"]
    argv += ["--mqueue", "/dev/mqueue"]  # so that the zygote sees the queues a kernel left
    for path in files:
        argv += ["--ro-bind", "/dev/null", str(path)]
    binds = [("--ro-bind", folder) for folder in visible]
    binds += [("--ro-bind", real(runtime_dir))]
    binds += [("--bind", real(folder)) for folder in writable]
    for kind, folder in binds:
        argv += mount_points(folder, folders)
        argv += [kind, str(folder), str(folder)]
    for folder in folders:  # nothing may be written where nothing should be seen
        if folder != Path("/tmp"):
            argv += ["--remount-ro", str(folder)]
    argv += ["--remount-ro", "/dev"]
    argv += ["--chdir", str(real(runtime_dir)), "--clearenv"]
    for name, value in sorted(env.items()):
        argv += ["--setenv", name, value]
    return [*argv, "--", *command]
