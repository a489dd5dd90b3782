"""The grading sandbox's settings, and whether the sandbox can run on this machine.

Settings are read from nbgrader_config.py (`c.GradingSandbox.<name> = ...`),
section "Grading sandbox". The fallback can also be chosen per run with the
environment variable COURSEKIT_SANDBOX_FALLBACK.
"""

import os
import shutil
import subprocess
import sys

from traitlets import Enum, Integer, List, Tuple, Unicode, default
from traitlets.config import LoggingConfigurable

FALLBACK_VARIABLE = "COURSEKIT_SANDBOX_FALLBACK"
GIB = 1024**3
MIB = 1024**2


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot run here and the instructor has not chosen to grade without it."""


class GradingSandbox(LoggingConfigurable):
    """How student code is confined while nbgrader autogrades it."""

    bwrap = Unicode("bwrap", help="The bubblewrap program (a name on PATH or a path).").tag(
        config=True
    )

    fallback = Enum(
        ["refuse", "limits-only"],
        help=(
            "What to do where the sandbox cannot run (no bubblewrap, macOS, Windows): "
            "'refuse' to grade, or grade with resource limits only. "
            f"Default: the environment variable {FALLBACK_VARIABLE}, else 'refuse'."
        ),
    ).tag(config=True)

    @default("fallback")
    def _fallback_default(self):
        return os.environ.get(FALLBACK_VARIABLE, "").strip() or "refuse"

    memory_limit = Integer(
        2 * GIB, help="Address space of the grading kernel, in bytes; past it, MemoryError."
    ).tag(config=True)

    cpu_time_limit = Integer(
        300, help="CPU seconds one grading kernel (and each process it starts) may use."
    ).tag(config=True)

    notebook_timeout = Integer(
        300, help="Wall-clock seconds for a whole notebook; later cells are not run."
    ).tag(config=True)

    max_processes = Integer(
        64, help="Processes and threads the grading kernel may have at once (bounds fork bombs)."
    ).tag(config=True)

    max_file_size = Integer(256 * MIB, help="Largest file student code may write, in bytes.").tag(
        config=True
    )

    tmp_size = Integer(
        256 * MIB, help="Size of the private /tmp and /dev/shm inside the sandbox, in bytes."
    ).tag(config=True)

    output_limit = Integer(
        1 * MIB, help="Output bytes kept per cell; the rest is dropped with a note."
    ).tag(config=True)

    hidden_paths = List(
        Unicode(),
        help="More folders or files to hide from student code (the course folder, the "
        "exchange, the gradebook, home folders, /tmp and /run are always hidden).",
    ).tag(config=True)

    sandbox_uids = Tuple(
        Integer(),
        Integer(),
        default_value=(2_000_000_000, 2_100_000_000),
        help="When grading as root, each kernel runs as a uid of its own, drawn from "
        "range(first, stop): root ignores the process limit, and a uid shared by all "
        "kernels (nobody) would share it between them. No account may use these uids.",
    ).tag(config=True)


_checked = {}  # (bwrap path, uid) -> None if the sandbox works, else why not


def namespace_options(as_root):
    """bwrap options for the namespaces the sandbox uses.

    Root runs bwrap without a user namespace, so that each kernel can switch to an
    unprivileged uid of its own (root ignores the process limit); everyone else
    needs one.
    """
    options = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    options.append("--unshare-cgroup-try")
    if as_root:  # the zygote gives each kernel a uid of its own, and kills what they leave
        keep = ["CAP_SETUID", "CAP_SETGID", "CAP_KILL"]
        return [*options, "--cap-drop", "ALL", *[arg for cap in keep for arg in ("--cap-add", cap)]]
    return [*options, "--unshare-user", "--disable-userns"]


def why_unavailable(settings):
    """None if bubblewrap can start a sandbox here, else a sentence saying why not."""
    if not sys.platform.startswith("linux"):
        return f"the sandbox uses Linux namespaces and this is {sys.platform}"
    program = shutil.which(settings.bwrap)
    if program is None:
        return (
            f"bubblewrap ({settings.bwrap!r}, setting c.GradingSandbox.bwrap) is not installed; "
            "on Debian or Ubuntu: sudo apt-get install bubblewrap"
        )
    key = (program, os.getuid())
    if key not in _checked:
        probe = [program, *namespace_options(os.getuid() == 0), "--die-with-parent"]
        probe += ["--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--", "true"]
        try:
            run = subprocess.run(probe, capture_output=True, text=True, timeout=30)
            failure = (
                None if run.returncode == 0 else run.stderr.strip() or f"exit {run.returncode}"
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            failure = str(error)
        _checked[key] = None if failure is None else f"{program} cannot start a sandbox: {failure}"
    return _checked[key]


def refusal_message(reason):
    return (
        f"Grading sandbox unavailable: {reason}. Without it, student code runs with your "
        "permissions and can read the hidden tests and solutions, change the gradebook and "
        "other students' work. Nothing was graded. To grade anyway with resource limits only, "
        "set c.GradingSandbox.fallback = 'limits-only' in nbgrader_config.py, or run with "
        f"{FALLBACK_VARIABLE}=limits-only (see docs/grading-safety.md)."
    )


def limits_only_warning(reason):
    return (
        f"GRADING WITHOUT SANDBOX ({reason}): c.GradingSandbox.fallback is 'limits-only', so "
        "student code runs with your permissions, limited only in CPU time, file size, memory "
        "(RLIMIT_AS, which macOS may not apply) and, on Linux and not as root, processes. It "
        "can read source/ and the hidden tests, change the gradebook and other students' work, "
        "reach the network, signal your processes, and read your environment (tokens, keys) "
        "in /proc/<pid>/environ of the grading process. Grade untrusted submissions on a "
        "machine with bubblewrap (docs/grading-safety.md)."
    )


def sandbox_mode(settings, log):
    """'sandbox' or 'limits-only'; raises SandboxUnavailable when the fallback is 'refuse'."""
    reason = why_unavailable(settings)
    if reason is None:
        return "sandbox"
    if settings.fallback == "limits-only":
        log.warning(limits_only_warning(reason))
        return "limits-only"
    raise SandboxUnavailable(refusal_message(reason))
