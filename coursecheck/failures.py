"""A failed check, said in English and in 繁體中文.

Every check raises AssertionError with two lines: what was expected and what came
back, first in English, then in Chinese. nbgrader scores a test cell 0 when it
raises, and the student reads the message under the cell, in Validate and in the
feedback.
"""

import builtins
import linecache
import os

HERE = os.path.dirname(os.path.abspath(__file__))  # coursecheck's own folder


class CheckFailed(builtins.AssertionError):
    """The AssertionError of a failed check, shown by IPython message first.

    IPython prints a traceback from the test cell down to the line that raised, here
    in coursecheck, with the file's install path; in JupyterLab's Validate dialog the
    message then sits at the bottom, cut off. IPython asks an exception for its own
    traceback (`_render_traceback_`): this one is the message, then the test cell's
    line that failed. Its name stays AssertionError, as students and nbgrader see it.
    """

    def _render_traceback_(self):
        lines = [f"\x1b[0;31mAssertionError\x1b[0m: {self}"]
        line = self.test_cell_line()
        if line:
            lines += ["", f"in · 位置: {line}"]
        return lines

    def test_cell_line(self):
        """The line of the innermost frame outside coursecheck: the test cell's call."""
        found = ""
        tb = self.__traceback__
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if not os.path.abspath(filename).startswith(HERE + os.sep):
                found = linecache.getline(filename, tb.tb_lineno).strip()
            tb = tb.tb_next
        return found


CheckFailed.__name__ = CheckFailed.__qualname__ = "AssertionError"


def fail(english, chinese):
    """Raise AssertionError saying `english`, then `chinese` on the next line."""
    __tracebackhide__ = True  # IPython shows the test cell's line, not this one
    raise CheckFailed(f"{english}\n{chinese}")
