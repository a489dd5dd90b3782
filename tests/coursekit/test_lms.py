"""Submissions downloaded from the LMS come in with `nbgrader zip_collect` (coursekit.plugins.lms).

Real zip files are built in a temporary course, the way eLearn, Moodle and students'
own zip tools write them, and imported with the course's configuration: the class's
eLearn download once with the plain `nbgrader zip_collect` command, as the instructor
runs it; the other cases in this process, through coursekit.course.Course.
"""

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.apps import ZipCollectApp

from coursekit.plugins.lms import LmsCollector, repair_zip_name, safe_relative_path
from tests import tiny_assignment as tiny
from tests.conftest import new_course

# nbgrader's autograde, with SQLAlchemy 2.1: harmless "not in session" warnings
pytestmark = pytest.mark.filterwarnings("ignore:Object of type:sqlalchemy.exc.SAWarning")

UPLOAD_TIME = (2025, 3, 1, 10, 0, 0)  # LMS server time (Asia/Taipei)
NEXT_DAY = (2025, 3, 2, 9, 0, 0)


class RawNameInfo(zipfile.ZipInfo):
    """A zip entry whose name is stored as raw bytes without the UTF-8 flag,
    as Windows' built-in zip (cp950 in Taiwan) or older macOS tools write it."""

    def __init__(self, raw_name, date_time=UPLOAD_TIME):
        super().__init__(raw_name.decode("cp437"), date_time)
        self.raw_name = raw_name

    def _encodeFilenameFlags(self):
        return self.raw_name, self.flag_bits & ~0x800


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def notebook_bytes(course, answer):
    return nbformat.writes(tiny.answered(course, answer)).encode("utf-8")


def archive_folder(course):
    """Where the instructor puts the LMS download: downloaded/ASSIGNMENT/archive/."""
    folder = course.root / "downloaded" / tiny.NAME / "archive"
    folder.mkdir(parents=True)
    return folder


def nbgrader_zip_collect(course):
    """The plain command, run in the course folder as the instructor would; its log."""
    run = subprocess.run(
        [sys.executable, "-m", "nbgrader", "zip_collect", tiny.NAME, "--force"],
        cwd=course.root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout + run.stderr


def submitted(course, student):
    return course.submission_folder(student, tiny.NAME) / f"{tiny.NAME}.ipynb"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = new_course(tmp_path_factory.mktemp("lms") / "course")
    tiny.add_to(course)
    return course


@pytest.fixture(scope="module")
def class_download(course):
    """The eLearn download of a whole class, imported once (nbgrader command) for several tests."""
    uploads = {
        # name in the zip -> (bytes, upload time, how it is stored)
        "110034501_3_王小明_Activation functions.ipynb": (tiny.CORRECT, UPLOAD_TIME, "flag"),
        "110034502_3_Mary Chen_Activation functions.ipynb": (tiny.PARTIAL, UPLOAD_TIME, "flag"),
        "110034503_1_林怡君_Activation functions.ipynb": (tiny.PARTIAL, UPLOAD_TIME, "cp950"),
        "110034504_2_陳大文_Activation functions.ipynb": (tiny.BROKEN, UPLOAD_TIME, "utf-8"),
        # two uploads: the newer one sorts FIRST by name, so only the time can pick it
        "110034505_2_張三_Activation functions (1).ipynb": (tiny.CORRECT, NEXT_DAY, "flag"),
        "110034505_2_張三_Activation functions.ipynb": (tiny.PARTIAL, UPLOAD_TIME, "flag"),
        "homework.ipynb": (tiny.CORRECT, UPLOAD_TIME, "flag"),
        "110034506_1_李四_Activation functions.ipynb": (None, UPLOAD_TIME, "flag"),
        "110034507_1_王五_Activation functions.ipynb": (b"{not a notebook", UPLOAD_TIME, "flag"),
    }
    contents = {}
    with zipfile.ZipFile(archive_folder(course) / "eLearn download.zip", "w") as bundle:
        for name, (answer, when, storage) in uploads.items():
            if answer is None:
                data = b""
            elif isinstance(answer, bytes):
                data = answer
            else:
                data = notebook_bytes(course, answer)
            contents[name] = data
            if storage == "flag":
                info = zipfile.ZipInfo(name, when)
            else:
                info = RawNameInfo(name.encode(storage), when)
            bundle.writestr(info, data)
    log = nbgrader_zip_collect(course)
    return contents, log


def test_zip_without_utf8_flag_is_read_by_python_as_cp437_garbage():
    info = RawNameInfo("林怡君.ipynb".encode("cp950"))
    assert info.filename != "林怡君.ipynb"  # what zipfile alone would give
    assert repair_zip_name(info) == ("林怡君.ipynb", "cp950")
    assert repair_zip_name(RawNameInfo("陳大文.ipynb".encode()))[0] == "陳大文.ipynb"
    assert repair_zip_name(zipfile.ZipInfo("王小明.ipynb"))[0] == "王小明.ipynb"


def test_zip_entries_cannot_escape_the_extraction_folder():
    assert str(safe_relative_path("../../etc/passwd")) == "etc/passwd"
    assert str(safe_relative_path("/abs/x.ipynb")) == "abs/x.ipynb"
    assert str(safe_relative_path("C:\\Users\\a\\x.ipynb")) == "Users/a/x.ipynb"
    assert safe_relative_path("../") is None


@pytest.mark.parametrize(
    "settings, where",
    [
        ({}, "downloaded/tiny/extracted"),  # nbgrader's defaults
        (
            {
                "collect_directory_structure": "{downloaded}/lms/{collect_step}/{assignment_id}",
                "downloaded_directory": "from-eLearn",
                "extracted_directory": "unzipped",
            },
            "from-eLearn/lms/unzipped/tiny",
        ),
    ],
    ids=["defaults", "custom"],
)
def test_collector_finds_the_extracted_folder_where_zip_collect_puts_it(course, settings, where):
    """LmsCollector computes the folder from ZipCollectApp's public settings, since nbgrader
    has no public hook for it; this keeps that copy equal to nbgrader's private method."""
    config = course.config()
    config.CourseDirectory.assignment_id = tiny.NAME
    for name, value in settings.items():
        config.ZipCollectApp[name] = value
    app = ZipCollectApp(config=config)
    app.initialize([])
    collector = LmsCollector(parent=app)
    nbgrader_path = app._format_collect_path(app.extracted_directory)
    assert collector._extracted_root() == Path(nbgrader_path)
    assert collector._extracted_root() == course.root / where


def test_uploads_are_filed_under_the_student_id_from_the_file_name(course, class_download):
    contents, _ = class_download
    expected = {
        "110034501": "110034501_3_王小明_Activation functions.ipynb",
        "110034502": "110034502_3_Mary Chen_Activation functions.ipynb",
        "110034503": "110034503_1_林怡君_Activation functions.ipynb",  # cp950, no UTF-8 flag
        "110034504": "110034504_2_陳大文_Activation functions.ipynb",  # UTF-8, no flag
        "110034507": "110034507_1_王五_Activation functions.ipynb",  # not a notebook: on record
    }
    for student, upload in expected.items():
        assert submitted(course, student).read_bytes() == contents[upload], student
    students = sorted(p.name for p in (course.root / "submitted").iterdir())
    assert students == [f"11003450{n}" for n in (1, 2, 3, 4, 5, 7)]


def test_the_newer_of_two_uploads_wins_and_the_log_says_so(course, class_download):
    contents, log = class_download
    newer = "110034505_2_張三_Activation functions (1).ipynb"
    older = "110034505_2_張三_Activation functions.ipynb"
    assert submitted(course, "110034505").read_bytes() == contents[newer]
    assert f"keeping the newest '{newer}'" in log
    assert f"skipping '{older}'" in log
    # The upload time becomes nbgrader's submission time (Taipei 09:00 = 01:00 UTC).
    stamp = submitted(course, "110034505").parent / "timestamp.txt"
    assert stamp.read_text().startswith("2025-03-02 01:00:00")


def test_unmatched_names_and_empty_uploads_are_reported_by_name_and_skipped(class_download):
    _, log = class_download
    assert "Skipped 'homework.ipynb'" in log
    assert "Skipped empty upload from student 110034506 (李四)" in log
    assert "110034507 (王五)" in log and "not a readable notebook" in log


def test_collected_submissions_grade_and_a_broken_one_does_not_stop_the_others(
    course, class_download
):
    before = {p: sha256(p) for p in (course.root / "submitted").rglob("*.ipynb")}
    outcome = course.autograde(tiny.NAME)
    assert outcome["success"], outcome.get("log", "") + outcome.get("error", "")
    results = course.results(tiny.NAME)
    scores = {student: graded.score for student, graded in results.items()}
    assert scores["110034501"] == 2 and scores["110034505"] == 2
    assert scores["110034502"] == 0 and scores["110034503"] == 0 and scores["110034504"] == 0
    assert "negative numbers" in results["110034503"].failures["test"]
    assert results["110034507"].score == 0  # the file that is not a notebook
    after = {p: sha256(p) for p in (course.root / "submitted").rglob("*.ipynb")}
    assert after == before, "grading changed a submitted file"


def test_moodle_download_layout(tmp_path):
    course = new_course(tmp_path / "course")
    tiny.add_to(course, gradebook=False)  # zip_collect only needs the release
    correct = notebook_bytes(course, tiny.CORRECT)
    moodle_zip = archive_folder(course) / "IEEM535300-Activation functions-12345.zip"
    with zipfile.ZipFile(moodle_zip, "w") as bundle:
        # Moodle folders per student; a slides-style name inside gives the 學號
        bundle.writestr(
            "王小明_4501_assignsubmission_file_/110034501_3_王小明_Activation functions.ipynb",
            correct,
        )
        # no 學號 in the file name: Moodle's participant number is the id
        bundle.writestr("Mary Chen_4502_assignsubmission_file_/notebook.ipynb", correct)
        # Moodle's flat layout (no folders)
        bundle.writestr("Lee Wei_4503_assignsubmission_file_my work.ipynb", correct)
        bundle.writestr("Lee Wei_4503_assignsubmission_onlinetext_onlinetext.html", b"<p>hi</p>")
        # an upper-case suffix from an old Windows tool
        bundle.writestr("陳宇_4504_assignsubmission_file_/110034511_1_陳宇_AF.IPYNB", correct)
    log = course.zip_collect(tiny.NAME)["log"]
    students = sorted(p.name for p in (course.root / "submitted").iterdir())
    assert students == ["110034501", "110034511", "4502", "4503"]
    for student in students:
        assert submitted(course, student).read_bytes() == correct
    assert "Skipped" not in log.replace("Skipped submission with no match", "")
    assert not (course.root / "gradebook.db").exists()  # --no-db made no gradebook
