"""The grading sandbox and its kernel factory, on a tiny assignment.

Without bubblewrap, grading refuses by default and grades with limits only when the
instructor chooses; the notebook time limit holds either way. With the sandbox:
one notebook's run leaves nothing for the next (files anywhere it can write,
processes, shared memory), graded as root and as an ordinary user, and a grader
killed in the middle of a class leaves grades that a second run completes.
"""

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from coursekit import notebooks
from coursekit.course import REPO
from coursekit.preprocessors.safe_execute import describe_exit
from coursekit.sandbox.bwrap import hidden_layout
from coursekit.sandbox.folders import RUNTIME_PREFIX, matplotlib_font_lists
from tests.conftest import new_course

TINY = "tiny"
FALLBACK = "COURSEKIT_SANDBOX_FALLBACK"
NO_BWRAP = {"bwrap": "/nonexistent/bwrap"}


def tiny_notebook():
    """Two answers, each with a test holding a hidden part."""

    def meta(**fields):
        return {"nbgrader": {"schema_version": 3, "locked": False, "solution": False, **fields}}

    cells = [new_markdown_cell("A tiny assignment.", metadata=meta(grade=False, grade_id="intro"))]
    for name in ("one", "two"):
        answer = f"def {name}():\n    ### BEGIN SOLUTION\n    return '{name}'\n    ### END SOLUTION"
        test = (
            f"assert {name}() == '{name}'\n"
            f"### BEGIN HIDDEN TESTS\nassert {name}() * 2 == '{name * 2}'\n### END HIDDEN TESTS"
        )
        cells.append(
            new_code_cell(answer, metadata=meta(grade=False, solution=True, grade_id=name))
        )
        cells.append(
            new_code_cell(
                test, metadata=meta(grade=True, locked=True, points=1, grade_id=f"test_{name}")
            )
        )
    notebook = new_notebook(cells=cells)
    notebook.metadata.kernelspec = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    return notebook


def tiny_course(tmp_path, **settings):
    course = new_course(tmp_path / "course", [], **settings)
    folder = course.root / "source" / TINY
    folder.mkdir(parents=True)
    nbformat.write(tiny_notebook(), folder / f"{TINY}.ipynb")
    course.generate(TINY)
    return course


def tiny_answers(one="return 'one'", two="return 'two'"):
    return {"one": f"def one():\n    {one}", "two": f"def two():\n    {two}"}


def submit(course, student, answers):
    course.submit(student, TINY, notebooks.fill_answers(course.release_notebook(TINY), answers))


def without_fallback_variable(function):
    saved = os.environ.pop(FALLBACK, None)
    try:
        return function()
    finally:
        if saved is not None:
            os.environ[FALLBACK] = saved


def test_without_bubblewrap_grading_refuses_and_says_how_to_opt_in(tmp_path):
    course = tiny_course(tmp_path, GradingSandbox={**NO_BWRAP, "fallback": "refuse"})
    submit(course, "alice", tiny_answers())
    outcome = course.autograde(TINY)
    log = outcome.get("log", "") + outcome.get("error", "")
    assert not outcome["success"]
    assert "Grading sandbox unavailable" in log
    assert "/nonexistent/bwrap" in log
    assert "c.GradingSandbox.fallback = 'limits-only'" in log
    assert f"{FALLBACK}=limits-only" in log
    assert not (course.root / "autograded" / "alice").exists()
    assert course.results(TINY) == {}  # nobody touched in the gradebook


@pytest.mark.parametrize("chosen_by", ["environment", "config"])
def test_limits_only_grades_with_a_warning_and_the_limits_still_hold(tmp_path, chosen_by):
    settings = dict(NO_BWRAP)
    if chosen_by == "config":
        settings["fallback"] = "limits-only"
    course = new_course(tmp_path / "course", [])
    course.settings["GradingSandbox"] = settings  # not the test machine's own fallback
    folder = course.root / "source" / TINY
    folder.mkdir(parents=True)
    nbformat.write(tiny_notebook(), folder / f"{TINY}.ipynb")
    course.generate(TINY)
    submit(course, "correct", tiny_answers())
    submit(course, "greedy", tiny_answers(one="big = bytearray(6 * 1024**3)\n    return 'one'"))
    submit(course, "quitter", tiny_answers(one="return 'one'\nimport os\nos._exit(0)"))
    environ = "print('environ:', open('/proc/self/environ', 'rb').read())"
    submit(course, "reads_environ", tiny_answers(one=f"return 'one'\n{environ}"))
    secret = "limits-only-secret-" + os.urandom(8).hex()

    def grade():
        if chosen_by == "environment":
            os.environ[FALLBACK] = "limits-only"
        os.environ["JUPYTERHUB_API_TOKEN"] = secret
        try:
            return course.autograde(TINY)
        finally:
            os.environ.pop("JUPYTERHUB_API_TOKEN")

    outcome = without_fallback_variable(grade)
    assert "GRADING WITHOUT SANDBOX" in outcome.get("log", "")
    assert "/proc/<pid>/environ" in outcome.get("log", "")  # the warning says what is left
    environ = "".join(
        output.get("text", "")
        for cell in course.graded_notebook("reads_environ", TINY).cells
        for output in cell.get("outputs", [])
    )
    assert "environ:" in environ and secret not in environ  # the kernel's own is clean
    results = course.results(TINY)
    assert results["correct"].cells == {"test_one": 1.0, "test_two": 1.0}
    assert results["greedy"].cells == {"test_one": 0.0, "test_two": 1.0}
    assert "MemoryError" in results["greedy"].failures["test_one"]
    assert results["quitter"].cells == {"test_one": 0.0, "test_two": 0.0}
    assert "KernelStopped" in results["quitter"].failures["one"]


def test_a_notebook_that_runs_too_long_is_cut_at_its_time_limit(tmp_path):
    course = tiny_course(
        tmp_path,
        Execute={"timeout": 4},
        GradingSandbox={"notebook_timeout": 5},
    )
    answers = {
        name: f"import time\ntime.sleep(3)\ndef {name}():\n    return '{name}'"
        for name in ("one", "two")
    }
    submit(course, "slow", answers)
    started = time.monotonic()
    course.autograde(TINY)
    assert time.monotonic() - started < 30
    result = course.results(TINY)["slow"]
    assert result.cells == {"test_one": 1.0, "test_two": 0.0}
    assert "time limit of 5 seconds" in result.failures["test_two"]


def test_a_test_that_runs_forever_is_stopped_and_the_next_test_runs(tmp_path):
    """The guardian's watchdog ends a test at the cell time limit; later tests still run."""
    course = tiny_course(tmp_path, Execute={"timeout": 3})
    endless = "while True:\n        pass"
    submit(course, "endless", tiny_answers(one=endless))
    course.autograde(TINY)
    result = course.results(TINY)["endless"]
    assert result.cells == {"test_one": 0.0, "test_two": 1.0}
    assert "time limit" in result.failures["test_one"]


# Every place a kernel might write, as seen from its folder (kernels/<n>/work): the
# sandbox's /tmp and /dev/shm, the hidden folders (read-only tmpfs), /dev, its HOME,
# the folder of all kernels' folders, and the course folder (hidden).
PLACES = (
    '["/tmp", "/dev/shm", "/run", "/var/tmp", "/home", "/root", "/mnt", "/media", "/dev",'
    ' os.path.expanduser("~"), "../..", "@COURSE@"]'
)

LEAVES_THINGS = f"""
import ctypes, os, subprocess
written = []
for folder in {PLACES}:
    try:
        with open(os.path.join(folder, "left-by-alice"), "w") as file:
            file.write("secret of alice")
        written.append(folder)
    except OSError:
        pass
print("alice wrote in:", written)
open("alice.txt", "w").write("alice's own file")
libc = ctypes.CDLL(None, use_errno=True)
print("alice's shared memory:", libc.shmget(0x5353, 4096, 0o1666))  # IPC_CREAT, for anyone
print("alice's queue:", libc.mq_open(b"/left-by-alice", os.O_CREAT | os.O_RDWR, 0o666, None))
subprocess.Popen(["sleep", "120"], start_new_session=True)
print("alice's folder:", os.getcwd())
"""

LOOKS_AROUND = f"""
import ctypes, glob, os
found = [path for folder in {PLACES} for path in glob.glob(os.path.join(folder, "left-by-*"))]
kernels = os.path.dirname(os.path.dirname(os.getcwd()))  # the folder of every kernel's folder
own = os.path.dirname(os.getcwd())
found += [path for path in glob.glob(kernels + "/*/work/*.txt") if not path.startswith(own)]
print("found:", found)
print("shared memory:", ctypes.CDLL(None).shmget(0x5353, 0, 0))  # -1: there is none
print("queue:", ctypes.CDLL(None).mq_open(b"/left-by-alice", os.O_RDWR))  # -1 too
sleepers = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        if b"sleep" in open(f"/proc/{{pid}}/cmdline", "rb").read():
            sleepers.append(pid)
    except OSError:
        pass
print("others:", sleepers)
"""


def submit_alice_and_bob(course):
    for student, code in (("a_alice", LEAVES_THINGS), ("b_bob", LOOKS_AROUND)):
        code = code.replace("@COURSE@", str(course.root))
        submit(course, student, tiny_answers(one="return 'one'\n" + code))


def printed(course, student):
    return "\n".join(
        output.get("text", "")
        for cell in course.graded_notebook(student, TINY).cells
        for output in cell.get("outputs", [])
    )


def assert_bob_finds_nothing_of_alice(course):
    alice, bob = printed(course, "a_alice"), printed(course, "b_bob")
    assert "alice's folder:" in alice, alice  # alice's code ran
    assert "found: []" in bob, bob
    assert "shared memory: -1" in bob, bob
    assert "queue: -1" in bob, bob
    assert "others: []" in bob, bob


@pytest.mark.sandbox
def test_one_notebook_leaves_nothing_for_the_next(tmp_path):
    """Files, processes, shared memory: gone before the next kernel starts."""
    course = tiny_course(tmp_path)
    submit_alice_and_bob(course)
    outcome = course.autograde(TINY)
    assert outcome["success"], outcome.get("log", "")
    assert_bob_finds_nothing_of_alice(course)


def ordinary_user_command():
    """(argv prefix that runs a command as an ordinary user, None) or (None, why not).

    As an ordinary user already: nothing to add. As root: setpriv to `nobody`; where
    the Python environment lies below a folder nobody may enter (a pyenv in /root),
    inside a mount namespace (bwrap, as root) that shows it again, read-only, there.
    """
    if os.getuid() != 0:
        return [], None
    setpriv, bwrap = shutil.which("setpriv"), shutil.which("bwrap")
    if setpriv is None or bwrap is None:
        return None, "setpriv (util-linux) and bwrap are needed to grade as an ordinary user"
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        return None, "this machine has no user 'nobody' to grade as"
    prefix = [setpriv, f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups"]
    needed = {Path(folder).resolve() for folder in (sys.prefix, sys.base_prefix)}
    shown = []
    for folder in needed:
        closed = next((p for p in reversed(folder.parents) if not p.stat().st_mode & 0o001), None)
        if closed is not None:  # show its child on the way to the folder (/root/.pyenv)
            child = closed / folder.relative_to(closed).parts[0]
            shown += ["--tmpfs", str(closed), "--ro-bind", str(child), str(child)]
    if shown:
        prefix = [bwrap, "--dev-bind", "/", "/", "--die-with-parent", *shown, "--", *prefix]
    probe = subprocess.run(
        [*prefix, "--", bwrap, "--unshare-user", "--disable-userns", "--unshare-pid"]
        + ["--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--", sys.executable]
        + ["-c", "import nbgrader"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if probe.returncode != 0:
        return None, f"an ordinary user cannot run the sandbox here: {probe.stderr.strip()}"
    return [*prefix, "--"], None


@pytest.mark.sandbox
def test_graded_by_an_ordinary_user_one_notebook_leaves_nothing_for_the_next():
    """As an ordinary user the kernel owns its sandbox's folders: the hidden folders are
    read-only, /tmp, /dev/shm, the kernels' folder and shared memory are emptied."""
    prefix, why_not = ordinary_user_command()
    if prefix is None:
        pytest.skip(why_not)
    base = Path(tempfile.mkdtemp(prefix="coursekit-ordinary-user-"))  # not under /root
    try:
        course = tiny_course(base)
        submit_alice_and_bob(course)
        home = base / "home"
        (home / ".cache" / "matplotlib").mkdir(parents=True)
        for font_list in matplotlib_font_lists():  # no slow font scan in the sandbox
            shutil.copy(font_list, home / ".cache" / "matplotlib")
        if os.getuid() == 0:
            nobody = pwd.getpwnam("nobody")
            for path in [base, *base.rglob("*")]:
                os.chown(path, nobody.pw_uid, nobody.pw_gid, follow_symlinks=False)
        env = {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.defpath}",
            "HOME": str(home),
            "LANG": "C.UTF-8",
        }
        grading = subprocess.run(
            [*prefix, sys.executable, "-m", "nbgrader", "autograde", TINY, "--force"],
            cwd=course.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert grading.returncode == 0, grading.stdout[-3000:] + grading.stderr[-3000:]
        assert "GRADING WITHOUT SANDBOX" not in grading.stderr
        assert_bob_finds_nothing_of_alice(course)
        written = printed(course, "a_alice").split("alice wrote in: ")[1].splitlines()[0]
        for read_only in ("/run", "/var/tmp", "/home", "/root", "/mnt", "/media", "/dev"):
            assert f"'{read_only}'" not in written, written  # only /tmp, /dev/shm, her folders
        assert str(course.root) not in written, written
    finally:
        shutil.rmtree(base, ignore_errors=True)


def sleeping_answers(seconds):
    """Right answers whose first cell sleeps first: a notebook to kill a grader in."""
    return {
        **tiny_answers(),
        "one": f"import time\ntime.sleep({seconds})\n" + tiny_answers()["one"],
    }


def start_grader(course):
    """`nbgrader autograde` of the tiny assignment as a process of its own, to be killed; the
    course's nbgrader_config.py alone decides the sandbox (no fallback variable)."""
    env = {name: value for name, value in os.environ.items() if name != FALLBACK}
    return subprocess.Popen(
        [sys.executable, "-m", "nbgrader", "autograde", TINY, "--force"],
        cwd=course.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.sandbox
def test_a_crash_in_the_middle_of_a_class_keeps_the_grades_already_given(tmp_path):
    course = tiny_course(tmp_path, Execute={"timeout": 3})
    for student, answers in [
        ("a_first", tiny_answers()),
        ("b_slow", sleeping_answers(20)),
        ("c_last", tiny_answers()),
    ]:
        submit(course, student, answers)
    grader = start_grader(course)
    deadline = time.monotonic() + 90
    while not (course.root / "autograded" / "b_slow").exists():
        assert time.monotonic() < deadline and grader.poll() is None, "b_slow was never graded"
        time.sleep(0.2)
    time.sleep(2)
    grader.kill()  # the power cut: SIGKILL in the middle of b_slow's notebook
    grader.wait()
    time.sleep(1)
    assert kernels_of(grader.pid) == []  # the sandbox died with the grader
    results = course.results(TINY)
    assert results["a_first"].cells == {"test_one": 1.0, "test_two": 1.0}
    assert "c_last" not in results or not results["c_last"].cells
    course.autograde(TINY)  # grading again finishes the class and keeps what was given
    assert runtime_folders_of(grader.pid) == []  # the next run removed what was left
    results = course.results(TINY)
    assert results["a_first"].cells == results["c_last"].cells == {"test_one": 1.0, "test_two": 1.0}
    assert results["b_slow"].cells == {"test_one": 0.0, "test_two": 1.0}  # interrupted at 3 s


def test_without_the_sandbox_a_killed_grader_leaves_no_kernel_running(tmp_path):
    """Limits only (a laptop without bubblewrap): no process namespace ends the kernels with
    the grader, so the zygote, told by its closed socket, ends them before it goes."""
    course = tiny_course(tmp_path)
    with open(course.root / "nbgrader_config.py", "a", encoding="utf-8") as config:
        config.write(f"c.GradingSandbox.bwrap = {NO_BWRAP['bwrap']!r}\n")  # the grader below
        config.write("c.GradingSandbox.fallback = 'limits-only'\n")  # reads the file only
    submit(course, "a_slow", sleeping_answers(30))
    grader = start_grader(course)
    deadline = time.monotonic() + 90
    while len(kernels_of(grader.pid)) < 2:  # the zygote and the kernel it forked
        assert time.monotonic() < deadline and grader.poll() is None, "no kernel started"
        time.sleep(0.2)
    time.sleep(2)
    grader.kill()  # the power cut, in the middle of the notebook
    grader.wait()
    deadline = time.monotonic() + 10
    while kernels_of(grader.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert kernels_of(grader.pid) == []


def runtime_folders_of(pid):
    import tempfile

    return sorted(Path(tempfile.gettempdir()).glob(f"{RUNTIME_PREFIX}{pid}-*"))


def kernels_of(pid):
    """Processes still running with a runtime folder of grader `pid` on their command line."""
    found = []
    marker = f"{RUNTIME_PREFIX}{pid}-".encode()
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                command = Path(entry.path, "cmdline").read_bytes()
            except OSError:
                continue
            if marker in command:
                found.append(command.replace(b"\0", b" ").decode(errors="replace"))
    return found


# --- Pieces, without running a kernel ------------------------------------------------------


def test_the_course_is_hidden_but_its_python_environment_stays_visible():
    folders, files, visible = hidden_layout([REPO, "/nonexistent"], sys.executable)
    real_repo = REPO.resolve()
    assert any(real_repo == folder or folder in real_repo.parents for folder in folders)
    for private in ("/tmp", "/run"):
        assert Path(private) in folders
    prefix = Path(sys.prefix).resolve()
    if any(folder in prefix.parents for folder in folders):
        assert any(folder == prefix or folder in prefix.parents for folder in visible)
    assert not any(real_repo == folder or folder in real_repo.parents for folder in visible)


def test_a_python_environment_holding_the_course_cannot_be_sandboxed():
    with pytest.raises(ValueError, match="must stay hidden"):
        hidden_layout([Path(sys.prefix) / "bin"], sys.executable)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (0, "exited with code 0"),
        (-11, "segmentation fault"),
        (-24, "CPU time limit"),
        (-9, "killed"),
        (None, "stopped responding"),
    ],
)
def test_exit_statuses_are_explained(code, words):
    assert words in describe_exit(code)
