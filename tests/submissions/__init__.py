"""Student submissions, written as students write them, for the grading tests."""

from typing import NamedTuple


class Submission(NamedTuple):
    """One student's answers and the points each graded test cell must give them."""

    scores: dict  # test grade_id -> expected points
    why: str
    answers: dict  # answer grade_id -> source

    @property
    def total(self):
        return sum(self.scores.values())


def full_points_except(points, lost):
    """Every test cell's full points, except those named in `lost` (grade_id -> points)."""
    return {grade_id: lost.get(grade_id, full) for grade_id, full in points.items()}
