"""`make lab` starts JupyterLab on the course index.

The test runs the real Makefile target (without a browser, on a free port)
and asks the running server for the index notebook.
"""

import json
import os
import signal
import subprocess
import time
import urllib.request

from coursekit.course import REPO
from tests.jupyter_servers import DIRECT, free_port

TOKEN = "course-test-token"


def get(url):
    request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    with DIRECT.open(request, timeout=5) as response:
        return response.status, response.read().decode("utf-8")


def test_make_lab_serves_the_course_index(tmp_path):
    port = free_port()
    args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={TOKEN}"
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path), JUPYTER_CONFIG_DIR=str(tmp_path))
    server = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = get(f"{base}/api/status")
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "JupyterLab did not start within 60 s"
                time.sleep(0.5)
        assert status == 200
        status, page = get(f"{base}/")  # where the browser lands: the index in JupyterLab
        assert status == 200 and "JupyterLab" in page
        assert '"treePath": "course/00_index.ipynb"' in page
        status, body = get(f"{base}/api/contents/course/00_index.ipynb")
        index = json.loads(body)
        assert index["type"] == "notebook"
        assert "00_index.ipynb" in index["path"]
    finally:
        stop(server)


def stop(server):
    """Stop make and the JupyterLab it started (they share a process group)."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.communicate(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.communicate()
