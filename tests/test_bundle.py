"""The student bundle (what Binder launches) holds no solution and works for students.

The bundle is written to a temporary folder and checked four ways: its files
(no source/, environment derived from environment.yml, Binder badge), a scan of
every byte for solution and hidden-test lines, nbgrader's Validate on released
notebooks inside it, and its postBuild run in a throw-away Jupyter environment
followed by a real JupyterLab server: instructor extensions off, the
home-folder exchange lists the assignments, Validate answers.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.parse
import urllib.request
import venv
from pathlib import Path

import nbformat
import pytest

from coursekit import bundle, pins
from tests.grading import REPO, fill_answers, secret_and_shown_lines, solution_answers

ASSIGNMENTS = bundle.assignments()


@pytest.fixture(scope="module")
def student_bundle(tmp_path_factory):
    return bundle.write_bundle(tmp_path_factory.mktemp("bundle") / "student", repo="ieem/course")


def significant(line):
    return len(line) >= 4 and any(ch.isalnum() for ch in line)


def shows(line, secret):
    """Does this line of a file show the secret line (whole, or inside a longer line)?"""
    return line == secret or (len(secret) >= 12 and secret in line)


def secret_lines():
    """Every significant line inside BEGIN/END SOLUTION and BEGIN/END HIDDEN TESTS of source/.

    Lines that students are given by design are left out: those shown outside
    these regions of the instructor notebooks (task text, visible tests), by the
    lessons in course/ (e.g. `plt.show()`), or by plotcheck.py, the helper that
    ships next to every released notebook. The scan checks what the bundle
    adds, not the lessons' or the assignments' own choices.
    """
    secrets, shown = set(), set()
    for path in sorted((REPO / "source").glob("*/*.ipynb")):
        secret_here, shown_here = secret_and_shown_lines(nbformat.read(path, as_version=4))
        secrets |= secret_here
        shown |= shown_here
    secrets = {line for line in secrets if significant(line)}
    given = [REPO / "course", REPO / "coursekit" / "plotcheck.py"]
    taught = {secret for folder in given for _, secret in leaked_lines(folder, secrets)}
    return {s for s in secrets - taught if not any(shows(line, s) for line in shown)}


def text_of(path):
    """All text in a file: every string of a notebook's JSON, or the raw bytes decoded."""
    data = path.read_bytes()
    if path.suffix == ".ipynb":
        strings = []

        def walk(node):
            if isinstance(node, str):
                strings.append(node)
            elif isinstance(node, dict):
                for key, value in node.items():
                    walk(key)
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(json.loads(data))
        return "\n".join(strings)
    return data.decode("utf-8", errors="replace")


def leaked_lines(folder, secrets):
    """(file, secret line) for every secret line found in `folder` (a file or a folder)."""
    found = []
    files = [folder] if folder.is_file() else folder.rglob("*")
    files = (p for p in files if p.is_file() and "__pycache__" not in p.parts)
    for path in sorted(files):
        for line in text_of(path).splitlines():
            line = line.strip()
            where = str(path.relative_to(folder)) if folder.is_dir() else path.name
            found += [(where, secret) for secret in secrets if shows(line, secret)]
    return found


def test_bundle_holds_lessons_releases_and_student_settings_only(student_bundle):
    top = sorted(p.name for p in student_bundle.iterdir())
    assert top == ["README.md", "binder", "course", "nbgrader_config.py", "release"]
    names = {
        part for p in student_bundle.rglob("*") for part in p.relative_to(student_bundle).parts
    }
    for instructor_only in ("source", "autograded", "submitted", "feedback", "gradebook.db"):
        assert instructor_only not in names
    for assignment in ASSIGNMENTS:
        assert (student_bundle / "release" / assignment / f"{assignment}.ipynb").is_file()
    assert (student_bundle / "course" / "00_index.ipynb").is_file()
    assert os.access(student_bundle / "binder" / "postBuild", os.X_OK)


def test_binder_environment_is_derived_from_environment_yml(student_bundle):
    derived = student_bundle / "binder" / "environment.yml"
    assert pins.read_pins(derived) == pins.read_pins(REPO / "environment.yml")
    assert pins.python_version(derived) == pins.python_version(REPO / "environment.yml")


def test_readme_badge_opens_the_index_in_jupyterlab(student_bundle):
    readme = (student_bundle / "README.md").read_text(encoding="utf-8")
    url = "https://mybinder.org/v2/gh/ieem/course/student?urlpath=lab/tree/course/00_index.ipynb"
    assert f"[![Binder](https://mybinder.org/badge_logo.svg)]({url})" in readme
    assert "學號_組別_姓名_Activation functions.ipynb" in readme


def test_no_solution_or_hidden_test_line_anywhere_in_the_bundle(student_bundle, tmp_path):
    secrets = secret_lines()
    assert len(secrets) > 20, "source/ should have solutions and hidden tests to look for"
    assert leaked_lines(student_bundle, secrets) == []
    # the scan does find them when they are there
    planted = tmp_path / "planted"
    shutil.copytree(student_bundle, planted)
    assignment = ASSIGNMENTS[0]
    shutil.copy(REPO / "source" / assignment / f"{assignment}.ipynb", planted / "leak.ipynb")
    assert leaked_lines(planted, secrets)


def answered_copy(folder, assignment):
    """A released notebook of the bundle, answered with the instructor's solutions."""
    source = nbformat.read(REPO / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    release = folder / "release" / assignment
    answered = fill_answers(
        nbformat.read(release / f"{assignment}.ipynb", 4), solution_answers(source)
    )
    path = release / "answered.ipynb"
    nbformat.write(answered, path)
    return path


def test_nbgrader_validate_works_inside_the_bundle(student_bundle, tmp_path):
    answered = [answered_copy(student_bundle, a) for a in ASSIGNMENTS]
    untouched = student_bundle / "release" / ASSIGNMENTS[0] / f"{ASSIGNMENTS[0]}.ipynb"
    env = dict(os.environ, HOME=str(tmp_path))
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    run = subprocess.run(
        [sys.executable, "-m", "nbgrader", "validate", *map(str, answered), str(untouched)],
        cwd=student_bundle,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.stdout.count("Success! Your notebook passes all the tests.") == len(answered)
    assert "VALIDATION FAILED" in run.stdout  # the unanswered notebook
    for path in answered:
        path.unlink()


# --- Binder: postBuild, then JupyterLab as a student sees it ----------------


def throwaway_jupyter_environment(folder):
    """A virtual environment that sees the course's packages but has its own Jupyter config.

    postBuild changes the environment's config (sys-prefix), so it must not run
    against .venv. The new environment imports .venv's packages through a .pth
    file, has a copy of .venv's etc/jupyter, and its own console scripts.
    """
    venv.create(folder, with_pip=False)
    purelib = Path(sysconfig.get_path("purelib", vars={"base": str(folder)}))
    (purelib / "course_packages.pth").write_text(sysconfig.get_path("purelib") + "\n")
    course_prefix = Path(sys.prefix)
    shutil.copytree(course_prefix / "etc" / "jupyter", folder / "etc" / "jupyter")
    (folder / "share").mkdir(exist_ok=True)
    (folder / "share" / "jupyter").symlink_to(course_prefix / "share" / "jupyter")
    for script in ("jupyter", "jupyter-labextension", "jupyter-server", "jupyter-lab", "nbgrader"):
        lines = (course_prefix / "bin" / script).read_text().splitlines(keepends=True)
        wrapper = folder / "bin" / script
        wrapper.write_text(f"#!{folder / 'bin' / 'python'}\n" + "".join(lines[1:]))
        wrapper.chmod(0o755)
    return folder


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="module")
def binder_session(student_bundle, tmp_path_factory):
    """postBuild run in a throw-away environment, then JupyterLab started in the bundle."""
    scratch = tmp_path_factory.mktemp("binder")
    environment = throwaway_jupyter_environment(scratch / "env")
    home = scratch / "home"
    home.mkdir()
    env = {
        "HOME": str(home),
        "PATH": f"{environment / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
        "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
        "LANG": "C.UTF-8",
    }
    build = subprocess.run(
        ["bash", "binder/postBuild"],
        cwd=student_bundle,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    port, token = free_port(), "student-token"
    server = subprocess.Popen(
        ["jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}"]
        + [f"--IdentityProvider.token={token}", "--allow-root"],
        cwd=student_bundle,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    session = JupyterSession(f"http://127.0.0.1:{port}", token, environment)
    try:
        session.wait_until_up(server)
        yield session
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


class JupyterSession:
    def __init__(self, base, token, environment):
        self.base, self.token, self.environment = base, token, environment

    def request(self, path, data=None):
        headers = {"Authorization": f"token {self.token}"}
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with DIRECT.open(request, timeout=120) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, ""

    def wait_until_up(self, server):
        deadline = time.monotonic() + 90
        while True:
            try:
                if self.request("/api/status")[0] == 200:
                    return
            except OSError:
                pass
            assert server.poll() is None, "JupyterLab stopped"
            assert time.monotonic() < deadline, "JupyterLab did not start within 90 s"
            time.sleep(0.5)


def test_post_build_leaves_dot_venv_alone(binder_session):
    assert binder_session.environment != Path(sys.prefix)
    course_config = Path(sys.prefix) / "etc" / "jupyter" / "labconfig" / "page_config.json"
    assert not course_config.exists() or "create-assignment" not in course_config.read_text()


def test_students_get_no_instructor_tools(binder_session):
    status, page = binder_session.request("/lab")
    assert status == 200
    disabled = json.loads(re.search(r'"disabledExtensions": (\[[^\]]*\])', page).group(1))
    for plugin in [*bundle.INSTRUCTOR_LAB_PLUGINS, bundle.NEWS_POPUP]:
        assert plugin in disabled
    assert "@jupyter/nbgrader:assignment-list" not in disabled
    assert "@jupyter/nbgrader:validate-assignment" not in disabled
    assert binder_session.request("/formgrader")[0] == 404
    assert binder_session.request("/formgrader/api/status")[0] == 404
    locked = json.loads(
        (binder_session.environment / "etc/jupyter/labconfig/page_config.json").read_text()
    )["lockedExtensions"]
    assert all(locked.get(plugin) for plugin in bundle.INSTRUCTOR_LAB_PLUGINS)


def test_assignments_tab_lists_the_released_assignments(binder_session):
    status, body = binder_session.request("/assignments?course_id=activation-functions")
    listing = json.loads(body)
    assert status == 200 and listing["success"], listing
    assert sorted(item["assignment_id"] for item in listing["value"]) == ASSIGNMENTS


def test_validate_button_checks_a_notebook(binder_session, student_bundle):
    assignment = ASSIGNMENTS[0]
    _, body = binder_session.request(
        "/assignments/validate", {"path": f"release/{assignment}/{assignment}.ipynb"}
    )
    result = json.loads(body)
    assert result["success"] and result["value"]["failed"], "an unanswered notebook fails"
    path = answered_copy(student_bundle, assignment)
    try:
        _, body = binder_session.request(
            "/assignments/validate", {"path": str(path.relative_to(student_bundle))}
        )
    finally:
        path.unlink()
    result = json.loads(body)
    assert result["success"] and not result["value"].get("failed"), result
