"""ruff passes on every Python file and notebook of the course."""

import subprocess
import sys

from coursekit.course import REPO


def ruff(*args):
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=REPO, capture_output=True, text=True
    )


def test_ruff_check_passes():
    run = ruff("check", ".")
    assert run.returncode == 0, run.stdout + run.stderr


def test_ruff_format_is_clean():
    run = ruff("format", "--check", ".")
    assert run.returncode == 0, run.stdout + run.stderr
