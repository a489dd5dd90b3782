"""Grading that student code cannot break: nbgrader autograde in a sandbox.

Design note
-----------
`nbgrader autograde` runs every student's code as the instructor, in
autograded/<student>/<assignment>/, three folders below the course root. That
code could print source/ (solutions, hidden tests) into its own feedback,
rewrite gradebook.db, delete submitted/, exhaust memory, or end its kernel so
that nbgrader records no grade at all. The protections hook into nbgrader's own
configuration (nbgrader_config.py, section "Grading sandbox"), so the plain
`nbgrader autograde`, the course's commands and formgrader all use them:

- Isolation (bwrap.py, kernel.py): the kernel runs under bubblewrap, the
  smallest widely packaged tool that needs no daemon and no root: a read-only
  view of the machine in which the course folder, the exchange, the gradebook,
  home folders, /tmp and /run are empty; the Python environment visible again
  read-only; a writable scratch copy of the submission folder (without the
  notebook, which holds the restored hidden tests); no network, no other
  processes, no capabilities, no environment secrets. The kernel is reached
  over IPC sockets in a private runtime folder. Containers (Docker, Podman)
  would isolate as well but need a daemon or images; a separate Unix user would
  need root to set up.
- Limits (limits.py): memory (RLIMIT_AS: an allocation past it raises
  MemoryError in the student's cell), CPU seconds, file size, and processes
  (RLIMIT_NPROC inside the sandbox's user namespace; as root the kernel first
  becomes a uid of its own, since root ignores that limit). Per-cell timeout from
  c.Execute.timeout; a wall-clock limit for the whole notebook.
- Always a grade (execute.py): kernel death, an interrupt the code ignores or
  the notebook time limit end the run with an error output naming the cell;
  tests that could not run score 0. Unreadable files (submission.py) score 0
  with the reason. Odd metadata, duplicated or deleted cells are repaired
  before grading (RestoreCells), and hidden-test lines are removed from all
  outputs (HideLeakedTests).
- Where bubblewrap cannot run (macOS, Windows, Binder, a kernel without user
  namespaces) the default is to refuse, naming the setting that allows grading
  with limits only (settings.py): running untrusted code with the instructor's
  rights should be a decision, not an accident.

Not covered: a student's code can still tamper with the tests of its own
notebook inside its own kernel (it runs first, in the same interpreter), so
the sandbox protects the grader, the course and other students, not the
honesty of one student's score. See docs/grading-safety.md.
"""
