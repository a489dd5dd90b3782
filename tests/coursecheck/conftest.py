"""Fixtures of the coursecheck tests. matplotlib runs headless (Agg) in this process."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from coursecheck import figures  # noqa: E402
from tests.coursecheck import rc_kept  # noqa: E402


@pytest.fixture
def remembering():
    """remember_figures() as a setup cell runs it; no hook is left after (see rc_kept).

    Outside IPython every figure belongs to the same "cell", so latest_figures() is
    every figure drawn since remember_figures().
    """
    with rc_kept():
        figures.remember_figures()
        yield
        plt.close("all")
        figures._remembered.clear()
