"""environment.yml is the one list of pins; everything else must agree with it.

Its `pip:` list holds exact pins and one local path, `.`: the course's own package
coursecheck (pyproject.toml), installed from the repository (coursekit/pins.py).
"""

import json
import re
import sys
import tomllib
from importlib.metadata import distribution, version

import pytest

from coursekit.course import REPO
from coursekit.pins import local_packages, pip_entries, python_version, read_pins

REQUIRED = {"jupyterlab", "numpy", "matplotlib", "nbgrader", "ipywidgets"}


def pins_by_name():
    return dict(pin.split("==") for pin in read_pins())


def dev_requirements():
    """The entries of requirements-dev.txt, each without its `# reason` comment."""
    lines = (REPO / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


def test_every_required_package_has_an_exact_pin():
    assert REQUIRED <= set(pins_by_name())


def test_python_version_is_the_one_environment_yml_names():
    assert python_version() == "3.11"
    assert sys.version_info[:2] >= (3, 11)


@pytest.mark.parametrize("name", sorted(pins_by_name()))
def test_installed_version_matches_the_pin(name):
    assert version(name) == pins_by_name()[name]


def test_dev_requirements_do_not_repeat_runtime_pins():
    runtime = set(pins_by_name())
    dev = dev_requirements()
    assert dev, "requirements-dev.txt lists nothing"
    loose = [e for e in dev if not re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.\-+]+", e)]
    assert not loose, f"not exact pins: {loose}"
    names = {entry.split("==")[0].lower() for entry in dev}
    assert not runtime & names, f"pinned twice: {sorted(runtime & names)}"


def test_the_local_package_is_coursecheck_installed_from_the_repository():
    assert local_packages() == ["."]
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == "coursecheck"
    installed = distribution("coursecheck")
    # installed, not linked: the grading sandbox shows the environment, not the repository
    direct_url = json.loads(installed.read_text("direct_url.json") or "{}")
    assert not direct_url.get("dir_info", {}).get("editable"), "coursecheck is an editable install"
    stale = [
        path.name
        for path in sorted((REPO / "coursecheck").glob("*.py"))
        if installed.locate_file(f"coursecheck/{path.name}").read_bytes() != path.read_bytes()
    ]
    assert not stale, f"installed coursecheck differs in {stale}: run `make` to reinstall it"


def test_read_pins_rejects_a_loose_pin(tmp_path):
    env = tmp_path / "environment.yml"
    env.write_text("dependencies:\n  - python=3.11\n  - pip:\n      - numpy>=2\n")
    with pytest.raises(ValueError, match="not an exact pin"):
        read_pins(env)


def test_local_paths_are_listed_apart_from_the_pins(tmp_path):
    env = tmp_path / "environment.yml"
    env.write_text(
        "dependencies:\n  - python=3.11\n  - pip:\n"
        "      - numpy==2.4.6   # arrays\n"
        "      - .              # the course's package\n"
        "      - ./tools/extra\n"
        "  - git\n"
    )
    assert pip_entries(env) == ["numpy==2.4.6", ".", "./tools/extra"]
    assert read_pins(env) == ["numpy==2.4.6"]
    assert local_packages(env) == [".", "./tools/extra"]
