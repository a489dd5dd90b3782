"""Start a grading kernel with resource limits: `python limits.py [options] -- command...`.

Run by path inside the sandbox (before ipykernel starts), so it uses the
standard library only and never imports the rest of coursekit, which the
sandbox hides. It sets the limits, drops root to an unprivileged user when
asked, then replaces itself with the command (same process, same pid).

RLIMIT_NPROC is set here, inside the sandbox's user namespace, because there
the kernel counts only the sandbox's own processes; set outside, it would
count every process of the instructor. Root ignores RLIMIT_NPROC, hence --user
(a uid of its own for each kernel, so that kernels do not share the count).
"""

import argparse
import os
import resource
import sys


def parse_arguments(argv):
    parser = argparse.ArgumentParser(prog="limits.py")
    parser.add_argument("--memory", type=int, help="address space in bytes (RLIMIT_AS)")
    parser.add_argument("--cpu", type=int, help="CPU seconds (RLIMIT_CPU)")
    parser.add_argument("--processes", type=int, help="processes and threads (RLIMIT_NPROC)")
    parser.add_argument("--file-size", type=int, help="largest file in bytes (RLIMIT_FSIZE)")
    parser.add_argument("--user", type=int, help="switch to this uid (and gid) when root")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    if options.command[:1] == ["--"]:
        options.command = options.command[1:]
    if not options.command:
        parser.error("no command to run after --")
    return options


def set_limit(name, value):
    """Lower soft and hard limit to `value`; a platform without the limit is skipped."""
    which = getattr(resource, name, None)
    if value is None or which is None:
        return
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    try:
        resource.setrlimit(which, (value, value))
    except (ValueError, OSError) as error:  # macOS refuses RLIMIT_AS, for example
        print(f"limits.py: could not set {name}: {error}", file=sys.stderr)


def drop_root(uid):
    """Become `uid` with no supplementary groups; a no-op unless running as root."""
    if uid is None or os.getuid() != 0:
        return
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if os.getuid() == 0 or os.geteuid() == 0:
        raise SystemExit("limits.py: could not drop root")


def main(argv=None):
    options = parse_arguments(sys.argv[1:] if argv is None else argv)
    drop_root(options.user)
    set_limit("RLIMIT_AS", options.memory)
    set_limit("RLIMIT_CPU", options.cpu)
    set_limit("RLIMIT_NPROC", options.processes)
    set_limit("RLIMIT_FSIZE", options.file_size)
    set_limit("RLIMIT_CORE", 0)  # a crashing kernel writes no core file into the scratch folder
    os.execvp(options.command[0], options.command)


if __name__ == "__main__":
    main()
