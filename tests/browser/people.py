"""People in a browser: each step screenshotted, each failure naming the step and the person.

    student = Person("student 110034502", page, artifacts / "hub")
    with student.step("Validate dialog appears"):
        ...

Every step saves `NN-<person>-<step>.png` in the scenario's artifacts folder (git-ignored),
and a step that fails saves `NN-<person>-<step>-FAILED.png` and fails the test with
"student 110034502: Validate dialog appears: <what went wrong>". Durations that the issue
asks for (hub start, spawns, fetch/submit round trips, autograde) go to `timings`, which
the suite prints at its end and writes to artifacts/timings.txt.
"""

import contextlib
import re
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "browser" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
# As root, in a closed network: no sandbox (root), no background connections (refused here).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}


class StepFailed(AssertionError):
    """A person's step failed; the message names both."""


class Timings:
    """What the suite measured, in the order it was measured: (what, seconds)."""

    def __init__(self):
        self.rows = []

    def add(self, what, seconds):
        self.rows.append((what, seconds))

    @contextlib.contextmanager
    def measure(self, what):
        started = time.monotonic()
        yield
        self.add(what, time.monotonic() - started)

    def lines(self):
        width = max((len(what) for what, _ in self.rows), default=0)
        return [f"{what:<{width}}  {seconds:6.1f} s" for what, seconds in self.rows]


TIMINGS = Timings()


def slug(text):
    return re.sub(r"[^A-Za-z0-9\u4e00-\u9fff]+", "-", text).strip("-")[:60]


class Person:
    """One person's browser page, their screenshots and their steps."""

    counter = 0  # screenshots are numbered across the whole run, in the order taken
    lock = threading.Lock()  # people may work at the same time, each in a thread

    def __init__(self, who, page, folder):
        self.who, self.page, self.folder = who, page, Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def screenshot(self, what):
        with Person.lock:
            Person.counter += 1
            number = Person.counter
        path = self.folder / f"{number:03d}-{slug(self.who)}-{slug(what)}.png"
        try:
            self.page.screenshot(path=str(path), full_page=False)
        except Exception:  # a closed page: the failure message matters more than the picture
            return None
        return path

    @contextlib.contextmanager
    def step(self, what):
        __tracebackhide__ = True
        try:
            yield self.page
        except StepFailed:
            raise
        except Exception as error:
            shot = self.screenshot(f"{what} FAILED")
            reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
            where = f" (screenshot {shot.relative_to(REPO)})" if shot else ""
            raise StepFailed(
                f"{self.who}: {what}: {type(error).__name__}: {reason}{where}"
            ) from error
        self.screenshot(what)

    def check(self, condition, message):
        """assert, with a message a person can read (used inside a step)."""
        if not condition:
            raise AssertionError(message)


def launch(playwright):
    """Debian's Chromium, headless, as these machines allow it."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
