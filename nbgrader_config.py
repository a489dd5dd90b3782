"""nbgrader configuration for the activation-functions course.

Plain `nbgrader` commands run from this folder read this file. It holds only what
differs from nbgrader's defaults and from the defaults of the course's own plugins
(each documented where it is defined, in coursekit/). Each section says what it
sets and why.
"""

import os
import sys

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, COURSE_ROOT)  # so that `coursekit` imports from any folder

c = get_config()  # noqa: F821  (provided by nbgrader when it reads this file)

# --- Course --------------------------------------------------------------
c.CourseDirectory.course_id = "activation-functions"
c.CourseDirectory.root = COURSE_ROOT
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".DS_Store"]

# --- Exchange ------------------------------------------------------------
# nbgrader's default (/usr/local/share/nbgrader/exchange) needs root, which a
# laptop user or a Binder session does not have. The exchange lives in the
# course folder (ignored by git) unless NBGRADER_EXCHANGE points elsewhere,
# for example at the shared folder of a JupyterHub (docs/jupyterhub.md).
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

# --- LMS collection ------------------------------------------------------
# `nbgrader zip_collect ASSIGNMENT` imports what the university's e-learning
# system (eLearn, Moodle) gives for download: put the zip in
# downloaded/ASSIGNMENT/archive/. Uploads named as the slides ask,
# 學號_組別_姓名_Activation functions.ipynb, are filed under the 學號; Moodle's
# folders work too (coursekit/plugins/lms.py, which also sets the LMS's time zone).
c.ZipCollectApp.extractor_plugin = "coursekit.plugins.lms.LmsExtractor"
c.ZipCollectApp.collector_plugin = "coursekit.plugins.lms.LmsCollector"

# --- Feedback ------------------------------------------------------------
# nbgrader's feedback shows hidden tests by default (upstream issue #917).
# HideHiddenTests removes them from each test cell's code AND from its outputs;
# students keep each test's result and its failure message. PendingGrades: an
# answer no grader has scored yet says "to be graded by hand · 待老師評分", not
# 0 points, and the rubric cell (0 points) is left out. OfflineFeedback and its
# exporter: maths as MathML (no CDN), error boxes that wrap, no instructor file
# paths in tracebacks, spaced tables: a page that reads offline.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "coursekit.preprocessors.pending_grades.PendingGrades",
    "coursekit.preprocessors.hide_hidden_tests.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "coursekit.preprocessors.offline_feedback.OfflineFeedback",  # after the page's styles
]
c.GenerateFeedback.exporter_class = "coursekit.preprocessors.offline_feedback.FeedbackHTMLExporter"

# --- Grades export -------------------------------------------------------
# `nbgrader export` writes grades.csv with one row per student, as an LMS
# gradebook imports it (coursekit/plugins/grades_csv.py).
c.ExportApp.plugin_class = "coursekit.plugins.grades_csv.GradesPerStudentCsv"

# --- Grading sandbox -----------------------------------------------------
# `nbgrader autograde` (and formgrader's autograde button) runs student code in
# a bubblewrap sandbox, test cells through the guardian, and ends every
# submission with a recorded grade (docs/grading-safety.md, coursekit/sandbox/).
# Its settings and their defaults: coursekit/sandbox/settings.py
# (c.GradingSandbox.*; without bubblewrap, grading refuses unless the fallback
# is "limits-only").
c.Autograde.exporter_class = "coursekit.exporters.ReadableNotebookExporter"
c.Autograde.pre_convert_hook = "coursekit.exporters.find_renamed_notebooks"  # 我的作業.ipynb
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "coursekit.preprocessors.restore_cells.RestoreCells",  # DeduplicateIds + OverwriteCells
    "nbgrader.preprocessors.OverwriteKernelspec",
    "coursekit.preprocessors.check_cell_metadata.CheckCellMetadata",  # nbgrader's, faster
]
c.Autograde.autograde_preprocessors = [
    "coursekit.preprocessors.flag_for_review.FlagForReview",  # before anything runs
    "coursekit.preprocessors.safe_execute.SafeExecute",  # in the sandbox, always to the end
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "coursekit.preprocessors.hide_leaked_tests.HideLeakedTests",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "coursekit.preprocessors.flag_for_review.RecordFlags",  # formgrader shows "needs review"
    "coursekit.preprocessors.grader_note.GraderNote",  # late or noted: flagged, and says why
    "coursekit.preprocessors.check_cell_metadata.CheckCellMetadata",
]
c.OverwriteCells.add_missing_cells = True  # deleted test and read-only cells come back
# the grader's notes on a submission (coursekit/notes.py) stay with the graded notebook
c.ClearMetadataPreprocessor.preserve_nb_metadata_mask = {("language_info", "name"), "coursekit"}

# --- Gradebook -----------------------------------------------------------
# One grader: gradebook.db (SQLite) in the course folder, nbgrader's default.
# Several graders at once (a JupyterHub course with TAs): a PostgreSQL database
# that every grader's environment names, for example
#   NBGRADER_DB_URL=postgresql+psycopg2://grader@db.example.edu/activation_functions
# (docs/jupyterhub.md).
if os.environ.get("NBGRADER_DB_URL"):
    c.CourseDirectory.db_url = os.environ["NBGRADER_DB_URL"]
