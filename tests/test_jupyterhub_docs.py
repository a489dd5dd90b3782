"""docs/jupyterhub.md shows the JupyterHub configuration the browser suite runs, unchanged.

tests/browser/test_term_on_jupyterhub.py starts JupyterHub with
docs/jupyterhub/jupyterhub_config.py and copies docs/jupyterhub/etc-jupyter/ as the site
settings; the page shows that file between markers. If the two ever differ, this fails.
"""

import json
import re

from coursekit.course import REPO

DOC = REPO / "docs" / "jupyterhub.md"
CONFIG = REPO / "docs" / "jupyterhub" / "jupyterhub_config.py"
SITE = REPO / "docs" / "jupyterhub" / "etc-jupyter"


def test_the_page_shows_the_config_file_the_test_runs():
    text = DOC.read_text(encoding="utf-8")
    shown = re.search(
        r"<!-- BEGIN docs/jupyterhub/jupyterhub_config.py -->\n```python\n(.*?)\n```\n"
        r"<!-- END docs/jupyterhub/jupyterhub_config.py -->",
        text,
        flags=re.S,
    )
    assert shown, "docs/jupyterhub.md lost the block that shows jupyterhub_config.py"
    assert shown.group(1) == CONFIG.read_text(encoding="utf-8").rstrip("\n"), (
        "docs/jupyterhub.md shows another jupyterhub_config.py than the one the test runs: "
        "paste docs/jupyterhub/jupyterhub_config.py between the markers"
    )


def test_the_config_compiles_and_the_site_files_are_valid():
    compile(CONFIG.read_text(encoding="utf-8"), str(CONFIG), "exec")
    compile((SITE / "nbgrader_config.py").read_text(encoding="utf-8"), "nbgrader_config", "exec")
    for path in SITE.rglob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))
    students = json.loads((SITE / "students/labconfig/page_config.json").read_text())
    for plugin in ("create-assignment", "formgrader", "course-list"):
        assert students["disabledExtensions"][f"@jupyter/nbgrader:{plugin}"] is True


def test_the_instructor_guide_points_here():
    guide = (REPO / "docs" / "instructor.md").read_text(encoding="utf-8")
    assert "jupyterhub.md" in guide
    assert "were not run here" not in guide
