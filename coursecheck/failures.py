"""A failed check, said in English and in 繁體中文.

Every check raises AssertionError with two lines: what was expected and what came
back, first in English, then in Chinese. nbgrader scores a test cell 0 when it
raises, and the student reads the message under the cell, in Validate and in the
feedback.
"""


def fail(english, chinese):
    """Raise AssertionError saying `english`, then `chinese` on the next line."""
    __tracebackhide__ = True  # IPython shows the test cell's line, not this one
    raise AssertionError(f"{english}\n{chinese}")
