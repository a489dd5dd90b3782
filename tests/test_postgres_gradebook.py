"""A PostgreSQL gradebook, shared by several graders, works with plain nbgrader commands.

The test starts its own PostgreSQL server from Debian's packages (initdb and
pg_ctl under /usr/lib/postgresql/*/bin) in a temporary folder, listening on a
unix socket only, then two graders with separate course folders grade into the
one database, named by NBGRADER_DB_URL=postgresql+psycopg2://... (nbgrader_config.py,
section "Gradebook").
On a laptop without PostgreSQL it is skipped; on CI it must run.
"""

import csv
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests import tiny_assignment as tiny
from tests.conftest import require_program
from tests.grading import ScratchCourse

PORT = 5433  # only names the socket file; nothing listens on TCP


def postgres_bin():
    """The newest Debian PostgreSQL bin folder, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: p.split("/")[4])
    if not found:
        return None
    return Path(found[-1]).parent


def as_postgres_user(command):
    """initdb and postgres refuse to run as root: run them as the `postgres` user then."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@pytest.fixture(scope="module")
def postgres_url():
    bin_dir = postgres_bin()
    if bin_dir is None:
        require_program("initdb", "the PostgreSQL gradebook test starts its own server")
    if os.geteuid() == 0:
        require_program("runuser", "root must start PostgreSQL as the postgres user")
    folder = Path(tempfile.mkdtemp(prefix="gradebook-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, log = folder / "data", folder / "server.log"

    def run(*command):
        done = subprocess.run(
            as_postgres_user([str(c) for c in command]), capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, f"{command[0]} failed:\n{done.stdout}\n{done.stderr}"

    run(bin_dir / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
    options = f"-k {folder} -p {PORT} -c listen_addresses='' -c fsync=off"
    run(bin_dir / "pg_ctl", "-D", data, "-o", options, "-l", log, "-w", "start")
    try:
        run(bin_dir / "createdb", "-h", folder, "-p", PORT, "-U", "postgres", "gradebook")
        yield f"postgresql+psycopg2://postgres@/gradebook?host={folder}&port={PORT}"
    finally:
        subprocess.run(
            as_postgres_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def two_graders(postgres_url, tmp_path_factory):
    """Two graders with their own copy of the course grade different students into one gradebook."""
    root = tmp_path_factory.mktemp("pg")
    with pytest.MonkeyPatch.context() as patch:
        # how graders name the shared gradebook: nbgrader_config.py reads NBGRADER_DB_URL
        patch.setenv("NBGRADER_DB_URL", postgres_url)
        first, second = ScratchCourse(root / "grader1"), ScratchCourse(root / "grader2")
        for course in (first, second):
            tiny.write_source(course)
        first.generate(tiny.NAME)
        first.submit("110034501", tiny.NAME, tiny.answered(first, tiny.CORRECT))
        second.submit("110034502", tiny.NAME, tiny.answered(first, tiny.PARTIAL))
        runs = [course.autograde(tiny.NAME) for course in (first, second)]
        export = second.nbgrader("export", "--to", "grades.csv")
    return first, second, runs, export


def test_graders_share_one_postgresql_gradebook(postgres_url, two_graders):
    from nbgrader.api import Gradebook

    first, second, runs, _ = two_graders
    assert [run.returncode for run in runs] == [0, 0], runs[0].stderr[-2000:]
    with Gradebook(postgres_url, "activation-functions") as gradebook:
        scores = {s.student.id: s.score for s in gradebook.find_assignment(tiny.NAME).submissions}
    assert scores == {"110034501": 2.0, "110034502": 0.0}
    for course in (first, second):
        assert not (course.root / "gradebook.db").exists(), "SQLite was used instead"


def test_export_from_postgresql(two_graders):
    _, second, _, _ = two_graders
    with open(second.root / "grades.csv", encoding="utf-8-sig", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert rows["110034501"]["tiny (max 2)"] == "2"
    assert rows["110034502"]["tiny (max 2)"] == "0"
