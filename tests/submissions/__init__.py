"""Student submissions, written as students write them, for the grading tests."""
