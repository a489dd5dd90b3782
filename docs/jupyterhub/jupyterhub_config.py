"""JupyterHub for the activation-functions course: students, graders and instructors on one server.

This is the file the browser suite runs (tests/browser/test_term_on_jupyterhub.py starts
`jupyterhub -f docs/jupyterhub/jupyterhub_config.py`), and the file docs/jupyterhub.md
shows: what was tested is what you copy. Every path and name has a default for a real
server; the test points the COURSE_* variables at its own folders and ports.

Part 1 is the hub itself (on The Littlest JupyterHub, TLJH sets these for you: leave them
out). Part 2 is the course, nbgrader's documented multi-user setup: the formgrader as a
hub-managed service, groups formgrade-<course> and nbgrader-<course>, one shared exchange,
one gradebook in PostgreSQL (on TLJH: copy part 2 into
/opt/tljh/config/jupyterhub_config.d/course.py).
"""

import os

c = get_config()  # noqa: F821  (provided by JupyterHub when it reads this file)
env = os.environ.get

# --- Part 1: the hub (TLJH: already set) -----------------------------------------------
c.JupyterHub.bind_url = env("COURSE_HUB_URL", "http://:8000")  # behind your HTTPS proxy
c.JupyterHub.hub_bind_url = env("COURSE_HUB_API_URL", "http://127.0.0.1:8081")
STATE = env("COURSE_HUB_STATE", "/srv/jupyterhub")  # root only: database, cookie secret
c.JupyterHub.db_url = f"sqlite:///{STATE}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{STATE}/jupyterhub_cookie_secret"
c.ConfigurableHTTPProxy.pid_file = f"{STATE}/jupyterhub-proxy.pid"
c.ConfigurableHTTPProxy.api_url = env("COURSE_PROXY_API_URL", "http://127.0.0.1:8001")
c.ConfigurableHTTPProxy.command = [env("COURSE_PROXY", "configurable-http-proxy")]

# Unix accounts log in with their password (PAM, JupyterHub's default); each student's
# account is named by their 學號, the student id nbgrader and the LMS use.
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False  # no login session (systemd) per server

# Each person's own server runs as their own Unix account (LocalProcessSpawner, the hub
# runs as root), from the course's environment (pip install of environment.yml's pins,
# coursecheck installed non-editable: docs/jupyterhub.md, "The environment").
USER_ENV = env("COURSE_USER_ENV", "/opt/activation-functions/env")
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [f"{USER_ENV}/bin/jupyterhub-singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 60
c.Spawner.http_timeout = 60

# --- Part 2: the course (TLJH: /opt/tljh/config/jupyterhub_config.d/course.py) ----------
COURSE = env("COURSE_ID", "activation-functions")  # nbgrader's course_id = the service name
GRADER_ACCOUNT = f"grader-{COURSE}"  # owns the course folder; runs the formgrader
COURSE_DIR = env("COURSE_DIR", f"/home/{GRADER_ACCOUNT}/{COURSE}")
EXCHANGE = env("NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")  # shared, chmod 777
SITE = env("COURSE_SITE_CONFIG", "/etc/jupyter")  # the files of docs/jupyterhub/etc-jupyter/
GRADEBOOK = env("NBGRADER_DB_URL", f"postgresql+psycopg2://{GRADER_ACCOUNT}@/{COURSE}")
FORMGRADER_URL = env("COURSE_FORMGRADER_URL", "http://127.0.0.1:9999")

INSTRUCTORS = env("COURSE_INSTRUCTORS", "instructor").split()
GRADERS = env("COURSE_GRADERS", "").split()  # teaching assistants
STUDENTS = env("COURSE_STUDENTS", "").split()  # 學號; nbgrader adds the class list too

# The grader account is a hub user too (it never logs in): nbgrader's formgrader asks the
# hub which courses its account belongs to.
c.Authenticator.allowed_users = set(INSTRUCTORS + GRADERS + STUDENTS + [GRADER_ACCOUNT])
c.Authenticator.admin_users = set(INSTRUCTORS)
c.JupyterHub.load_groups = {
    f"formgrade-{COURSE}": INSTRUCTORS + GRADERS + [GRADER_ACCOUNT],  # open the formgrader
    f"nbgrader-{COURSE}": STUDENTS,  # see the course's assignments (JupyterHubAuthPlugin)
}


def jupyter_config_path(spawner):
    """Students' servers read students/ (no instructor tools); others read instructors/."""
    groups = {group.name for group in spawner.user.groups}
    role = "instructors" if f"formgrade-{COURSE}" in groups else "students"
    return f"{SITE}/{role}:{SITE}"


c.Spawner.environment = {
    "NBGRADER_EXCHANGE": EXCHANGE,
    "JUPYTER_CONFIG_PATH": jupyter_config_path,
    "OPENBLAS_NUM_THREADS": "1",  # many small kernels on few cores
}

c.JupyterHub.load_roles = [
    {
        # each person's server may read its owner's groups: nbgrader's JupyterHubAuthPlugin
        # lists a student's courses from them (without this: "You do not have access to
        # this course", nbgrader issue #1936 on TLJH)
        "name": "server",
        "scopes": [
            "users:activity!user",
            "access:servers!server",
            "read:users:name!user",
            "read:users:groups!user",
        ],
    },
    {
        "name": f"formgrade-{COURSE}",
        "groups": [f"formgrade-{COURSE}"],
        "scopes": [f"access:services!service={COURSE}"],
    },
    {
        # the formgrader adds students to nbgrader-<course> when they join the class list
        "name": f"service-{COURSE}",
        "services": [COURSE],
        "scopes": ["read:users", "list:users", "read:groups", "list:groups", "groups"],
    },
]

# The formgrader: a shared JupyterLab of the grader account, in the course folder, that
# every member of formgrade-<course> opens at /services/<course>/formgrader.
c.JupyterHub.services = [
    {
        "name": COURSE,
        "url": FORMGRADER_URL,
        "command": [f"{USER_ENV}/bin/jupyterhub-singleuser", "--ServerApp.root_dir=."],
        "user": GRADER_ACCOUNT,
        "cwd": COURSE_DIR,
        "oauth_no_confirm": True,
        "environment": {
            "PATH": f"{USER_ENV}/bin:/usr/local/bin:/usr/bin:/bin",  # its terminal: nbgrader
            "NBGRADER_EXCHANGE": EXCHANGE,
            "NBGRADER_DB_URL": GRADEBOOK,
            "JUPYTER_CONFIG_PATH": f"{SITE}/formgrader:{SITE}",
            "OPENBLAS_NUM_THREADS": "1",
        },
    }
]
