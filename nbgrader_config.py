"""nbgrader configuration for the activation-functions course.

Plain `nbgrader` commands run from this folder read this file. Each section
says what it sets and why; later sections (feedback, LMS collection, grading
sandbox) belong to the instructor's workflow described in README.md.
"""

import os
import sys

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, COURSE_ROOT)  # so that `coursekit` imports from any cwd

c = get_config()  # noqa: F821  (provided by nbgrader when it reads this file)

# --- Course --------------------------------------------------------------
c.CourseDirectory.course_id = "activation-functions"
c.CourseDirectory.root = COURSE_ROOT
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    ".DS_Store",
]

# --- Exchange ------------------------------------------------------------
# nbgrader's default (/usr/local/share/nbgrader/exchange) needs root, which a
# laptop user or a Binder session does not have. The exchange lives in the
# course folder (ignored by git) unless NBGRADER_EXCHANGE points elsewhere,
# for example at the shared folder of a JupyterHub (see README.md).
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE", os.path.join(COURSE_ROOT, "exchange"))

# --- Student version -----------------------------------------------------
# What students see in place of the solution, in both languages of the course.
c.ClearSolutions.code_stub = {
    "python": (
        "# YOUR CODE HERE  請在此寫下你的程式碼\n"
        'raise NotImplementedError("Replace this line with your answer. 請用你的答案取代這一行。")'
    )
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE  請在此作答"

# --- Execution -----------------------------------------------------------
# Every cell of these notebooks finishes in well under a second; 30 s leaves
# room for a slow laptop and still stops an endless loop quickly.
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True

# --- LMS collection ------------------------------------------------------
# `nbgrader zip_collect ASSIGNMENT` imports what the university's e-learning
# system (Moodle) gives for download: put the zip in downloaded/ASSIGNMENT/archive/.
# Uploads named as the slides ask, 學號_組別_姓名_Activation functions.ipynb,
# are filed under the 學號; Moodle's "Full Name_12345_assignsubmission_file_"
# folders work too. The extractor repairs Chinese file names from zip tools
# that do not mark UTF-8; the collector keeps each student's newest upload and
# names every file it skips (see coursekit/lms.py).
c.ZipCollectApp.extractor_plugin = "coursekit.lms.LmsExtractor"
c.ZipCollectApp.collector_plugin = "coursekit.lms.LmsCollector"
c.LmsCollector.timezone = "Asia/Taipei"  # the LMS server's clock, for upload times

# --- Feedback ------------------------------------------------------------
# nbgrader's feedback shows hidden tests by default (upstream issue #917).
# HideHiddenTests removes them from each test cell's code AND from its outputs
# (a failing hidden assert's traceback would otherwise list the hidden lines);
# students keep each test's result and its failure message.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "coursekit.feedback.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# --- Grades export -------------------------------------------------------
# `nbgrader export` writes grades.csv with one row per student (matched on the
# student id by an LMS gradebook import): each assignment's score and status,
# each graded question, the total (see coursekit/grades.py).
c.ExportApp.plugin_class = "coursekit.grades.GradesPerStudentCsv"

# --- Grading sandbox -----------------------------------------------------
# `nbgrader autograde` (and formgrader's autograde button) runs student code in
# a bubblewrap sandbox: it sees a scratch copy of its own folder and the Python
# environment, not source/, the gradebook or other students; no network; limits
# on memory, CPU, files and processes. Every submission ends with a recorded
# grade, even when its kernel dies or its file is not a notebook. Without
# bubblewrap (macOS, Binder, ...) grading refuses unless fallback is
# "limits-only". See docs/grading-safety.md and coursekit/sandbox/.
c.Autograde.exporter_class = "coursekit.sandbox.submission.ReadableNotebookExporter"
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "coursekit.sandbox.submission.RestoreCells",  # DeduplicateIds + OverwriteCells, repaired
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    "coursekit.sandbox.execute.SafeExecute",  # Execute, in the sandbox, always to the end
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "coursekit.sandbox.submission.HideLeakedTests",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.OverwriteCells.add_missing_cells = True  # deleted test and read-only cells come back
c.GradingSandbox.fallback = os.environ.get("COURSEKIT_SANDBOX_FALLBACK", "refuse")
c.GradingSandbox.memory_limit = 2 * 1024**3  # bytes per kernel; past it, MemoryError
c.GradingSandbox.notebook_timeout = 300  # seconds per notebook (per cell: Execute.timeout)

# --- Gradebook -----------------------------------------------------------
# One grader: gradebook.db (SQLite) in the course folder, nbgrader's default.
# Several graders at once (a JupyterHub course with TAs): a PostgreSQL database
# that every grader's environment names, for example
#   NBGRADER_DB_URL=postgresql+psycopg2://grader@db.example.edu/activation_functions
# (psycopg2 must be installed; see docs/instructor.md).
if os.environ.get("NBGRADER_DB_URL"):
    c.CourseDirectory.db_url = os.environ["NBGRADER_DB_URL"]
