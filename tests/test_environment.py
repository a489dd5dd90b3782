"""environment.yml is the one list of pins; everything else must agree with it."""

import sys
from importlib.metadata import version

import pytest

from coursekit.pins import python_version, read_pins
from tests.grading import REPO

REQUIRED = {"jupyterlab", "numpy", "matplotlib", "nbgrader", "ipywidgets"}


def pins_by_name():
    return dict(pin.split("==") for pin in read_pins())


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
    lines = (REPO / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
    dev = {line.split("==")[0] for line in lines if line and not line.startswith("#")}
    assert not runtime & dev, f"pinned twice: {sorted(runtime & dev)}"
    assert all("==" in line for line in lines if line and not line.startswith("#"))


def test_read_pins_rejects_a_loose_pin(tmp_path):
    env = tmp_path / "environment.yml"
    env.write_text("dependencies:\n  - python=3.11\n  - pip:\n      - numpy>=2\n")
    with pytest.raises(ValueError, match="not an exact pin"):
        read_pins(env)
