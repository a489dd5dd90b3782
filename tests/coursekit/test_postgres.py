"""A PostgreSQL gradebook, shared by several graders, works with the course's configuration.

The test starts its own PostgreSQL server (initdb and pg_ctl, found by
tests/conftest.py's postgres_programs()) in a temporary folder, listening on a unix
socket only. Then two graders with separate course folders grade into the one
database, named as graders name it: NBGRADER_DB_URL=postgresql+psycopg2://...
(nbgrader_config.py, section "Gradebook"), which every nbgrader step of
coursekit.course.Course reads. On a laptop without PostgreSQL it is skipped; on CI it must run.
"""

import csv

import pytest

from tests import tiny_assignment as tiny
from tests.conftest import new_course

pytestmark = [
    pytest.mark.postgres,
    # nbgrader's autograde, with SQLAlchemy 2.1: harmless "not in session" warnings
    pytest.mark.filterwarnings("ignore:Object of type:sqlalchemy.exc.SAWarning"),
]


@pytest.fixture(scope="module")
def two_graders(postgres_url, tmp_path_factory):
    """Two graders with their own copy of the course grade different students into one gradebook."""
    root = tmp_path_factory.mktemp("pg")
    with pytest.MonkeyPatch.context() as patch:
        # how graders name the shared gradebook: nbgrader_config.py reads NBGRADER_DB_URL
        patch.setenv("NBGRADER_DB_URL", postgres_url)
        first, second = new_course(root / "grader1"), new_course(root / "grader2")
        for course in (first, second):
            tiny.write_source(course)
        first.generate(tiny.NAME)
        first.submit("110034501", tiny.NAME, tiny.answered(first, tiny.CORRECT))
        second.submit("110034502", tiny.NAME, tiny.answered(first, tiny.PARTIAL))
        outcomes = [course.autograde(tiny.NAME) for course in (first, second)]
        export = second.export()
        yield first, second, outcomes, export


def test_graders_share_one_postgresql_gradebook(postgres_url, two_graders):
    first, second, outcomes, _ = two_graders
    for outcome in outcomes:
        assert outcome["success"], outcome.get("log", "") + outcome.get("error", "")
    assert first.db_url == second.db_url == postgres_url
    for course in (first, second):  # each grader sees both students' grades
        scores = {student: graded.score for student, graded in course.results(tiny.NAME).items()}
        assert scores == {"110034501": 2.0, "110034502": 0.0}
        assert not (course.root / "gradebook.db").exists(), "SQLite was used instead"


def test_export_from_postgresql(two_graders):
    *_, export = two_graders
    with open(export, encoding="utf-8-sig", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert rows["110034501"]["tiny (max 2)"] == "2"
    assert rows["110034502"]["tiny (max 2)"] == "0"
