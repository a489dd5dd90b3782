"""The checks that the course's test cells run, in English and 繁體中文.

Installed with the course (`make`, Binder, a JupyterHub image, or the hand-out zip
of `make handout`), so that every test cell, visible or hidden, imports the same
code. Test cells stay short: one named check per test, e.g.

    from coursecheck import sigmoid_exercise as check
    check.sigmoid_values(sigmoid)

Modules, each with one job:
- numbers: comparing floats in plain Python arithmetic;
- calls: running a student's function so that its errors and warnings become messages;
- figures: finding and reading the figures a student drew (from their data, not pixels);
- grids: checks for a figure that holds a grid of subplots;
- sigmoid_exercise, leaky_relu_homework: the named checks of the two assignments.

Like d2l's shared package, it holds no answer: nothing here computes what an
assignment asks students to write (no sigmoid, no Leaky ReLU, no reader of the
homework's CSV file). Checks take their expected values from the test cell or from
literal numbers worked out in advance; hidden tests pass their own.
"""

__version__ = "1.0"
