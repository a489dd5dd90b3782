"""Shared pytest fixtures for the course's tests."""

import os
import shutil

import pytest

from tests.grading import ScratchCourse

ON_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Small matrix products run slower, not faster, when OpenBLAS spreads them over
# threads on a busy two-core machine; kernels started by the tests inherit this.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def sandbox_problem():
    """None where the grading sandbox runs here, else why not (coursekit/sandbox)."""
    from coursekit.sandbox.settings import GradingSandbox, why_unavailable

    return why_unavailable(GradingSandbox())


# Grading refuses to run student code without its sandbox (bubblewrap). On a
# laptop without it, `make test` still grades, with the sandbox's limits only;
# CI installs bubblewrap, so there every grading test runs sandboxed, and the
# tests of the sandbox itself say so when they cannot run.
if not ON_CI and sandbox_problem() is not None:
    os.environ.setdefault("COURSEKIT_SANDBOX_FALLBACK", "limits-only")


def require_program(name, why):
    """Skip on a laptop that lacks `name`; fail on CI, where .ci/run installs it."""
    if shutil.which(name):
        return
    message = f"{name} is not installed ({why})"
    if ON_CI:
        pytest.fail(message + "; .ci/run should have installed it")
    pytest.skip(message)


@pytest.fixture
def scratch_course(tmp_path):
    """A fresh temporary copy of the course, with nbgrader's real command line."""
    return ScratchCourse(tmp_path / "course")
