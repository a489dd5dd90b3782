"""Regenerate release/ (the student versions) from source/ with nbgrader.

release/ is committed so that Binder and students have the assignments
without running nbgrader. This module is the one way it is made:

    python -m coursekit.release            # what `make release` runs

Before generating, the shared plot-inspection helpers (coursekit/plotcheck.py)
are copied into every assignment folder, because nbgrader copies an
assignment's own files next to each submission when it grades it.
"""

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED_HELPERS = ["plotcheck.py"]


def assignments(course_root=REPO):
    """Names of the assignments in source/: folders holding NAME/NAME.ipynb."""
    source = Path(course_root) / "source"
    return sorted(p.name for p in source.iterdir() if (p / f"{p.name}.ipynb").is_file())


def sync_shared_helpers(course_root=REPO):
    """Copy coursekit's shared helpers into each assignment folder; return the files changed."""
    changed = []
    for assignment in assignments(course_root):
        for name in SHARED_HELPERS:
            master = Path(course_root) / "coursekit" / name
            copy = Path(course_root) / "source" / assignment / name
            if master.exists() and not (copy.exists() and filecmp.cmp(master, copy, shallow=False)):
                shutil.copyfile(master, copy)
                changed.append(copy)
    return changed


def generate_release(course_root=REPO):
    """Run `nbgrader generate_assignment --no-db --force` for every assignment."""
    for assignment in assignments(course_root):
        command = ["generate_assignment", assignment, "--force", "--no-db"]
        subprocess.run([sys.executable, "-m", "nbgrader", *command], cwd=course_root, check=True)


def main():
    for path in sync_shared_helpers():
        print(f"updated {path.relative_to(REPO)}")
    generate_release()
    print("release/ regenerated from source/; review `git diff release/` and commit it.")


if __name__ == "__main__":
    main()
