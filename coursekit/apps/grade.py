"""`make grade ASSIGNMENT=…`: autograde a class on every core; the grades plain autograde gives.

    python -m coursekit.apps.grade ASSIGNMENT [--student ID] [--force] [--workers N]
    python -m coursekit.apps.grade ASSIGNMENT --student ID --ahead-only   # one job of many
    python -m coursekit.apps.grade ASSIGNMENT --workers=-1                # then the grades

nbgrader grades one submission after another (upstream issue #174). This is its
AutogradeApp with one step in front: worker processes, one per core and one more
(default_workers), run every pending notebook ahead, each in the grading sandbox
with its own kernel factory, through nbgrader's own sanitize and execute steps
(without touching the gradebook), and record the executed notebook
(SafeExecute.record_to). Meanwhile nbgrader's ordinary sequential pass runs in this
process: sanitize, execute, save grades. Its execute step finds the recorded
notebook for the very same input (SafeExecute.replay_from) and takes it instead of
running it again, waiting for a worker that is still at it. So the gradebook is
written by one process, exactly as plain `nbgrader autograde` writes it (SQLite and
PostgreSQL alike), only sooner.

Like nbgrader autograde: already graded submissions are skipped unless --force or
resubmitted, so a run that was interrupted resumes where it stopped; progress is
printed as each student is saved.

Beyond one machine (docs/grading-at-scale.md), the workers become jobs: each job runs
`--ahead-only` for its students, in its own sandbox, and leaves the recorded notebooks in
the course folder's .grading-cache/ (shared storage); then one run with `--workers=-1`
(no workers) saves every grade from those records, running here only what no job ran.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps.autogradeapp import AutogradeApp
from nbgrader.converters import Autograde
from nbgrader.converters.base import BaseConverter
from nbgrader.utils import find_all_files
from traitlets import Bool, Integer

from coursekit.preprocessors.safe_execute import pending_marker

CACHE = ".grading-cache"  # in the course folder, ignored by git; removed after a full run
CLAIMS = "claimed"  # in an assignment's cache: one empty file per student a worker took


class PreExecute(Autograde):
    """nbgrader's Autograde, writing nothing but recorded notebooks (in a worker).

    Sanitizes and executes as Autograde does, into a scratch folder, without the
    gradebook writes of Autograde.init_assignment and with only the steps up to
    execution (FlagForReview, SafeExecute with record_to).
    """

    scratch = ""  # a folder inside the course folder, relative to it like nbgrader's own

    @property
    def _output_directory(self):
        return self.scratch

    @property
    def _input_directory(self):
        return self.coursedir.submitted_directory if self._sanitizing else self.scratch

    def init_assignment(self, assignment_id, student_id):
        """Autograde.init_assignment's file copying, without its gradebook writes."""
        BaseConverter.init_assignment(self, assignment_id, student_id)
        dest = self._format_dest(assignment_id, student_id)
        source = self.coursedir.format_path(self.coursedir.source_directory, ".", assignment_id)
        for filename in find_all_files(source, self.coursedir.ignore + ["*.ipynb"]):
            target = os.path.join(dest, os.path.relpath(filename, source))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy(filename, target)
        known = {name for name in os.listdir(source) if name.endswith(".ipynb")}
        self.notebooks = [path for path in self.notebooks if os.path.basename(path) in known]

    def _init_preprocessors(self):
        if not self._sanitizing:
            names = [str(pp) for pp in self.autograde_preprocessors]
            keep = names[: next(i for i, name in enumerate(names) if "SafeExecute" in name) + 1]
            self.exporter._preprocessors = []
            for preprocessor in keep:
                self.exporter.register_preprocessor(preprocessor)
            return
        super()._init_preprocessors()


def run_ahead(course_root, settings, assignment, students, cache, parent=None, claim=False):
    """A worker's job: run these students' notebooks in the sandbox, one after the other, and
    record them; say "done STUDENT" on stdout after each (a failure too: the sequential
    pass then grades that student itself, and says why). With `claim`, the workers share
    one list: each takes the next student no other worker has claimed (claimed()), so
    a slow notebook holds up one worker, not a share of the class dealt in advance. A
    worker whose grader is gone (killed) stops before its next student."""
    from coursekit.course import Course, in_folder

    if parent is not None:
        stop_with_parent()
    one_engine_per_database()

    config = Course(course_root, settings).config()
    config.SafeExecute.record_to = str(cache)
    config.Application.log_level = "ERROR"
    with in_folder(course_root):
        app = AutogradeApp(config=config)
        app.initialize([])
        app.update_config(config)
        for student in students:
            if parent is not None and os.getppid() != parent:
                return
            if claim and not claimed(cache, student):
                continue
            scratch = Path(cache) / "scratch" / student
            try:
                app.coursedir.assignment_id = assignment
                app.coursedir.student_id = student
                converter = PreExecute(coursedir=app.coursedir, parent=app)
                converter.scratch = os.path.relpath(scratch, course_root)
                converter.force = True
                converter.start()
            except Exception as error:  # noqa: BLE001 - see the docstring
                print(f"worker: {student} left to the grader ({error!r})", file=sys.stderr)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            print(f"done {student}", flush=True)


def claimed(cache, student):
    """True for the one worker that claims this student first (the file is created once)."""
    try:
        os.close(os.open(Path(cache) / CLAIMS / str(student), os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return False
    return True


_engines = {}  # (database URL, options) -> this process's one engine for it
_tables_made = set()  # the engines whose gradebook tables this process made or found


def one_engine_per_database():
    """nbgrader opens a new SQLAlchemy engine for every gradebook it opens, several times per
    student, and each new engine compiles every query again. One engine per database
    for this process keeps them compiled (Gradebook.close disposes of the engine's
    connections, not of the engine): the same queries, a quarter of the grader's time.
    Each opening also checks every table of the gradebook (create_all); once per
    engine is enough: a table made or found stays there while the class is graded."""
    import nbgrader.api

    nbgrader.api.create_engine = _one_engine
    nbgrader.api.Base.metadata.create_all = _make_tables_once


def _make_tables_once(bind, **options):
    """MetaData.create_all of nbgrader's tables, once per engine of this process."""
    from nbgrader.api import Base
    from sqlalchemy import MetaData

    if bind not in _tables_made:
        MetaData.create_all(Base.metadata, bind=bind, **options)
        _tables_made.add(bind)


def _one_engine(url, **options):
    """sqlalchemy.create_engine (which nbgrader.api calls), once per database and options."""
    from sqlalchemy import create_engine

    key = (str(url), tuple(sorted(options.items())))
    if key not in _engines:
        _engines[key] = create_engine(url, **options)
    return _engines[key]


def forget_parent_engines():
    """In a forked worker: leave the grader's database connections to the grader.

    SQLAlchemy's rule for a fork: the child disposes of the engine without closing the
    connections it inherited (they belong to the parent), then opens its own.
    """
    for engine in _engines.values():
        engine.dispose(close=False)
    _engines.clear()
    _tables_made.clear()


def stop_with_parent():
    """On Linux, ask the kernel to end this worker when its grader dies (PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(1, int(signal.SIGTERM))  # 1 = PR_SET_PDEATHSIG


class Workers:
    """Worker processes, default_workers() of them, each running run_ahead on the class.

    Each worker claims the next student no other worker took, in the order nbgrader
    grades them, so that the sequential pass rarely waits and no worker is idle while
    another still has a queue; each worker's "done" lines remove a pending marker.
    Every worker is started before the threads that follow them (a fork copies only
    the thread that forks).
    """

    def __init__(self, count, course_root, settings, assignment, students, cache):
        self.cache = cache
        claims = Path(cache) / CLAIMS
        shutil.rmtree(claims, ignore_errors=True)  # an interrupted run's claims: not this run's
        claims.mkdir(parents=True)
        task = [str(course_root), settings, assignment, students, str(cache)]
        self.processes = [start_worker(task) for _ in range(min(count, len(students)))]
        for process in self.processes:
            threading.Thread(target=self.follow, args=(process,), daemon=True).start()

    def follow(self, process):
        with process.stdout:  # closed when the worker ends: no pipe left to the collector
            for line in process.stdout:
                if line.startswith("done "):
                    student = line.split(" ", 1)[1].strip()
                    pending_marker(self.cache, student).unlink(missing_ok=True)
        for marker in (Path(self.cache) / "pending").glob("*"):  # a worker died: don't wait
            if process.poll() is not None and not any(p.poll() is None for p in self.processes):
                marker.unlink(missing_ok=True)

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def start_worker(task):
    """A worker running run_ahead(*task, parent=this process, claim=True), its "done" lines
    on .stdout.

    On Linux it is forked from this process, which has imported nbgrader and the course
    already: a fresh Python would spend about two CPU seconds importing them again, per
    worker. Elsewhere (macOS, where a fork that does not exec is unsafe) it is a new
    Python: `python -m coursekit.apps.grade --run-ahead TASK`.
    """
    task = [*task, os.getpid(), True]
    if sys.platform.startswith("linux"):
        return ForkedWorker(task)
    return subprocess.Popen(
        [sys.executable, "-m", "coursekit.apps.grade", "--run-ahead", json.dumps(task)],
        stdout=subprocess.PIPE,
        text=True,
    )


class ForkedWorker:
    """A worker forked from the grader, with the part of Popen that Workers uses."""

    def __init__(self, task):
        read_end, write_end = os.pipe()
        sys.stdout.flush()  # or the worker would write the grader's pending output again
        sys.stderr.flush()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(read_end)
            self.run(task, write_end)  # never returns
        os.close(write_end)
        self.stdout = open(read_end, encoding="utf-8")  # noqa: SIM115 - read by Workers.follow
        self.returncode = None

    @staticmethod
    def run(task, write_end):
        """The worker's whole life: its own gradebook connections and kernel factory, the
        students it claims, then an exit that runs none of the grader's exit handlers."""
        from coursekit.sandbox import factory

        code = 1
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)  # Workers.stop ends it, as a new Python
            signal.signal(signal.SIGINT, signal.default_int_handler)
            sys.stdout = open(write_end, "w", encoding="utf-8", buffering=1)  # noqa: SIM115
            forget_parent_engines()
            factory.forget_inherited_factories()
            run_ahead(*task)
            code = 0
        except BaseException:  # noqa: BLE001 - said on stderr; the grader grades the rest
            traceback.print_exc()
        finally:
            try:
                factory.stop_all()
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)

    def poll(self):
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout=None):
        give_up = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if give_up is not None and time.monotonic() > give_up:
                raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, signum):
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self):
        self.send_signal(signal.SIGTERM)

    def kill(self):
        self.send_signal(signal.SIGKILL)


def forced(config):
    """--force, as nbgrader's Autograde reads it: its own setting over BaseConverter's."""
    for section in ("Autograde", "BaseConverter"):
        if "force" in config.get(section, {}):
            return bool(config[section]["force"])
    return False


def submitted_students(coursedir, assignment):
    """The students with a submission of `assignment` that this run is asked about."""
    submitted = Path(coursedir.format_path(coursedir.submitted_directory, "*", assignment))
    excluded = set(filter(None, coursedir.student_id_exclude.split(",")))
    return [
        folder.parent.name
        for folder in sorted(submitted.parent.parent.glob(f"*/{assignment}"))
        if folder.is_dir()
        and folder.parent.name not in excluded
        and coursedir.student_id in ("*", folder.parent.name)
    ]


def pending_students(coursedir, assignment, force):
    """The students whose submission `nbgrader autograde` would grade now (its own rule).

    A graded folder left by a grader that was killed before saving the grades (a power
    cut) is removed first, so that its student is graded again rather than skipped.
    """
    found = []
    saved = students_with_saved_grades(coursedir, assignment)
    for student in submitted_students(coursedir, assignment):
        folder = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
        graded = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
        if graded.exists() and student not in saved:
            shutil.rmtree(graded)
        new = coursedir.get_existing_timestamp(str(folder))
        old = coursedir.get_existing_timestamp(str(graded))
        if force or not graded.exists() or (new and old and new > old):
            found.append(student)
    return found


def students_with_saved_grades(coursedir, assignment):
    """Students whose every automatic grade of `assignment` is in the gradebook."""
    saved = set()
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        try:
            submissions = gradebook.find_assignment(assignment).submissions
        except MissingEntry:
            return saved
        for submission in submissions:
            grades = [
                g
                for nb in submission.notebooks
                for g in nb.grades
                if g.cell_type_gradecell == "code"
            ]
            if grades and all(grade.auto_score is not None for grade in grades):
                saved.add(submission.student.id)
    return saved


class GradeApp(AutogradeApp):
    """nbgrader's AutogradeApp, with every notebook run ahead on every core."""

    name = "coursekit-grade"
    description = "Autograde a class on every core (the grades plain autograde gives)"
    workers = Integer(
        0, help="Worker processes; 0: one per core and one more; -1: none (use what jobs recorded)."
    ).tag(config=True)
    ahead_only = Bool(
        False, help="Only run the notebooks ahead and record them, here; save no grades."
    ).tag(config=True)
    aliases = {**AutogradeApp.aliases, "workers": "GradeApp.workers"}
    flags = {
        **AutogradeApp.flags,
        "ahead-only": ({"GradeApp": {"ahead_only": True}}, ahead_only.help),
    }

    def start(self):
        if len(self.extra_args) == 1 and self.coursedir.assignment_id == "":
            self.coursedir.assignment_id = self.extra_args[0]
            self.extra_args = []
        assignment = self.coursedir.assignment_id
        cache = Path(self.coursedir.root) / CACHE / assignment
        (cache / "pending").mkdir(parents=True, exist_ok=True)
        if self.ahead_only:  # a job: record, touch nothing else
            students = submitted_students(self.coursedir, assignment)
            run_ahead(self.coursedir.root, self.settings_for_workers(), assignment, students, cache)
            return
        one_engine_per_database()
        students = pending_students(self.coursedir, assignment, forced(self.config))
        self.config.SafeExecute.replay_from = str(cache)
        self.progress = Progress(len(students), self.log)
        self.config.Autograde.post_convert_hook = self.progress.student_done
        count = max(self.workers or default_workers(), 0)
        for student in students if count else ():
            pending_marker(cache, student).touch()  # a worker will record it: wait for it
        workers = Workers(
            count,
            self.coursedir.root,
            self.settings_for_workers(),
            assignment,
            students,
            cache,
        )
        try:
            super().start()
        finally:
            workers.stop()
        ran_ahead = len(list(cache.glob("*.ipynb")))
        print(f"{ran_ahead} notebook(s) run ahead by {len(workers.processes)} worker(s)")
        shutil.rmtree(Path(self.coursedir.root) / CACHE, ignore_errors=True)

    def settings_for_workers(self):
        """The nbgrader settings given to this app (beyond nbgrader_config.py), as plain data."""
        return {
            section: dict(values)
            for section, values in self.config.items()
            if section in ("GradingSandbox", "Execute", "Exchange", "CourseDirectory")
            and isinstance(values, dict)
        }


def default_workers():
    """One worker per core this process may use, and one more.

    A worker waits for each kernel to start and to stop (nbclient flushes the kernel's
    first messages, the factory cleans its sandbox); the one more runs its notebook
    meanwhile, so the cores stay busy. Cores: those the process may run on (a
    container's or a JupyterHub pod's CPU set), not all of the machine's.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    return cores + 1


class Progress:
    """Prints each student as nbgrader saves their grades, with the time left (upstream #1456)."""

    def __init__(self, total, log):
        self.total, self.done, self.log = total, 0, log
        self.started = time.monotonic()

    def student_done(self, assignment=None, student=None, notebooks=()):
        self.done += 1
        spent = time.monotonic() - self.started
        left = spent / self.done * (self.total - self.done)
        who = Path(notebooks[0]).parent.parent.name if notebooks else student
        so_far = f"{spent:.0f} s so far, about {left:.0f} s left"
        print(f"[{self.done}/{self.total}] {who} graded, {so_far}", flush=True)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--run-ahead"]:  # a worker of GradeApp
        run_ahead(*json.loads(argv[1]))
        return 0
    GradeApp.launch_instance(argv=argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
