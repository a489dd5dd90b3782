"""Regenerate release/ (the student versions) from source/ with nbgrader.

release/ is committed so that Binder and students have the assignments without
running nbgrader. This module is the one way it is made:

    python -m coursekit.apps.release            # what `make release` runs

The checks the test cells import are not copied next to the notebooks: they are the
installed package coursecheck (`make handout` zips them for students who work
outside the course's environments).
"""

from pathlib import Path

import nbformat

from coursekit import notebooks
from coursekit.course import REPO, Course


def assignments(course_root=REPO):
    """Names of the assignments in source/: folders holding NAME/NAME.ipynb."""
    source = Path(course_root) / "source"
    return sorted(p.name for p in source.iterdir() if (p / f"{p.name}.ipynb").is_file())


def generate_release(course_root=REPO):
    """`nbgrader generate_assignment --no-db --force` for every assignment of the course."""
    course = Course(course_root)
    for assignment in assignments(course_root):
        course.generate(assignment, db=False)
        # nbgrader keeps only language_info.name: add what the kernel fills in, so that
        # the student version opens unchanged (coursekit.notebooks.KERNEL_METADATA)
        for path in sorted((Path(course_root) / "release" / assignment).glob("*.ipynb")):
            nbformat.write(notebooks.with_kernel_metadata(notebooks.read(path)), path)


def main():
    generate_release()
    print("release/ regenerated from source/; review `git diff release/` and commit it.")


if __name__ == "__main__":
    main()
