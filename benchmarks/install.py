"""A cold install of the course's environment: seconds and size on disk.

What `make setup` does on a fresh laptop, in a scratch folder: a new virtual
environment, then pip installs the pins of environment.yml and the course's own
package, downloading every package (pip's cache is not used, so the figure is the
cold one a newcomer sees). The size is the environment's folder on disk.
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def folder_size(folder):
    return sum(path.stat().st_size for path in Path(folder).rglob("*") if path.is_file())


def measure():
    """(seconds, MiB) of one cold install, or raises CalledProcessError (no network)."""
    from coursekit.pins import pip_entries

    with tempfile.TemporaryDirectory() as scratch:
        venv = Path(scratch) / "venv"
        requirements = Path(scratch) / "requirements.txt"
        entries = [str(REPO / e) if e.startswith(".") else e for e in pip_entries()]
        requirements.write_text("\n".join(entries) + "\n")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [
                str(venv / "bin" / "python"),
                *("-m", "pip", "install", "--quiet", "--no-cache-dir"),
                *("--disable-pip-version-check", "-r", str(requirements)),
            ],
            check=True,
            capture_output=True,
        )
        seconds = time.perf_counter() - started
        return seconds, folder_size(venv) / 2**20


def report(print_table):
    try:
        seconds, mib = measure()
    except subprocess.CalledProcessError as error:
        print(f"\nCold install: pip failed (no network?):\n{error.stderr.decode()[-1500:]}")
        return
    print_table(
        "A cold install (new virtual environment; pins of environment.yml; no pip cache)",
        ["what", "seconds", "MiB on disk"],
        [("python -m venv + pip install", f"{seconds:.0f}", f"{mib:.0f}")],
    )
