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
