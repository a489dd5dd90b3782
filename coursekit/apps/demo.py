"""`make demo`: a whole term of the course on a sample class of ten, in build/demo-term/.

    python -m coursekit.apps.demo [FOLDER]

FOLDER (default build/demo-term, ignored by git) is wiped and rebuilt as a course of
its own, so the course's real folders (gradebook.db, submitted/) are never touched.
The term, each step nbgrader's own, run in this process (coursekit/course.py):

1. the instructor imports the class list, generates and releases both assignments;
2. half of the class fetches and submits through the exchange (coursekit/demo/students.py);
   the deadline passes, and one student submits late;
3. the other half uploads to eLearn; the downloads come in with zip_collect
   (coursekit/demo/lms_zips.py), the exchange half with collect;
4. autograde, feedback and the grades export;
5. the table of students x assignments, and what the instructor should look at
   (coursekit/demo/table.py).

The sample class is the course's own code, so on a machine without bubblewrap the demo
grades with the sandbox's limits only, and says so first; real grading still refuses
without the sandbox unless the instructor chooses (docs/grading-safety.md).
"""

import argparse
import datetime
import hashlib
import logging
import shutil
import sys
import time
import warnings
from pathlib import Path

from sqlalchemy.exc import SAWarning
from traitlets.config import Config

from coursekit.course import REPO, Course
from coursekit.demo import lms_zips, roster, students, table
from coursekit.sandbox.settings import GradingSandbox, why_unavailable

DEFAULT_FOLDER = REPO / "build" / "demo-term"
MARKER = ".demo-term"  # only a folder holding this file is ever wiped


class DemoError(RuntimeError):
    """A step of the term failed: it cannot go on."""


def fresh_folder(folder):
    folder = Path(folder).resolve()
    if folder.exists() and any(folder.iterdir()):
        if not (folder / MARKER).exists():
            raise DemoError(f"{folder} is not empty and is not a demo folder: not wiping it")
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("Made by `make demo`; wiped on each run.\n", encoding="utf-8")
    return folder


def grading_settings(out, settings):
    """Sandboxed where bubblewrap runs; limits only (said first) where it does not."""
    reason = why_unavailable(GradingSandbox(config=Config(settings)))
    if reason is None:
        out("Grading runs in the bubblewrap sandbox.")
        return {}
    out(f"Grading WITHOUT the sandbox ({reason}).")
    out("The sample class is the course's own code, so the demo grades it with the sandbox's")
    out("limits only. Real grading refuses without the sandbox unless you choose")
    out("(docs/grading-safety.md).")
    return {"GradingSandbox": {**settings.get("GradingSandbox", {}), "fallback": "limits-only"}}


def file_hashes(folder):
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


class Demo:
    """The term, step by step, printed as it goes."""

    def __init__(self, folder, out=print, settings=None):
        """`settings`: nbgrader settings for this term's course (a test's, e.g. no sandbox)."""
        self.out, self.step_number = out, 0
        self.folder = fresh_folder(folder)
        self.exchange = self.folder / "exchange"
        out(f"A term of the activation-functions course, in {self.folder}")
        settings = {**(settings or {}), **grading_settings(out, settings or {})}
        settings["Exchange"] = {"root": str(self.exchange)}
        # The term tells its own story; nbgrader's logs go to the terminal only for errors.
        settings["Application"] = {"log_level": "ERROR"}
        logging.getLogger("traitlets").setLevel(logging.ERROR)
        # nbgrader 0.9.6 with SQLAlchemy 2.1 warns on a student's first autograde; the grades
        # are right (../shared/notes/nbgrader-facts.md).
        warnings.filterwarnings("ignore", category=SAWarning)
        self.course = Course.from_repository(self.folder, settings=settings)
        self.course_id = self.course.config().CourseDirectory.course_id
        self.names = {student.student_id: student.name for student in roster.CLASS}

    def step(self, title):
        self.step_number += 1
        self.out(f"\n{self.step_number}. {title}")

    def release(self):
        self.step("The instructor imports the class list, generates and releases both assignments")
        self.course.add_students(roster.roster_rows())
        for assignment in roster.ASSIGNMENTS:
            self.course.generate(assignment)
            self.course.release(assignment)
            self.out(f"   released {assignment}")

    def exchange_half(self, late):
        homes = self.folder / "students"
        for student in (s for s in roster.CLASS if s.route == "exchange"):
            for assignment, hand_in in student.work.items():
                if hand_in.answers and hand_in.late == late:
                    told = students.hand_in(
                        student, assignment, hand_in, self.course_id, self.exchange, homes
                    )
                    who = f"{student.student_id} {table.pad(student.name, 14)}"
                    self.out(f"   {who} submitted {told}{' late' if late else ''}")

    def deadline_passes(self):
        self.due = datetime.datetime.now(datetime.UTC)
        self.out(f"   The deadlines pass ({self.due:%Y-%m-%d %H:%M:%S} UTC), set in the gradebook.")
        for assignment in roster.ASSIGNMENTS:
            self.course.set_due_date(assignment, self.due)

    def collect(self):
        self.step("The other students upload to eLearn; the downloads come in with zip_collect")
        for assignment in roster.ASSIGNMENTS:
            moodle = assignment == "leaky_relu_homework"  # one flat download, one in Moodle folders
            path = lms_zips.write_download(self.course, assignment, self.due, moodle)
            layout = "Moodle folders" if moodle else "flat, as the slides name the files"
            self.out(f"   {path.relative_to(self.folder)} ({layout})")
            self.course.zip_collect(assignment)
        self.step("The instructor collects the exchange submissions")
        for assignment in roster.ASSIGNMENTS:
            self.course.collect(assignment)

    def grade(self):
        self.step("Autograde, feedback and grades")
        submitted = self.folder / "submitted"
        before = file_hashes(submitted)
        for assignment in roster.ASSIGNMENTS:
            outcome = self.course.autograde(assignment)
            if not outcome["success"]:
                self.out(f"   autograde of {assignment} reported errors: see its notes below")
            self.course.generate_feedback(assignment)
        self.course.export(self.folder / "grades.csv")
        if file_hashes(submitted) != before:
            raise DemoError("grading changed submitted files")
        self.out(
            f"   {len(before)} submitted files, unchanged by grading (sha256 before and after)"
        )

    def report(self):
        self.step("Grades")
        rows, notes = table.rows(self.course, self.names)
        notes += table.collection_notes(self.course, roster.ASSIGNMENTS)
        for line in table.lines(rows, roster.ASSIGNMENTS, notes, self.names):
            self.out("   " + line if line else "")
        self.notes = notes
        feedback = self.folder / "feedback"
        self.out(f"\n   Feedback (HTML, hidden tests removed): {feedback}/<student>/<assignment>/")
        self.out(f"   Grades for the LMS gradebook:         {self.folder / 'grades.csv'}")
        self.out("   (+manual): the written answer of leaky_relu_homework (4 points) waits for")
        self.out("   manual grading: cd into the folder, run `jupyter lab`, open Formgrader.")
        return rows

    def run(self):
        started = time.monotonic()
        self.release()
        self.step("Students in JupyterLab fetch, answer and submit through the exchange")
        self.exchange_half(late=False)
        self.deadline_passes()
        self.exchange_half(late=True)
        self.collect()
        self.grade()
        rows = self.report()
        self.out(f"\nDone in {time.monotonic() - started:.0f} s.")
        return rows, self.notes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(DEFAULT_FOLDER))
    args = parser.parse_args(argv)
    try:
        Demo(args.folder).run()
    except DemoError as error:
        print(f"\nThe term stopped: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
