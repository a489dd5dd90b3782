"""`make bench`: how fast and how big the course is on this machine, as tables of figures.

    .venv/bin/python -m benchmarks [--only lessons,grading,install,activations] [--repeat 3]
        [--class-runs 3]

Sections, each a module: machine.py (cores, memory, the sandbox), lessons.py (each
lesson and each assignment solution: seconds and kernel peak memory), grading.py (a
synthetic class graded by plain nbgrader and by `make grade`, side by side),
install.py (a cold install of the environment: time and size), activations.py (each
activation on a million values). Figures, not assertions: they change with the
machine and its load, which is why the tests never time anything.
"""
