"""The downloads of the e-learning half of the sample class: zips as eLearn and Moodle give them.

The instructor downloads every upload of an assignment as one zip and imports it with
`nbgrader zip_collect` (coursekit/plugins/lms.py). Each entry is named and dated as the
LMS stores it: the slides' 學號_組別_姓名_Activation functions.ipynb, eLearn's " (1)" for a
second upload, Moodle's "Full Name_12345_assignsubmission_file_/" folders; and the
awkward uploads of a real term (a corrupt file, an empty one, one without 學號, a
student's own zip made on Windows, whose names lack the UTF-8 flag).
"""

import datetime
import io
import zipfile
from zoneinfo import ZoneInfo

import nbformat

from coursekit.demo import roster
from coursekit.demo.answers import answered
from coursekit.plugins.lms import LmsCollector


class Cp950Name(zipfile.ZipInfo):
    """A zip entry named in cp950 without the UTF-8 flag, as Windows' built-in zip writes it."""

    def __init__(self, name, date_time):
        self.raw_name = name.encode("cp950")
        super().__init__(self.raw_name.decode("cp437"), date_time)

    def _encodeFilenameFlags(self):  # zipfile's own hook for how a name is stored
        return self.raw_name, self.flag_bits & ~0x800


def lms_time(due, days_before_due):
    """A zip entry's time: the LMS server's wall clock (its time zone), before the deadline."""
    timezone = ZoneInfo(LmsCollector.class_traits()["timezone"].default_value)
    moment = due - datetime.timedelta(days=days_before_due)
    return moment.astimezone(timezone).timetuple()[:6]


def upload(released, assignment, answers):
    return nbformat.writes(answered(released, assignment, answers)).encode("utf-8")


def entries(released, assignment, due, moodle_folders):
    """(name in the zip, bytes, time) of every upload of the e-learning half of the class."""
    found = []
    for student in (s for s in roster.CLASS if s.route == "lms"):
        hand_in = student.work[assignment]
        if hand_in.answers is None:
            continue
        name = roster.upload_name(student)
        folder = ""
        if moodle_folders:
            folder = f"{student.name}_{int(student.student_id) % 100000}_assignsubmission_file_/"
        data = upload(released, assignment, hand_in.answers)
        if hand_in.earlier:
            found.append((folder + name, upload(released, assignment, hand_in.earlier), 2))
            name = name.replace(".ipynb", " (1).ipynb")  # how eLearn names a second file
        if hand_in.problem == "corrupt":
            data = data[: len(data) // 2]  # the upload broke off half way
        elif hand_in.problem == "empty":
            data = b""
        elif hand_in.problem == "wrong-name":
            name = f"{student.name}_{roster.COURSE_TITLE}.ipynb"  # no 學號
        if hand_in.problem == "no-utf8-flag":
            # the student zipped the notebook on Windows (cp950 names) and uploaded the zip
            inner = io.BytesIO()
            with zipfile.ZipFile(inner, "w") as student_zip:
                student_zip.writestr(Cp950Name(name, lms_time(due, 1)), data)
            name, data = name.replace(".ipynb", ".zip"), inner.getvalue()
        found.append((folder + name, data, 1))
    return [(name, data, lms_time(due, days)) for name, data, days in found]


def write_download(course, assignment, due, moodle_folders):
    """downloaded/ASSIGNMENT/archive/eLearn ASSIGNMENT submissions.zip; returns its path."""
    archive = course.root / "downloaded" / assignment / "archive"
    archive.mkdir(parents=True)
    path = archive / f"eLearn {assignment} submissions.zip"
    with zipfile.ZipFile(path, "w") as download:
        for name, data, when in entries(
            course.release_notebook(assignment), assignment, due, moodle_folders
        ):
            download.writestr(zipfile.ZipInfo(name, when), data)
    return path
