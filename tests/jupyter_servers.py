"""What the tests that start a real Jupyter server share.

A free port, an opener that reaches the local server even where the machine sets an
HTTP proxy, the throw-away environment the student bundle's binder/postBuild runs in
(as Binder runs it), and stopping a server with everything it started. Used by `make
lab`'s test, the bundle's Binder test, and the browser suite (laptop and JupyterHub).
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import urllib.request
import venv
from pathlib import Path

# Talk to the local server directly, even where the machine sets an HTTP proxy.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
SCRIPTS = ("jupyter", "jupyter-labextension", "jupyter-server", "jupyter-lab", "nbgrader")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def throwaway_jupyter_environment(folder):
    """A virtual environment that sees the course's packages but has its own Jupyter config.

    postBuild changes the environment's config (sys-prefix) and installs coursecheck,
    so it must not run against .venv. The new environment imports .venv's packages
    through a .pth file (after its own site-packages, where postBuild installs
    coursecheck), has a copy of .venv's etc/jupyter, and its own console scripts.
    """
    folder = Path(folder)
    venv.create(folder, with_pip=False)
    purelib = Path(sysconfig.get_path("purelib", vars={"base": str(folder)}))
    (purelib / "course_packages.pth").write_text(sysconfig.get_path("purelib") + "\n")
    course_prefix = Path(sys.prefix)
    shutil.copytree(course_prefix / "etc" / "jupyter", folder / "etc" / "jupyter")
    (folder / "share").mkdir(exist_ok=True)
    (folder / "share" / "jupyter").symlink_to(course_prefix / "share" / "jupyter")
    for script in SCRIPTS:
        lines = (course_prefix / "bin" / script).read_text().splitlines(keepends=True)
        wrapper = folder / "bin" / script
        wrapper.write_text(f"#!{folder / 'bin' / 'python'}\n" + "".join(lines[1:]))
        wrapper.chmod(0o755)
    return folder


def binder_build(bundle_folder, scratch):
    """Run the bundle's binder/postBuild in a throw-away environment under `scratch`.

    Returns the environment's folder and the variables a JupyterLab started in the
    bundle needs (its own HOME, config and runtime folders, the environment first on
    PATH). pip fetches the build backend (flit_core) as on Binder: the usual pip cache
    and the machine's proxy settings are kept.
    """
    scratch = Path(scratch)
    environment = throwaway_jupyter_environment(scratch / "env")
    home = scratch / "home"
    home.mkdir()
    env = {
        "HOME": str(home),
        "PATH": f"{environment / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
        "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
        "LANG": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")),
    }
    env.update((k, v) for k, v in os.environ.items() if k.lower().endswith("_proxy"))
    build = subprocess.run(
        ["binder/postBuild"],
        cwd=bundle_folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, f"postBuild failed:\n{build.stdout}{build.stderr}"
    return environment, env


def stop_process_group(process, seconds=20):
    """SIGTERM the process group a server was started in, SIGKILL it after `seconds`."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
