"""Read the course's pinned packages from environment.yml.

environment.yml is the only list of pins: Binder builds from it, and a laptop
without conda installs the same `pip:` entries through this script. It uses
the standard library only, because it runs before any package is installed.

Usage: python3 coursekit/pins.py > requirements.txt
"""

import re
import sys
from pathlib import Path

ENVIRONMENT_FILE = Path(__file__).resolve().parent.parent / "environment.yml"
PIN = re.compile(r"^\s*-\s+([A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.\-+]+)\s*(#.*)?$")


def read_pins(path=ENVIRONMENT_FILE):
    """Return the `name==version` lines listed under `pip:` in environment.yml."""
    pins = []
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
            match = PIN.match(line)
            if not match:
                raise ValueError(f"{path}: not an exact pin: {line.strip()!r}")
            pins.append(match.group(1))
    if not pins:
        raise ValueError(f"{path}: no pip pins found")
    return pins


def python_version(path=ENVIRONMENT_FILE):
    """Return the Python version environment.yml asks for, e.g. '3.11'."""
    text = Path(path).read_text(encoding="utf-8")
    match = re.search(r"^\s*-\s+python=([0-9.]+)\s*$", text, re.MULTILINE)
    if not match:
        raise ValueError(f"{path}: no python=X.Y entry")
    return match.group(1)


if __name__ == "__main__":
    sys.stdout.write("".join(pin + "\n" for pin in read_pins()))
