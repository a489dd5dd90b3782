"""The grader's private folders: where a sandbox's scripts, kernels and scratch copies live.

Each grading process makes one runtime folder (coursekit-grading-<pid>-<random> in
the system's temporary folder), deletes it when it ends, and removes those of
graders that were killed before they could.
"""

import os
import shutil
import stat
import tempfile
from pathlib import Path

RUNTIME_PREFIX = "coursekit-grading-"  # + the grader's pid + "-" + random


def new_runtime_folder():
    return Path(tempfile.mkdtemp(prefix=f"{RUNTIME_PREFIX}{os.getpid()}-"))


def copy_scratch(submission_dir, scratch_dir):
    """Copy the student's folder for the kernel, except notebooks and special files.

    The notebook nbgrader is grading already holds the restored hidden tests, so no
    notebook is copied; the student's other files and the assignment's own files
    (data) are. Nothing is copied back.
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


def matplotlib_font_lists():
    """The grader's matplotlib font list, to copy into the sandbox's HOME.

    Without it matplotlib rebuilds the list in the sandbox, slowly, and says so on
    stderr, which would cost a test cell its points.
    """
    folders = [os.environ.get("MPLCONFIGDIR")]
    folders.append(os.path.join(os.environ.get("XDG_CACHE_HOME") or "~/.cache", "matplotlib"))
    for folder in filter(None, folders):
        found = sorted(Path(folder).expanduser().glob("fontlist-v*.json"))
        if found:
            return found
    return []


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
    """Delete a folder, even where student code made parts of it read-only."""

    def make_writable_and_retry(function, path, _):
        parent = os.path.dirname(path)
        os.chmod(parent, stat.S_IRWXU)
        if os.path.isdir(path) and not os.path.islink(path):
            os.chmod(path, stat.S_IRWXU)
        function(path)

    if os.path.lexists(folder):
        shutil.rmtree(folder, onerror=make_writable_and_retry)
