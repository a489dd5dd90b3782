"""The class report: one self-contained HTML page per assignment, after grading.

    python -m coursekit.apps.report ASSIGNMENT [--folder FOLDER]     (make report)

Each module has one job:
- data.py: what the report says, as data, read from the gradebook, the graded
  notebooks and the grader's notes (coursekit.grades, coursekit.notes);
- similarity.py: pairs of submissions whose answer code is alike (copydetect);
- plots.py: the score distribution and each test cell's pass rate (matplotlib, Agg);
- text.py: every heading and explanation, as (English, 繁體中文) pairs;
- html.py: the page, with the figures inlined, nothing fetched from anywhere.
"""
