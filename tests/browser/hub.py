"""A real JupyterHub on localhost, as docs/jupyterhub.md sets one up, for the browser suite.

Everything a real server has, made by the test in a folder of its own (/tmp/course-hub-*)
and removed afterwards: one Unix account per person (an instructor, a grader, three
students, and the course's grader-<course> account that runs the formgrader), each with
a password and a private home folder; the site-wide Jupyter config of
docs/jupyterhub/etc-jupyter/; the shared exchange; a PostgreSQL server for the gradebook;
the course folder (the repository's nbgrader_config.py, coursekit/ and source/) owned by
the grader account; then `jupyterhub -f docs/jupyterhub/jupyterhub_config.py`, the file
the documentation shows, with configurable-http-proxy from tests/browser/hub/.

The course environment is this repository's .venv (as `make` builds it: coursecheck
installed, not linked). Its Python may live in a folder other accounts cannot enter
(pyenv under /root): for the test's duration, the folders on the way get the search
(x) permission for others (never read), and get their old mode back afterwards.
"""

import contextlib
import grp
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.browser.people import REPO
from tests.jupyter_servers import DIRECT, free_port, stop_process_group

COURSE = "activation-functions"
GRADER_ACCOUNT = f"grader-{COURSE}"
CONFIG = REPO / "docs" / "jupyterhub" / "jupyterhub_config.py"
SITE_CONFIG = REPO / "docs" / "jupyterhub" / "etc-jupyter"
PROXY = REPO / "tests" / "browser" / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"
# Stopping the hub stops the proxy, the formgrader service and every server it spawned.
HUB_STOP_SECONDS = 30
PG_PORT = 5434  # names the socket file only; PostgreSQL listens on no TCP port


def problem():
    """Why the hub scenario cannot run here (None when it can)."""
    if os.geteuid() != 0:
        return "it creates Unix accounts and runs JupyterHub as root (run as root, as CI does)"
    if not PROXY.exists():
        return "configurable-http-proxy is not installed (make test-browser runs npm ci)"
    for program in ("useradd", "userdel", "chpasswd", "runuser"):
        if not shutil.which(program):
            return f"{program} is missing"
    return None


@dataclass
class Account:
    name: str
    role: str  # "instructor", "grader", "student", "service"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))

    @property
    def home(self):
        return Path(pwd.getpwnam(self.name).pw_dir)


@dataclass
class Hub:
    url: str
    base: Path
    course_dir: Path
    exchange: Path
    db_url: str
    accounts: dict
    log: Path
    process: subprocess.Popen = None

    def account(self, name):
        return self.accounts[name]

    def log_tail(self, lines=40):
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def run(*command, **kw):
    done = subprocess.run(list(map(str, command)), capture_output=True, text=True, **kw)
    if done.returncode:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


@contextlib.contextmanager
def traversable(paths):
    """Let other accounts pass through the folders above `paths` (x for others, not read)."""
    changed = {}
    for path in paths:
        for folder in [*Path(path).parents][::-1]:
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH:
                changed.setdefault(folder, mode)
                folder.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)
    try:
        yield
    finally:
        for folder, mode in changed.items():
            folder.chmod(stat.S_IMODE(mode))


@contextlib.contextmanager
def unix_accounts(base, accounts):
    """useradd each account (home in base/home, mode 700, a password), userdel -r after."""
    made = []
    try:
        for account in accounts:
            with contextlib.suppress(KeyError):
                pwd.getpwnam(account.name)
                raise RuntimeError(f"the account {account.name} exists already: not touching it")
            home = base / "home" / account.name
            run(
                "useradd", "--create-home", "--home-dir", home, "--shell", "/bin/bash", account.name
            )
            made.append(account.name)
            home.chmod(0o700)
            run("chpasswd", input=f"{account.name}:{account.password}\n")
        yield
    finally:
        for name in made:
            end_processes_of(name)  # their servers and kernels, if any outlived the hub
            subprocess.run(["userdel", "--remove", name], capture_output=True)
        for name in made:
            with contextlib.suppress(KeyError):
                grp.getgrnam(name)
                subprocess.run(["groupdel", name], capture_output=True)


def end_processes_of(account):
    """SIGKILL every process of a test account, by its process id."""
    listed = subprocess.run(["pgrep", "-u", account], capture_output=True, text=True).stdout
    for pid in map(int, listed.split()):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def postgresql(folder):
    """A PostgreSQL server of the test's own, on a unix socket in `folder`: its gradebook URL."""
    from tests.conftest import postgres_programs

    programs = Path(postgres_programs(), "pg_ctl").resolve().parent
    folder.mkdir(mode=0o755)
    shutil.chown(folder, "postgres", "postgres")
    data, log = folder / "data", folder / "server.log"

    def as_postgres(program, *args):
        run("runuser", "-u", "postgres", "--", programs / program, *args, timeout=120)

    as_postgres("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
    options = f"-k {folder} -p {PG_PORT} -c listen_addresses='' -c fsync=off"
    as_postgres("pg_ctl", "-D", data, "-o", options, "-l", log, "-w", "start")
    try:
        as_postgres("createdb", "-h", folder, "-p", PG_PORT, "-U", "postgres", "gradebook")
        yield f"postgresql+psycopg2://postgres@/gradebook?host={folder}&port={PG_PORT}"
    finally:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                programs / "pg_ctl",
                "-D",
                data,
                "-m",
                "fast",
                "stop",
            ],
            capture_output=True,
            timeout=60,
        )


def course_folder(folder, db_url, students):
    """The course as the grader account keeps it: config, coursekit, source/, class list."""
    from tests.conftest import new_course

    os.environ["NBGRADER_DB_URL"] = db_url
    try:
        course = new_course(folder)
        course.add_students(
            [{"id": s, "first_name": "", "last_name": s, "email": ""} for s in students]
        )
    finally:
        del os.environ["NBGRADER_DB_URL"]
    return course


def chown_tree(folder, user):
    entry = pwd.getpwnam(user)
    for path in [folder, *folder.rglob("*")]:
        os.lchown(path, entry.pw_uid, entry.pw_gid)


@contextlib.contextmanager
def jupyterhub(people, timings):
    """Start the course's JupyterHub; yield a Hub. `people`: [(name, role)]."""
    base = Path(tempfile.mkdtemp(prefix="course-hub-", dir="/tmp"))
    base.chmod(0o755)
    accounts = {name: Account(name, role) for name, role in people}
    accounts[GRADER_ACCOUNT] = Account(GRADER_ACCOUNT, "service")
    environment = Path(sys.prefix)  # the course environment, .venv
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(
                traversable([environment / "bin", Path(os.path.realpath(sys.executable))])
            )
            stack.enter_context(unix_accounts(base, accounts.values()))
            db_url = stack.enter_context(postgresql(base / "pg"))
            site = base / "etc" / "jupyter"
            shutil.copytree(SITE_CONFIG, site)
            exchange = base / "srv" / "nbgrader" / "exchange"
            exchange.mkdir(parents=True)
            exchange.chmod(0o777)  # everyone creates folders in it; nbgrader sets their modes
            state = base / "hub"
            state.mkdir(mode=0o700)
            home = accounts[GRADER_ACCOUNT].home
            course_dir = home / COURSE
            students = [a.name for a in accounts.values() if a.role == "student"]
            course_folder(course_dir, db_url, students)
            chown_tree(course_dir, GRADER_ACCOUNT)
            hub_port, api_port, proxy_port, service_port = (free_port() for _ in range(4))
            env = {
                **os.environ,
                "PATH": f"{environment / 'bin'}{os.pathsep}{os.environ['PATH']}",
                "COURSE_HUB_URL": f"http://127.0.0.1:{hub_port}",
                "COURSE_HUB_API_URL": f"http://127.0.0.1:{api_port}",
                "COURSE_PROXY_API_URL": f"http://127.0.0.1:{proxy_port}",
                "COURSE_FORMGRADER_URL": f"http://127.0.0.1:{service_port}",
                "COURSE_PROXY": str(PROXY),
                "COURSE_HUB_STATE": str(state),
                "COURSE_USER_ENV": str(environment),
                "COURSE_ID": COURSE,
                "COURSE_DIR": str(course_dir),
                "NBGRADER_EXCHANGE": str(exchange),
                "NBGRADER_DB_URL": db_url,
                "COURSE_SITE_CONFIG": str(site),
                "COURSE_INSTRUCTORS": " ".join(n for n, r in people if r == "instructor"),
                "COURSE_GRADERS": " ".join(n for n, r in people if r == "grader"),
                "COURSE_STUDENTS": " ".join(students),
            }
            log = base / "jupyterhub.log"
            started = time.monotonic()
            for attempt in (1, 2):
                process = subprocess.Popen(
                    [environment / "bin" / "jupyterhub", "-f", CONFIG],
                    cwd=state,
                    env=env,
                    stdout=open(log, "a"),  # noqa: SIM115 (closed with the process)
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                hub = Hub(
                    url=env["COURSE_HUB_URL"],
                    base=base,
                    course_dir=course_dir,
                    exchange=exchange,
                    db_url=db_url,
                    accounts=accounts,
                    log=log,
                    process=process,
                )
                try:
                    wait_until_up(hub, f"{hub.url}/services/{COURSE}/api/status", started)
                    break
                except RuntimeError:
                    stop_process_group(process, HUB_STOP_SECONDS)
                    # JupyterHub gives a managed service 10 s to answer, then exits; a busy
                    # machine's first start can take longer (nothing cached): once more
                    if attempt == 2 or "Cannot connect to" not in log.read_text():
                        raise
            timings.add("hub start (hub, proxy, formgrader service)", time.monotonic() - started)
            try:
                yield hub
            finally:
                stop_process_group(process, HUB_STOP_SECONDS)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def wait_until_up(hub, url, started, limit=90):
    """Until the hub answers through the proxy and the formgrader service has its route."""
    while True:
        try:
            DIRECT.open(f"{hub.url}/hub/api", timeout=5)
            DIRECT.open(url, timeout=5)
            return
        except urllib.error.HTTPError as error:
            if error.code in (401, 403):  # the service answers: it wants a login
                return
        except OSError:
            pass
        if hub.process.poll() is not None:
            raise RuntimeError(f"JupyterHub stopped:\n{hub.log_tail()}")
        if time.monotonic() - started > limit:
            raise RuntimeError(f"JupyterHub did not start in {limit} s:\n{hub.log_tail()}")
        time.sleep(0.3)
