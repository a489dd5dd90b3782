"""nbgrader preprocessors of the course, one per module (configured in nbgrader_config.py).

Autograde, sanitize step:  restore_cells.RestoreCells
Autograde, grading step:   safe_execute.SafeExecute, hide_leaked_tests.HideLeakedTests
Feedback:                  hide_hidden_tests.HideHiddenTests
"""
