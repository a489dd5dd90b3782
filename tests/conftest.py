"""What the whole test suite shares: markers for missing programs, and the course fixture.

Markers (pyproject.toml) say what a test needs beyond Python: `sandbox`
(bubblewrap), `postgres` (PostgreSQL's server programs), `browser` (Chromium).
On a laptop without them those tests are skipped, each with a message naming the
program and how to install it; on CI (`CI=1`, set by .ci/run, which installs
them) a missing program fails the run instead, so nothing is skipped there.

Without bubblewrap, the grading tests that are not about the sandbox itself still
grade, with the sandbox's limits only (c.GradingSandbox.fallback = "limits-only").
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from coursekit.course import Course

ON_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
INSTALL = {
    "bwrap": "bubblewrap, the grading sandbox: sudo apt-get install bubblewrap",
    "pg_ctl": "PostgreSQL, a gradebook for several graders: sudo apt-get install postgresql",
    "chromium": "Chromium, for the browser tests: sudo apt-get install chromium",
}

# Small matrix products run slower, not faster, when OpenBLAS spreads them over
# threads on a busy two-core machine; kernels started by the tests inherit this.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def sandbox_problem():
    """None where the grading sandbox runs here, else why not."""
    from coursekit.sandbox.settings import GradingSandbox, why_unavailable

    return why_unavailable(GradingSandbox())


def missing(reason):
    """Skip on a laptop; fail on CI, where .ci/run installs everything."""
    if ON_CI:
        pytest.fail(f"{reason}; .ci/run should have installed it")
    pytest.skip(reason)


def postgres_programs():
    """The folder of PostgreSQL's server programs (Debian keeps them out of PATH), or None."""
    found = shutil.which("pg_ctl")
    if found:
        return os.path.dirname(found)
    versions = sorted(
        (path for path in _glob("/usr/lib/postgresql/*/bin/pg_ctl")),
        key=lambda path: int(path.split("/")[4]) if path.split("/")[4].isdigit() else 0,
    )
    return os.path.dirname(versions[-1]) if versions else None


def _glob(pattern):
    import glob

    return glob.glob(pattern)


def pytest_runtest_setup(item):
    if item.get_closest_marker("sandbox"):
        problem = sandbox_problem()
        if problem:
            missing(f"the grading sandbox cannot run here: {problem} ({INSTALL['bwrap']})")
    if item.get_closest_marker("postgres") and postgres_programs() is None:
        missing(f"PostgreSQL is not installed ({INSTALL['pg_ctl']})")
    if item.get_closest_marker("browser") and not shutil.which("chromium"):
        missing(f"Chromium is not installed ({INSTALL['chromium']})")


GRADING_SETTINGS = {}
if not ON_CI and sandbox_problem() is not None:
    # Grading tests that are not about the sandbox grade with its limits only.
    GRADING_SETTINGS = {"GradingSandbox": {"fallback": "limits-only"}}


def new_course(folder, assignments=None, **settings):
    """A fresh course in `folder` from the repository (see coursekit.course)."""
    merged = {**GRADING_SETTINGS}
    for section, values in settings.items():
        merged[section] = {**merged.get(section, {}), **values}
    return Course.from_repository(folder, assignments, settings=merged)


@pytest.fixture
def course(tmp_path):
    """A fresh course with the repository's configuration and assignments."""
    return new_course(tmp_path / "course")


# --- A PostgreSQL server of a test's own, for gradebooks shared by several graders -----------


class PostgresServer:
    """A running server (unix socket only) and how to make a database on it."""

    def __init__(self, folder, createdb):
        self.folder, self.createdb = folder, createdb

    def database(self, name):
        """A new database `name`, as the URL NBGRADER_DB_URL takes."""
        self.createdb(name)
        return f"postgresql+psycopg2://postgres@/{name}?host={self.folder}&port={PORT}"


@pytest.fixture(scope="module")
def postgres_url(postgres_server):
    return postgres_server.database("gradebook")


PORT = 5433  # only names the socket file; nothing listens on TCP


def as_postgres_user(command):
    """initdb and postgres refuse to run as root: run them as the `postgres` user then."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@pytest.fixture(scope="module")
def postgres_server():
    # the folder of pg_ctl may hold links to some programs only (/usr/local/bin): use
    # the folder they come from, which holds initdb and createdb too
    programs = Path(postgres_programs(), "pg_ctl").resolve().parent
    if os.geteuid() == 0 and not shutil.which("runuser"):
        missing("root must start PostgreSQL as the postgres user, and runuser is missing")
    folder = Path(tempfile.mkdtemp(prefix="gradebook-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, log = folder / "data", folder / "server.log"

    def run(program, *args):
        command = as_postgres_user([str(programs / program), *map(str, args)])
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{program} failed:\n{done.stdout}\n{done.stderr}"

    run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
    options = f"-k {folder} -p {PORT} -c listen_addresses='' -c fsync=off"
    run("pg_ctl", "-D", data, "-o", options, "-l", log, "-w", "start")
    try:
        yield PostgresServer(
            folder, lambda name: run("createdb", "-h", folder, "-p", PORT, "-U", "postgres", name)
        )
    finally:
        subprocess.run(
            as_postgres_user([str(programs / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)
