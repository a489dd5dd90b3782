"""Read the course's pinned packages from environment.yml.

environment.yml is the only list of pins: Binder builds from it, and a laptop
without conda installs the same `pip:` entries through this script. It uses
the standard library only, because it runs before any package is installed.
Besides exact pins (`name==version`), the list holds the course's own package
as a local path (`.`: coursecheck), which is installed from the repository.

Usage: python3 coursekit/pins.py > requirements.txt
"""

import re
import sys
from pathlib import Path

ENVIRONMENT_FILE = Path(__file__).resolve().parent.parent / "environment.yml"
PIN = re.compile(r"^\s*-\s+([A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.\-+]+)\s*(#.*)?$")
LOCAL = re.compile(r"^\s*-\s+(\.[A-Za-z0-9_./\-]*)\s*(#.*)?$")  # ".", "./some/folder"


def pip_entries(path=ENVIRONMENT_FILE):
    """Every entry under `pip:` in environment.yml: exact pins and local paths, in order."""
    entries = []
    in_pip_list = False
    pip_indent = None
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        if line.strip() == "- pip:":
            in_pip_list, pip_indent = True, indent
            continue
        if in_pip_list and indent <= pip_indent:
            in_pip_list = False
        if in_pip_list:
            match = PIN.match(line) or LOCAL.match(line)
            if not match:
                raise ValueError(f"{path}: not an exact pin or a local path: {line.strip()!r}")
            entries.append(match.group(1))
    if not any("==" in entry for entry in entries):
        raise ValueError(f"{path}: no pip pins found")
    return entries


def read_pins(path=ENVIRONMENT_FILE):
    """The `name==version` pins listed under `pip:` in environment.yml."""
    return [entry for entry in pip_entries(path) if "==" in entry]


def local_packages(path=ENVIRONMENT_FILE):
    """The local paths listed under `pip:` (relative to environment.yml's folder)."""
    return [entry for entry in pip_entries(path) if "==" not in entry]


def python_version(path=ENVIRONMENT_FILE):
    """Return the Python version environment.yml asks for, e.g. '3.11'."""
    text = Path(path).read_text(encoding="utf-8")
    match = re.search(r"^\s*-\s+python=([0-9.]+)\s*$", text, re.MULTILINE)
    if not match:
        raise ValueError(f"{path}: no python=X.Y entry")
    return match.group(1)


if __name__ == "__main__":
    # pip reads local paths relative to where it runs: make runs it in the repository root
    sys.stdout.write("".join(entry + "\n" for entry in pip_entries()))
