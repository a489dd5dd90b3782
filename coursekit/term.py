"""An instructor's whole term in one command, on nbgrader's own commands.

    python -m coursekit.term [FOLDER]        (what `make demo` runs)

FOLDER (default build/demo-term, ignored by git) is wiped and rebuilt as a
course of its own: this repository's nbgrader_config.py, coursekit and source/,
a class list, an exchange folder and a home folder per student. The real
course folders at the repository root (gradebook.db, submitted/, autograded/)
are never touched, so the demo cannot mix sample students into real grades.

The term, each step a plain `nbgrader` command (full output in FOLDER/logs/):
1. generate and release both assignments;
2. half of the class fetches and submits through the exchange, each student in
   their own folder; then the deadline passes, and one student submits late;
3. the other half uploads to the e-learning system; its download (a zip) comes
   in with `nbgrader zip_collect`; `nbgrader collect` brings the exchange half;
4. every submission is checked (without changing it), autograded, given
   feedback, and the grades are exported;
5. a table of students x assignments, and where the feedback and grades are.
"""

import argparse
import concurrent.futures
import csv
import datetime
import hashlib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import unicodedata
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import nbformat

from coursekit import bundle, demo_class
from coursekit.lms import notebook_problem

REPO = Path(__file__).resolve().parent.parent
DEFAULT_FOLDER = REPO / "build" / "demo-term"
MARKER = ".demo-term"  # only a folder holding this file is ever wiped
LMS_TIMEZONE = ZoneInfo("Asia/Taipei")  # the e-learning server's clock


class TermError(RuntimeError):
    """An instructor step failed: the term cannot go on."""


def display_width(text):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text, width):
    return text + " " * max(0, width - display_width(text))


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class Term:
    """One demo course folder and the commands run in it."""

    def __init__(self, folder, out=print):
        self.folder = Path(folder).resolve()
        self.out = out
        self.logs = self.folder / "logs"
        self.exchange = self.folder / "exchange"
        self.students_home = self.folder / "students"
        self.notes = []  # (student id or "", message) found while collecting and grading
        self.step_number = 0
        self.timings = []  # (nbgrader subcommand, seconds)
        self.unreadable = set()  # (student id, assignment) reported by zip_collect
        bin_dir = str(Path(sys.executable).parent)
        self.env = dict(os.environ)
        self.env["PATH"] = bin_dir + os.pathsep + self.env.get("PATH", "")
        self.env["NBGRADER_EXCHANGE"] = str(self.exchange)
        self.env["PYTHONUTF8"] = (
            "1"  # `nbgrader db ... import` opens CSV files in the locale's encoding
        )
        for threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            self.env.setdefault(threads, "1")  # many short kernels on few cores

    # --- running commands -------------------------------------------------

    def nbgrader(self, *args, cwd=None, log, quiet=False, check=True):
        """Run `nbgrader ARGS` (in the course folder unless `cwd`), keep its output in logs/."""
        cwd = Path(cwd or self.folder)
        if not quiet:
            where = "" if cwd == self.folder else f"(in {cwd.relative_to(self.folder)}) "
            self.out(f"   $ {where}nbgrader {shlex.join(args)}")
        started = time.monotonic()
        run = subprocess.run(
            [sys.executable, "-m", "nbgrader", *args],
            cwd=cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        seconds = time.monotonic() - started
        self.timings.append((args[0], seconds))
        with open(self.logs / f"{log}.log", "a", encoding="utf-8") as handle:
            handle.write(f"$ nbgrader {shlex.join(args)}  (in {cwd}, {seconds:.1f} s)\n")
            handle.write(f"{run.stdout}{run.stderr}\n")
        if check and run.returncode != 0:
            raise TermError(
                f"`nbgrader {shlex.join(args)}` failed; see {self.logs / (log + '.log')}:\n"
                + "\n".join(run.stderr.strip().splitlines()[-15:])
            )
        return run

    def step(self, title):
        self.step_number += 1
        self.out(f"\n{self.step_number}. {title}")

    def note(self, student_id, message):
        self.notes.append((student_id, message))

    # --- 0. a fresh course folder -----------------------------------------

    def prepare(self):
        """Wipe the demo folder (only if it is one) and copy the course into it."""
        if self.folder.exists() and any(self.folder.iterdir()):
            if not (self.folder / MARKER).exists():
                raise TermError(
                    f"{self.folder} is not empty and is not a demo folder: not wiping it"
                )
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / MARKER).write_text(
            "Made by `python -m coursekit.term`; wiped on each run.\n"
        )
        ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "demo_class")
        shutil.copy(REPO / "nbgrader_config.py", self.folder / "nbgrader_config.py")
        shutil.copytree(REPO / "coursekit", self.folder / "coursekit", ignore=ignore)
        shutil.copytree(REPO / "source", self.folder / "source", ignore=ignore)
        self.logs.mkdir()
        with open(self.folder / "class_list.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, ["id", "first_name", "last_name", "email"])
            writer.writeheader()
            writer.writerows(demo_class.roster_rows())
        self.course_id = bundle.course_id(self.folder)

    # --- 1. generate and release ------------------------------------------

    def release(self):
        self.step("The instructor imports the class list, generates and releases both assignments")
        self.nbgrader("db", "student", "import", "class_list.csv", log="01-release")
        for assignment in demo_class.ASSIGNMENTS:
            self.nbgrader("generate_assignment", assignment, "--force", log="01-release")
            self.nbgrader("release_assignment", assignment, "--force", log="01-release")

    # --- 2. the exchange half of the class --------------------------------

    def student_folder(self, student):
        home = self.students_home / student.student_id
        if not home.exists():
            home.mkdir(parents=True)
            config = bundle.student_config(self.course_id)
            (home / "nbgrader_config.py").write_text(config, encoding="utf-8")
        return home

    def hand_in_by_exchange(self, student, assignment, hand_in):
        """The student fetches, answers in JupyterLab, and submits. Returns what happened."""
        home = self.student_folder(student)
        log = f"02-exchange-{student.student_id}"
        self.nbgrader("fetch_assignment", assignment, cwd=home, log=log, quiet=True)
        path = home / assignment / f"{assignment}.ipynb"
        notebook = demo_class.answered(
            nbformat.read(path, as_version=4), assignment, hand_in.answers
        )
        nbformat.write(notebook, path)
        told = f"{assignment} ({hand_in.answers})"
        if hand_in.problem == "renamed-notebook":
            path.rename(path.with_name("我的作業.ipynb"))
            told += ", notebook renamed to 我的作業.ipynb"
        submit = ("submit", assignment, "--student", student.student_id)
        self.nbgrader(*submit, cwd=home, log=log, quiet=True)
        return told

    def exchange_half(self):
        self.step("Students in JupyterLab fetch, answer and submit through the exchange")
        self.out(f"   exchange: {self.exchange}; each student works in students/<id>/")
        students = [s for s in demo_class.CLASS if s.route == "exchange"]

        def on_time_work(student):
            done = []
            for assignment, hand_in in student.work.items():
                if hand_in.answers and not hand_in.late:
                    done.append(self.hand_in_by_exchange(student, assignment, hand_in))
            return done

        workers = max(1, min(len(students), os.cpu_count() or 1))
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(on_time_work, students))
        for student, done in zip(students, results, strict=True):
            self.out(f"   {student.student_id} {pad(student.name, 14)} submitted {'; '.join(done)}")

    def deadline_passes(self):
        """Record the deadlines in the gradebook, then the late students submit."""
        now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
        # the class exercise is due first, the homework a second later (so it is listed second)
        deadlines = {
            assignment: now + datetime.timedelta(seconds=1 + i)
            for i, assignment in enumerate(demo_class.ASSIGNMENTS)
        }
        self.due = max(deadlines.values())
        with open(self.folder / "deadlines.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["name", "duedate"])
            writer.writerows((a, f"{due:%Y-%m-%d %H:%M:%S} UTC") for a, due in deadlines.items())
        self.out(f"   The deadlines pass ({self.due:%Y-%m-%d %H:%M:%S} UTC), set in the gradebook:")
        self.nbgrader("db", "assignment", "import", "deadlines.csv", log="02-deadline")
        while datetime.datetime.now(datetime.UTC) < self.due + datetime.timedelta(seconds=1):
            time.sleep(0.2)
        for student in demo_class.CLASS:
            for assignment, hand_in in student.work.items():
                if student.route == "exchange" and hand_in.answers and hand_in.late:
                    told = self.hand_in_by_exchange(student, assignment, hand_in)
                    self.out(
                        f"   {student.student_id} {pad(student.name, 14)} submitted {told} late"
                    )

    # --- 3. the e-learning half of the class ------------------------------

    def released_notebook(self, assignment):
        return nbformat.read(self.folder / "release" / assignment / f"{assignment}.ipynb", 4)

    def upload_bytes(self, assignment, level):
        notebook = demo_class.answered(self.released_notebook(assignment), assignment, level)
        return nbformat.writes(notebook).encode("utf-8")

    def lms_time(self, days_before_due):
        """A zip entry time: the LMS server's wall clock, `days_before_due` before the deadline."""
        moment = self.due - datetime.timedelta(days=days_before_due)
        return moment.astimezone(LMS_TIMEZONE).timetuple()[:6]

    def lms_download(self, assignment, moodle_folders):
        """The zip an instructor downloads from eLearn for `assignment`."""
        entries = []  # (name in the zip, bytes, upload time)
        for student in (s for s in demo_class.CLASS if s.route == "lms"):
            hand_in = student.work[assignment]
            if hand_in.answers is None:
                continue
            name = demo_class.upload_name(student)
            folder = ""
            if moodle_folders:
                folder = (
                    f"{student.name}_{int(student.student_id) % 100000}_assignsubmission_file_/"
                )
            data = self.upload_bytes(assignment, hand_in.answers)
            if hand_in.earlier:
                earlier = self.upload_bytes(assignment, hand_in.earlier)
                entries.append((folder + name, earlier, self.lms_time(2)))
                name = name.replace(".ipynb", " (1).ipynb")  # how eLearn names a second file
            if hand_in.problem == "corrupt":
                data = data[: len(data) // 2]  # the upload broke off half way
            elif hand_in.problem == "empty":
                data = b""
            elif hand_in.problem == "wrong-name":
                name = f"{student.name}_{demo_class.COURSE_TITLE}.ipynb"  # no 學號
            if hand_in.problem == "no-utf8-flag":
                # the student zipped the notebook on Windows (cp950 names) and uploaded the zip
                inner = io.BytesIO()
                with zipfile.ZipFile(inner, "w") as student_zip:
                    student_zip.writestr(Cp950Name(name, self.lms_time(1)), data)
                name, data = name.replace(".ipynb", ".zip"), inner.getvalue()
            entries.append((folder + name, data, self.lms_time(1)))
        archive = self.folder / "downloaded" / assignment / "archive"
        archive.mkdir(parents=True)
        path = archive / f"eLearn {assignment} submissions.zip"
        with zipfile.ZipFile(path, "w") as download:
            for name, data, when in entries:
                download.writestr(zipfile.ZipInfo(name, when), data)
        return path

    def lms_half(self):
        self.step("The other students upload to eLearn; the downloads come in with zip_collect")
        for assignment in demo_class.ASSIGNMENTS:
            moodle = assignment == "leaky_relu_homework"  # one flat download, one in Moodle folders
            path = self.lms_download(assignment, moodle_folders=moodle)
            layout = "Moodle folders" if moodle else "flat, as the slides name the files"
            self.out(f"   {path.relative_to(self.folder)} ({layout})")
            run = self.nbgrader(
                "zip_collect", assignment, "--force", log=f"03-zip_collect-{assignment}"
            )
            for line in run.stderr.splitlines():
                message = line.split("] ", 1)[-1]
                if "WARNING" in line and any(key in message for key in LMS_NOTES):
                    self.note(student_named_in(message), f"{assignment}: {message}")
                    if "not a readable notebook" in message:
                        self.unreadable.add((student_named_in(message), assignment))

    def collect(self):
        self.step("The instructor collects the exchange submissions")
        for assignment in demo_class.ASSIGNMENTS:
            self.nbgrader("collect", assignment, "--update", log=f"03-collect-{assignment}")

    # --- 4. check, grade, feedback, grades --------------------------------

    def submitted_files(self):
        folder = self.folder / "submitted"
        return {str(p.relative_to(folder)): sha256(p) for p in folder.rglob("*") if p.is_file()}

    def check_submissions(self):
        """Name every student whose submission nbgrader cannot grade, before grading."""
        for assignment in demo_class.ASSIGNMENTS:
            expected = {p.name for p in (self.folder / "release" / assignment).glob("*.ipynb")}
            for folder in sorted((self.folder / "submitted").glob(f"*/{assignment}")):
                student_id = folder.parent.name
                for problem in submission_problems(folder, expected):
                    if "not a readable" in problem and (student_id, assignment) in self.unreadable:
                        continue  # zip_collect said so already
                    self.note(student_id, f"{assignment}: {problem}")

    def grade(self):
        self.step("Check, autograde, feedback and grades")
        self.check_submissions()
        before = self.submitted_files()
        for assignment in demo_class.ASSIGNMENTS:
            log = f"04-autograde-{assignment}"
            run = self.nbgrader("autograde", assignment, "--force", log=log, check=False)
            failed = re.findall(
                r"error processing assignment '[^']+' for student '([^']+)'", run.stderr
            )
            for student_id in sorted(set(failed)):
                self.note(
                    student_id, f"{assignment}: autograde failed, not graded (logs/{log}.log)"
                )
            # what the grading sandbox (nbgrader_config.py) says about a student's notebook
            for student_id, message in re.findall(r"\| ERROR\] Student (\S+): (.+)", run.stderr):
                message = re.sub(r": '.*'\)", ")", message)  # not the content of the file
                self.note(student_id, f"{assignment}: {message}")
            if run.returncode != 0 and not failed:
                raise TermError(f"autograde {assignment} failed; see {self.logs / (log + '.log')}")
        for assignment in demo_class.ASSIGNMENTS:
            self.nbgrader("generate_feedback", assignment, "--force", log="04-feedback")
        self.nbgrader("export", "--to", "grades.csv", log="04-export")
        after = self.submitted_files()
        if after != before:
            changed = sorted(
                k for k in before.keys() | after.keys() if before.get(k) != after.get(k)
            )
            raise TermError(f"grading changed submitted files: {changed}")
        self.out(f"   {len(after)} submitted files, unchanged by grading (sha256 before and after)")

    # --- 5. the table -----------------------------------------------------

    def table(self):
        """Rows of (student id, name, {assignment: (score, max, status)}) from grades.csv."""
        with open(self.folder / "grades.csv", encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        names = {s.student_id: s.name for s in demo_class.CLASS}
        table = []
        for row in rows:
            cells = {}
            for assignment in demo_class.ASSIGNMENTS:
                column = next(c for c in row if c.startswith(f"{assignment} (max "))
                maximum = column.removeprefix(f"{assignment} (max ").removesuffix(")")
                cells[assignment] = (row[column], maximum, row[f"{assignment} status"])
            table.append((row["student_id"], names.get(row["student_id"], ""), cells))
        return table

    def report(self):
        self.step("Grades")
        table = self.table()
        header = [pad("student", 10), pad("name", 14)]
        header += [pad(a, 30) for a in demo_class.ASSIGNMENTS]
        self.out("   " + " ".join(header).rstrip())
        for student_id, name, cells in table:
            line = [pad(student_id, 10), pad(name, 14)]
            for assignment in demo_class.ASSIGNMENTS:
                score, maximum, status = cells[assignment]
                line.append(pad(f"{score:>4} / {maximum:<3} {short_status(status)}", 30))
            self.out("   " + " ".join(line).rstrip())
        if self.notes:
            self.out("\n   What the instructor should look at (from collection and grading):")
            names = {s.student_id: s.name for s in demo_class.CLASS}
            for student_id, message in sorted(self.notes, key=lambda note: note[0] or "~"):
                who = f"{student_id} {names.get(student_id, '')}".strip() or "unmatched upload"
                self.out(f"   - {who}: {message}")
        feedback = self.folder / "feedback"
        self.out(f"\n   Feedback (HTML, hidden tests removed): {feedback}/<student>/<assignment>/")
        self.out(f"   Grades for the LMS gradebook:         {self.folder / 'grades.csv'}")
        self.out(f"   Every command's output:               {self.logs}/")
        self.out("   (+manual): the written answer of leaky_relu_homework (4 points) waits for")
        self.out("   manual grading: cd into the folder, run `jupyter lab`, open Formgrader.")
        return table

    def run(self):
        started = time.monotonic()
        self.out(f"A term of the activation-functions course, in {self.folder}")
        self.prepare()
        self.release()
        self.exchange_half()
        self.deadline_passes()
        self.collect()
        self.lms_half()
        self.grade()
        table = self.report()
        spent = {}
        for command, seconds in self.timings:
            spent[command] = spent.get(command, 0.0) + seconds
        summary = ", ".join(f"{command} {seconds:.0f} s" for command, seconds in spent.items())
        self.out(f"\nDone in {time.monotonic() - started:.0f} s ({summary}).")
        return table


LMS_NOTES = ("Skipped '", "Skipped empty", "uploaded", "not a readable notebook", "different names")


class Cp950Name(zipfile.ZipInfo):
    """A zip entry named in cp950 without the UTF-8 flag, as Windows' built-in zip writes it."""

    def __init__(self, name, date_time):
        self.raw_name = name.encode("cp950")
        super().__init__(self.raw_name.decode("cp437"), date_time)

    def _encodeFilenameFlags(self):
        return self.raw_name, self.flag_bits & ~0x800


def short_status(status):
    """The export's status, short enough for the table."""
    if status.startswith("not graded"):
        return "NOT GRADED"
    return status.replace(", needs manual grading", " (+manual)")


def student_named_in(message):
    match = re.search(r"\b(\d{6,})\b", message)
    return match.group(1) if match else ""


def submission_problems(folder, expected_notebooks):
    """Why nbgrader cannot grade the submission in `folder` (nothing if it can). Read-only."""
    problems = []
    present = {p.name for p in folder.glob("*.ipynb")}
    for name in sorted(expected_notebooks - present):
        found = ", ".join(sorted(present)) or "no notebook"
        problems.append(f"{name} is missing (found: {found}); it cannot be graded")
    for name in sorted(expected_notebooks & present):
        path = folder / name
        if path.stat().st_size == 0:
            problems.append(f"{name} is empty")
            continue
        reason = notebook_problem(path)
        if reason:
            problems.append(f"{name} is not a readable notebook ({reason})")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(DEFAULT_FOLDER))
    args = parser.parse_args(argv)
    try:
        Term(args.folder).run()
    except TermError as error:
        print(f"\nThe term stopped: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
