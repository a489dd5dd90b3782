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

- Isolation (bwrap.py): the kernels run under bubblewrap, the smallest widely
  packaged tool that needs no daemon and no root: a read-only view of the
  machine in which the course folder, the exchange, the gradebook, home folders,
  /var/tmp, /run, /mnt and /media are empty and read-only; the Python environment
  visible again read-only; a private /tmp and /dev/shm; a writable scratch copy
  of the submission folder (without the notebook, which holds the restored hidden
  tests); no network, no other processes, no environment secrets. Containers
  (Docker, Podman) would isolate as well but need a daemon or images.
- One sandbox per grading process (factory.py, zygote.py, kernel_start.py): a
  zygote imports numpy, matplotlib, IPython and the checks once and forks a
  kernel for each notebook (kernel.py, the kernel manager nbclient uses), with
  its limits: memory (RLIMIT_AS: an allocation past it raises MemoryError in the
  student's cell), CPU seconds, file size, and processes (RLIMIT_NPROC; as root
  each kernel first becomes a uid of its own, without capabilities, since root
  ignores that limit). Between notebooks every process of the sandbox is killed
  and its /tmp, /dev/shm, IPC objects and the kernels' folder are emptied
  (folders.py keeps the grader's own folders).
- Test cells run as written (guardian.py): a thread started in each kernel
  before any student code runs the test cells in the kernel's start state,
  behind an audit hook that keeps student code away from it and from the running
  tests, and checks the checks' fingerprints; the grader counts the kernel's
  threads and processes from outside (processes.py).
- Always a grade (coursekit/preprocessors/safe_execute.py, SafeExecute): kernel
  death, an interrupt the code ignores or the notebook time limit end the run
  with an error output naming the cell; tests that could not run score 0.
  Unreadable files score 0 with the reason (coursekit/exporters.py). Odd
  metadata, duplicated or deleted cells are repaired before grading
  (RestoreCells), and hidden-test lines are removed from all outputs
  (HideLeakedTests).
- Where bubblewrap cannot run (macOS, Windows, Binder, a kernel without user
  namespaces) the default is to refuse, naming the setting that allows grading
  with limits only (settings.py): running untrusted code with the instructor's
  rights should be a decision, not an accident.

Not covered: student code runs first, in the same interpreter as the guardian.
What Python itself cannot forbid, native code (ctypes, a handed-in extension
module) writing the interpreter's memory, can still change how its own
notebook's tests run. The guardian's fingerprints catch such changes to the
checks' functions and data (the tests are then unconfirmed: 0 and a note), not
every change, and the static reading flags ctypes and handed-in files. So the
sandbox protects the grader, the course and other students; the guardian protects
one student's score as far as Python allows. See docs/grading-safety.md.
"""
