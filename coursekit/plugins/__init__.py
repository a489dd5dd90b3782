"""nbgrader plugins of the course (configured in nbgrader_config.py).

lms.LmsExtractor, lms.LmsCollector    `nbgrader zip_collect` for eLearn/Moodle downloads
grades_csv.GradesPerStudentCsv        `nbgrader export`: one row per student for the LMS
"""
