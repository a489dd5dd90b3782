"""The student copy for Binder (`make bundle`): its own repository, no solution, works for students.

The bundle is written once to a temporary folder and checked: what it holds (both
editions of the lessons, release/, coursecheck with a pyproject pip installs, no
source/), that it is a git repository of one commit, that neither its files nor any
object or patch of its git history shows a solution or hidden-test line, nbgrader's
Validate inside it, and its postBuild run in a throw-away Jupyter environment
followed by ONE real JupyterLab server: coursecheck installed from the bundle,
instructor extensions off, the home-folder exchange lists the assignments, Validate
answers.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import pytest

from coursekit import notebooks, pins
from coursekit.apps import bundle
from tests.jupyter_servers import DIRECT, binder_build, free_port, stop_process_group

REPO = bundle.REPO
ASSIGNMENTS = bundle.assignments()
STUDENT_REPO = "ieem/activation-functions-student"


@pytest.fixture(scope="module")
def student_bundle(tmp_path_factory):
    return bundle.write_bundle(tmp_path_factory.mktemp("bundle") / "student", repo=STUDENT_REPO)


def git(folder, *args):
    return subprocess.run(
        ["git", *args], cwd=folder, capture_output=True, check=True
    ).stdout.decode("utf-8", errors="replace")


def git_history(folder):
    """(name, bytes) of every object in the repository's object store, and of `git log -p`."""
    raw = subprocess.run(
        ["git", "cat-file", "--batch-all-objects", "--batch"],
        cwd=folder,
        capture_output=True,
        check=True,
    ).stdout
    objects, position = [], 0
    while position < len(raw):
        header_end = raw.index(b"\n", position)
        sha, kind, size = raw[position:header_end].decode().split()
        start = header_end + 1
        objects.append((f"git {kind} {sha}", raw[start : start + int(size)]))
        position = start + int(size) + 1
    log = git(folder, "log", "-p", "--all", "--format=fuller")
    return objects, [("git log -p", log.encode("utf-8"))]


def test_bundle_holds_both_editions_release_and_coursecheck_only(student_bundle):
    top = sorted(p.name for p in student_bundle.iterdir())
    assert top == sorted(
        [".git", "README.md", "binder", "course", "coursecheck"]
        + ["nbgrader_config.py", "pyproject.toml", "release"]
    )
    names = {
        part for p in student_bundle.rglob("*") for part in p.relative_to(student_bundle).parts
    }
    for instructor_only in ("source", "autograded", "submitted", "feedback", "gradebook.db"):
        assert instructor_only not in names
    assert "locale" not in names and "coursekit" not in names
    for assignment in ASSIGNMENTS:
        assert (student_bundle / "release" / assignment / f"{assignment}.ipynb").is_file()
    # the lessons of course/ at the time of the build, English and 繁體中文, and their modules
    lessons = sorted(p.name for p in (student_bundle / "course").iterdir())
    assert lessons == [p.name for p in bundle.lesson_files()]
    english = [name for name in lessons if re.fullmatch(r"\d\d_[a-z_]+\.ipynb", name)]
    chinese = [name for name in lessons if name.endswith(".zh-TW.ipynb")]
    assert "00_index.ipynb" in english and "00_index.zh-TW.ipynb" in chinese
    assert len(english) >= 10 and len(chinese) >= 8
    assert {"activations.py", "explorer.py"} <= set(lessons)
    assert not [name for name in lessons if name.startswith(".")]
    # the checks, as they are in the repository, with what pip needs to install them
    shipped = sorted(p.name for p in (student_bundle / "coursecheck").iterdir())
    assert shipped == sorted(p.name for p in (REPO / "coursecheck").glob("*.py"))
    for name in shipped:
        assert (student_bundle / "coursecheck" / name).read_bytes() == (
            REPO / "coursecheck" / name
        ).read_bytes()
    pyproject = (student_bundle / "pyproject.toml").read_text("utf-8")
    assert 'name = "coursecheck"' in pyproject and "flit_core" in pyproject
    assert "[tool.ruff" not in pyproject and "[tool.pytest" not in pyproject
    assert os.access(student_bundle / "binder" / "postBuild", os.X_OK)


def test_bundle_is_a_repository_of_one_commit_ready_to_push(student_bundle):
    assert git(student_bundle, "rev-list", "--all").split() == [
        git(student_bundle, "rev-parse", "HEAD").strip()
    ]
    assert git(student_bundle, "symbolic-ref", "--short", "HEAD").strip() == "main"
    assert git(student_bundle, "status", "--porcelain", "--ignored") == ""
    remote = git(student_bundle, "remote", "get-url", "origin").strip()
    assert remote == f"https://github.com/{STUDENT_REPO}.git"
    committed = set(git(student_bundle, "ls-files").splitlines())
    on_disk = {
        str(p.relative_to(student_bundle))
        for p in student_bundle.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(student_bundle).parts
    }
    assert committed == on_disk


def test_bundle_refuses_to_replace_a_folder_that_is_not_a_bundle(tmp_path):
    keep = tmp_path / "thesis"
    keep.mkdir()
    (keep / "chapter1.tex").write_text("precious")
    with pytest.raises(ValueError, match="not a student bundle"):
        bundle.write_bundle(keep, repo=STUDENT_REPO)
    assert (keep / "chapter1.tex").read_text() == "precious"
    with pytest.raises(ValueError, match="OWNER/NAME"):
        bundle.write_bundle(tmp_path / "new", repo="https://github.com/ieem/x")


def test_binder_environment_is_derived_from_environment_yml(student_bundle):
    derived = student_bundle / "binder" / "environment.yml"
    assert pins.local_packages(REPO / "environment.yml") == ["."]  # coursecheck, from the repo
    assert pins.pip_entries(derived) == pins.read_pins(REPO / "environment.yml")  # pins only
    assert pins.python_version(derived) == pins.python_version(REPO / "environment.yml")
    post_build = (student_bundle / "binder" / "postBuild").read_text("utf-8")
    assert "python -m pip install --no-deps" in post_build and "-e " not in post_build


def test_readme_says_where_to_work_in_both_languages(student_bundle):
    readme = (student_bundle / "README.md").read_text(encoding="utf-8")
    binder = f"https://mybinder.org/v2/gh/{STUDENT_REPO}/main?urlpath=lab/tree/course/"
    assert f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder}00_index.ipynb)" in readme
    assert f"({binder}00_index.zh-TW.ipynb)" in readme
    assert "學號_組別_姓名_Activation functions.ipynb" in readme
    for assignment in ASSIGNMENTS:
        assert f"release/{assignment}/{assignment}.ipynb" in readme
    # one copy per place: release/ on Binder and laptops, the fetched copy on a JupyterHub
    assert "Work in ONE copy" in readme and "只在一個副本裡作答" in readme
    assert "*Submit* in the" in readme and "same tab sends exactly that copy" in readme
    assert "Do not work in `release/` there" in readme and "不要在 `release/` 裡作答" in readme
    assert "branch" not in readme


# --- nothing secret in the files or the history ----------------------------------


def test_no_solution_or_hidden_test_line_in_the_files_or_the_git_history(student_bundle):
    secrets = bundle.secret_lines()
    # the scan looks for the lines inside the solution and hidden-test regions of source/
    every_secret = set()
    for path in sorted((REPO / "source").glob("*/*.ipynb")):
        every_secret |= notebooks.secret_and_shown_lines(nbformat.read(path, 4))[0]
    assert len(secrets) > 50 and secrets <= every_secret
    sigmoid = "y = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))"
    assert sigmoid in secrets  # the model answer of the sigmoid exercise

    assert bundle.leaks(bundle.folder_files(student_bundle), secrets) == []
    objects, log = git_history(student_bundle)
    assert len(objects) > 40  # blobs, trees and the commit
    assert bundle.leaks(objects, secrets) == []
    assert bundle.leaks(log, secrets) == []


def test_the_scans_find_a_leak_in_a_file_and_in_the_history(student_bundle, tmp_path):
    secrets = bundle.secret_lines()
    planted = tmp_path / "planted"
    shutil.copytree(student_bundle, planted)
    assignment = ASSIGNMENTS[-1]
    source = REPO / "source" / assignment / f"{assignment}.ipynb"
    shutil.copy(source, planted / "leak.ipynb")
    assert bundle.leaks(bundle.folder_files(planted), secrets)
    identity = ["-c", "user.name=t", "-c", "user.email=t@invalid"]
    git(planted, "add", "leak.ipynb")
    git(planted, *identity, "commit", "-q", "-m", "oops")
    git(planted, "rm", "-q", "leak.ipynb")
    git(planted, *identity, "commit", "-q", "-m", "removed again")
    assert bundle.leaks(bundle.folder_files(planted), secrets) == []  # gone from the files
    objects, log = git_history(planted)
    assert bundle.leaks(objects, secrets) and bundle.leaks(log, secrets)  # not from the history
    # and the command itself refuses to write a copy that would show one
    with pytest.raises(bundle.LeakError, match="leak.ipynb"):
        bundle.refuse_leaks([*bundle.folder_files(planted), ("leak.ipynb", source.read_bytes())])


# --- Validate, as nbgrader runs it ------------------------------------------------


def answered_copy(folder, assignment):
    """A released notebook of the bundle, answered with the instructor's solutions."""
    source = nbformat.read(REPO / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    release = folder / "release" / assignment
    answered = notebooks.fill_answers(
        nbformat.read(release / f"{assignment}.ipynb", 4), notebooks.solution_answers(source)
    )
    path = release / "answered.ipynb"
    nbformat.write(answered, path)
    return path


def test_nbgrader_validate_works_inside_the_bundle(student_bundle):
    """nbgrader's Validate (what the button and `nbgrader validate` run), in this process."""
    from nbgrader.validator import Validator

    answered = [answered_copy(student_bundle, a) for a in ASSIGNMENTS]
    untouched = student_bundle / "release" / ASSIGNMENTS[0] / f"{ASSIGNMENTS[0]}.ipynb"
    try:
        results = {path: Validator().validate(str(path)) for path in [*answered, untouched]}
    finally:
        for path in answered:
            path.unlink()
    for path in answered:
        assert results[path] == {}, results[path]  # every visible test passes
    failed = results[untouched]["failed"]
    scored_tests = [
        cell.source.strip()
        for cell in nbformat.read(untouched, 4).cells
        if notebooks.is_test_cell(cell) and notebooks.nbgrader_metadata(cell).get("points")
    ]
    assert set(scored_tests) <= {f["source"] for f in failed}  # every test that gives points
    assert not [f for f in failed if "ModuleNotFoundError" in f["raw_error"]], failed


# --- Binder: postBuild, then JupyterLab as a student sees it ----------------


@pytest.fixture(scope="module")
def binder_session(student_bundle, tmp_path_factory):
    """postBuild run in a throw-away environment, then JupyterLab started in the bundle."""
    scratch = tmp_path_factory.mktemp("binder")
    environment, env = binder_build(student_bundle, scratch)
    assert git(student_bundle, "status", "--porcelain") == ""  # the build left no files behind
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
    session = JupyterSession(f"http://127.0.0.1:{port}", token, environment, env)
    try:
        session.wait_until_up(server)
        yield session
    finally:
        stop_process_group(server)


class JupyterSession:
    def __init__(self, base, token, environment, env):
        self.base, self.token, self.environment, self.env = base, token, environment, env

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


@pytest.mark.slow  # the one test with a real JupyterLab: postBuild, then a server (~40 s)
def test_binder_build_then_jupyterlab_as_a_student_sees_it(binder_session, student_bundle):
    session = binder_session
    # postBuild changed the throw-away environment only
    assert session.environment != Path(sys.prefix)
    course_config = Path(sys.prefix) / "etc" / "jupyter" / "labconfig" / "page_config.json"
    assert not course_config.exists() or "create-assignment" not in course_config.read_text()

    # coursecheck is installed (not linked) in the Binder environment, from the bundle's copy
    where = subprocess.run(
        [str(session.environment / "bin" / "python"), "-c"]
        + ["import coursecheck, sys; print(coursecheck.__file__)"],
        cwd=session.env["HOME"],
        env=session.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    purelib = sysconfig.get_path("purelib", vars={"base": str(session.environment)})
    assert Path(where) == Path(purelib) / "coursecheck" / "__init__.py"
    assert not list(Path(purelib).glob("__editable__*"))
    assert list(Path(sysconfig.get_path("purelib")).glob("coursecheck-*.dist-info"))

    # no instructor tools: plugins disabled and locked, formgrader's pages gone
    status, page = session.request("/lab")
    assert status == 200
    disabled = json.loads(re.search(r'"disabledExtensions": (\[[^\]]*\])', page).group(1))
    for plugin in [*bundle.INSTRUCTOR_LAB_PLUGINS, bundle.NEWS_POPUP]:
        assert plugin in disabled
    assert "@jupyter/nbgrader:assignment-list" not in disabled
    assert "@jupyter/nbgrader:validate-assignment" not in disabled
    assert session.request("/formgrader")[0] == 404
    assert session.request("/formgrader/api/status")[0] == 404
    locked = json.loads(
        (session.environment / "etc/jupyter/labconfig/page_config.json").read_text()
    )["lockedExtensions"]
    assert all(locked.get(plugin) for plugin in bundle.INSTRUCTOR_LAB_PLUGINS)

    # the Assignments tab lists what postBuild released into the home-folder exchange
    status, body = session.request(f"/assignments?course_id={bundle.course_id()}")
    listing = json.loads(body)
    assert status == 200 and listing["success"], listing
    assert sorted(item["assignment_id"] for item in listing["value"]) == ASSIGNMENTS

    # the Validate button, in the Binder environment's kernel: the instructor's answers pass
    # (the untouched notebook's failures: test_nbgrader_validate_works_inside_the_bundle)
    path = answered_copy(student_bundle, ASSIGNMENTS[0])
    try:
        _, body = session.request(
            "/assignments/validate", {"path": str(path.relative_to(student_bundle))}
        )
    finally:
        path.unlink()
    result = json.loads(body)
    assert result["success"] and result["value"] == {}, result
