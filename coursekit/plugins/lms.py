"""Bring submissions downloaded from the university's LMS into nbgrader.

`nbgrader zip_collect` does the copying; these two plugins teach it what an
e-learning download looks like here (configured in nbgrader_config.py,
section "LMS collection"):

- LmsExtractor unpacks the zip files and repairs file names that were stored
  without the zip UTF-8 flag (Windows and older macOS tools), which Python
  would otherwise read as cp437 gibberish instead of 王小明.
- LmsCollector reads the student id from each file name: the slides' rule
  `學號_組別_姓名_Activation functions.ipynb`, or Moodle's
  "Download all submissions" layout `Full Name_12345_assignsubmission_file_/…`.
  It skips, by name, files that follow neither; skips empty uploads; keeps the
  newest of several uploads from one student and says which one it kept.
"""

import datetime
import json
import os
import re
import shutil
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath

from nbgrader.plugins import ExtractorPlugin, FileNameCollectorPlugin
from nbgrader.utils import find_all_notebooks
from traitlets import List, Unicode

from coursekit.notebooks import read_problem

UTF8_NAME_FLAG = 0x800  # zip general purpose bit 11: "file name is UTF-8"
REPORT = "lms-report.json"  # beside the download's extracted folder: what was kept and why

# 學號_組別_姓名_<title>.ipynb; the id has a digit, the separators may be full-width.
COURSE_FILE_NAME = (
    r"^(?P<student_id>(?=[A-Za-z]*[0-9])[A-Za-z0-9]+)\s*[_＿]\s*(?P<group>[^_＿]*?)\s*[_＿]\s*"
    r"(?P<name>[^_＿]+?)\s*[_＿]\s*(?P<title>[^_＿].*)\.ipynb$"
)
# Moodle: "Full Name_12345_assignsubmission_file_" as a folder, or as a prefix of the file name.
MOODLE_SUBMISSION = r"^(?P<name>.+)_(?P<student_id>[0-9]+)_assignsubmission_file_(?P<rest>.*)$"


# --- zip file names ---------------------------------------------------------


def repair_zip_name(info, encodings=("utf-8", "cp950", "big5")):
    """The real name of a zip entry, whatever encoding the zip tool used.

    Entries without the UTF-8 flag are decoded by Python as cp437. Their bytes
    are usually UTF-8 (macOS, Linux) or cp950/Big5 (Windows in Taiwan); the
    first encoding that decodes them wins. Returns (name, encoding used).
    """
    if info.flag_bits & UTF8_NAME_FLAG:
        return info.filename, "flagged utf-8"
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:  # not cp437 text: the name was decoded properly already
        return info.filename, "unicode"
    if raw.isascii():
        return info.filename, "ascii"
    for encoding in encodings:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return info.filename, "cp437"


def safe_relative_path(name):
    """Path parts of a zip entry name that stay inside the extraction folder."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    kept = [part for part in parts if part not in ("", ".", "..", "/") and not part.endswith(":")]
    return Path(*kept) if kept else None


def notebook_suffix(path):
    """`X.IPYNB` -> `X.ipynb`: nbgrader keeps the upload's suffix, and grades only `.ipynb`."""
    return path.with_suffix(".ipynb") if path.suffix.lower() == ".ipynb" else path


def extract_zip(archive, destination, log):
    """Extract `archive` into `destination` with repaired names and kept times.

    The entry time is the moment the LMS stored the upload, so it is written to
    the file's modification time: the collector compares uploads with it.
    Zips inside the zip (a student who zipped the notebook) are opened too.
    """
    destination = Path(destination)
    with zipfile.ZipFile(archive) as bundle:
        for info in bundle.infolist():
            if info.is_dir():
                continue
            name, encoding = repair_zip_name(info)
            relative = safe_relative_path(name)
            if relative is None:
                continue
            if encoding not in ("flagged utf-8", "ascii", "unicode"):
                log.info("Zip entry name without the UTF-8 flag, read as %s: %s", encoding, name)
            target = notebook_suffix(destination / relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            with bundle.open(info) as source, open(target, "wb") as copy:
                shutil.copyfileobj(source, copy)
            stored = datetime.datetime(*info.date_time).timestamp()
            os.utime(target, (stored, stored))
            if target.suffix.lower() == ".zip":
                inner = target.with_suffix("")
                try:
                    extract_zip(target, inner, log)
                except zipfile.BadZipFile:
                    log.warning("Not a readable zip file, left as is: %s", target)
                    continue
                target.unlink()


class LmsExtractor(ExtractorPlugin):
    """Unpack LMS downloads into the `extracted` folder, repairing file names."""

    def extract(self, archive_path, extracted_path):
        archive_path = Path(archive_path)
        files = sorted(path for path in archive_path.rglob("*") if path.is_file())
        if not files:
            self.log.warning("No files found in directory: %s", archive_path)
            return
        for path in files:
            relative = path.relative_to(archive_path)
            if path.suffix.lower() == ".zip":
                target = Path(extracted_path) / relative.with_suffix("")
                self.log.info("Extracting from: %s", path)
                try:
                    extract_zip(path, target, self.log)
                except zipfile.BadZipFile:
                    self.log.error("Not a readable zip file, skipped: %s", path)
            else:
                target = notebook_suffix(Path(extracted_path) / relative)
                target.parent.mkdir(parents=True, exist_ok=True)
                self.log.info("Copying from: %s", path)
                shutil.copy2(path, target)  # copy2 keeps the upload time


# --- who uploaded what ------------------------------------------------------


@dataclass
class Upload:
    """One file found in the LMS download, and what its name says."""

    path: Path
    student_id: str | None = None
    name: str = ""  # the student's name as written in the file or folder name
    uploader: str = ""  # the account name in a Moodle folder, if any
    source: str = ""  # which naming rule matched
    uploaded: datetime.datetime | None = None
    size: int = 0

    def label(self):
        who = f"{self.student_id} ({self.name})" if self.name else str(self.student_id)
        return f"student {who}"


def read_upload(path, extracted_root):
    """Parse one extracted file's path; student_id stays None if no rule matches."""
    path = Path(path)
    stat = path.stat()
    upload = Upload(
        path=path,
        size=stat.st_size,
        uploaded=datetime.datetime.fromtimestamp(stat.st_mtime).replace(microsecond=0),
    )
    course_match = re.match(COURSE_FILE_NAME, path.name)
    moodle_match = re.match(MOODLE_SUBMISSION, path.name)
    if not moodle_match:
        relative = path.relative_to(extracted_root) if extracted_root else path
        for folder in reversed(relative.parent.parts):
            moodle_match = re.match(MOODLE_SUBMISSION, folder)
            if moodle_match:
                break
    if moodle_match and not course_match:
        course_match = re.match(COURSE_FILE_NAME, moodle_match["rest"])
    if moodle_match:
        upload.uploader = moodle_match["name"].strip()
    if course_match:
        upload.student_id = course_match["student_id"]
        upload.name = course_match["name"].strip()
        upload.source = "file name (學號_組別_姓名)"
    elif moodle_match:
        upload.student_id = moodle_match["student_id"]
        upload.name = moodle_match["name"].strip()
        upload.source = "Moodle folder (participant number)"
    return upload


@dataclass
class Decision:
    """What collection did with one uploaded file, for the instructor (lms-report.json)."""

    file: str
    student_id: str | None
    kept: bool
    note: str = ""


def choose_uploads(uploads, log):
    """Keep one upload per student: the newest. Return (kept, decisions); log each note."""
    decisions = []

    def decide(upload, kept, note=""):
        decisions.append(Decision(upload.path.name, upload.student_id, kept, note))
        if note:
            log.warning("%s", note)

    chosen = {}
    for upload in uploads:
        if upload.student_id is None:
            decide(
                upload,
                False,
                f"Skipped '{upload.path.name}': the name follows neither "
                "學號_組別_姓名_Activation functions.ipynb nor Moodle's "
                "'Full Name_12345_assignsubmission_file_'. Rename it and run zip_collect again "
                "to import it.",
            )
            continue
        if upload.size == 0:
            decide(upload, False, f"Skipped empty upload from {upload.label()}: {upload.path.name}")
            continue
        chosen.setdefault(upload.student_id, []).append(upload)
    kept = {}
    for student_id, candidates in chosen.items():
        candidates.sort(key=lambda upload: (upload.uploaded, str(upload.path)))
        newest = candidates[-1]
        for older in candidates[:-1]:
            decide(
                older,
                False,
                f"{newest.label()} uploaded {len(candidates)} files; keeping the newest "
                f"'{newest.path.name}' ({newest.uploaded}), skipping '{older.path.name}' "
                f"({older.uploaded})",
            )
        notes = []
        names = {c.name for c in candidates} | {c.uploader for c in candidates if c.uploader}
        if len({name.replace(" ", "").casefold() for name in names}) > 1:
            notes.append(
                f"Student id {student_id} comes with different names {sorted(names)}: "
                "check who uploaded what"
            )
        problem = read_problem(newest.path)
        if problem:
            notes.append(
                f"{newest.label()}: '{newest.path.name}' is not a readable notebook ({problem}); "
                "it is imported as is, and autograde will report it"
            )
        decide(newest, True, "; ".join(notes))
        kept[student_id] = newest
    return kept, decisions


class LmsCollector(FileNameCollectorPlugin):
    """Map each extracted LMS file to a student id, an upload time and a notebook."""

    valid_ext = List(default_value=[".ipynb"]).tag(config=True)

    timezone = Unicode(
        "Asia/Taipei",
        help="Time zone of the LMS server: zip entry times are its local wall-clock times.",
    ).tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._kept = None

    def _extracted_root(self):
        """The folder zip_collect extracted the download to.

        ZipCollectApp knows it only through a private method; this is the same path
        from its public settings (tests/coursekit/test_lms.py checks that they agree).
        """
        app = self.parent
        if app is None or not hasattr(app, "collect_directory_structure"):
            return None
        template = os.path.join(app.coursedir.root, app.collect_directory_structure)
        return Path(
            template.format(
                downloaded=app.downloaded_directory,
                assignment_id=app.coursedir.assignment_id,
                collect_step=app.extracted_directory,
            )
        )

    def _released_notebooks(self):
        app = self.parent
        if app is None or not hasattr(app, "coursedir"):
            return []
        coursedir = app.coursedir
        release = coursedir.format_path(coursedir.release_directory, ".", coursedir.assignment_id)
        return find_all_notebooks(release)

    def _plan(self, submitted_file):
        """Read the whole download once, so duplicates are settled before any copy."""
        root = self._extracted_root()
        if root is None or not root.is_dir():
            root = Path(submitted_file).parent
        files = sorted(
            path
            for path in root.rglob("*")
            if path.is_file() and path.suffix.lower() in [ext.lower() for ext in self.valid_ext]
        )
        uploads = [read_upload(path, root) for path in files]
        for upload in uploads:
            if upload.student_id:
                self.log.info(
                    "%s: %s -> student %s", upload.source, upload.path.name, upload.student_id
                )
        kept, decisions = choose_uploads(uploads, self.log)
        self.write_report(root, decisions)
        return {str(upload.path): upload for upload in kept.values()}

    def write_report(self, extracted_root, decisions):
        """downloaded/<assignment>/lms-report.json: every file of the download and its fate."""
        report = Path(extracted_root).parent / REPORT
        entries = [asdict(decision) for decision in decisions]
        report.write_text(json.dumps(entries, ensure_ascii=False, indent=1), encoding="utf-8")

    def collect(self, submitted_file):
        if os.path.splitext(submitted_file)[1].lower() not in [e.lower() for e in self.valid_ext]:
            self.log.debug("Not a notebook, ignored: %s", submitted_file)
            return None
        if self._kept is None:
            self._kept = self._plan(submitted_file)
        upload = self._kept.get(str(Path(submitted_file)))
        if upload is None:
            return None
        released = self._released_notebooks()
        file_id = released[0] if len(released) == 1 else Path(submitted_file).name
        return {
            "student_id": upload.student_id,
            "file_id": file_id,
            "timestamp": f"{upload.uploaded:%Y-%m-%d %H:%M:%S} {self.timezone}",
        }
