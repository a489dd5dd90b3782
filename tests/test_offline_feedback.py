"""The feedback page reads offline: maths as MathML, no instructor paths (fast checks).

The whole page, made by nbgrader and opened in Chromium from the feedback folder, is
checked by the browser suite (tests/browser/test_term_on_jupyterhub.py).
"""

from coursekit.preprocessors.offline_feedback import maths_to_mathml, without_paths
from coursekit.preprocessors.pending_grades import PENDING, is_zero_point_cell


def test_maths_becomes_mathml_outside_code_only():
    text = maths_to_mathml(
        "The slope $\\alpha$ and $$\\sigma(x) = \\frac{1}{1 + e^{-x}}$$ but not `$x$` nor\n"
        "```python\ncost = '$5 and $6'\n```\nand a price of 5 $ stays."
    )
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in text
    assert 'display="block"' in text and "<mfrac>" in text
    assert "`$x$`" in text and "cost = '$5 and $6'" in text and "5 $ stays" in text
    assert "\\alpha" not in text and "\\frac" not in text


def test_cases_and_operatorname_render():
    text = maths_to_mathml(
        "$$\\operatorname{leaky\\_relu}(x) = \\begin{cases} x & \\text{if } x \\ge 0 \\\\ "
        "\\alpha x & \\text{if } x < 0 \\end{cases}$$"
    )
    assert "<mtable" in text and "\\begin" not in text


def test_tracebacks_lose_instructor_paths():
    line = (
        "File \x1b[0;32m/home/grader-activation-functions/.venv/lib/python3.11/site-packages/"
        "coursecheck/failures.py:13\x1b[0m, in fail(english, chinese)"
    )
    assert without_paths(line) == (
        "File \x1b[0;32mcoursecheck/failures.py:13\x1b[0m, in fail(english, chinese)"
    )
    assert without_paths("open('/srv/course/source/x/answers.csv')") == "open('answers.csv')"
    assert without_paths("1/2 and a/b stay") == "1/2 and a/b stay"


def test_the_rubric_cell_is_a_zero_point_cell_and_answers_are_not():
    rubric = {"cell_type": "code", "metadata": {"nbgrader": {"grade": True, "points": 0}}}
    answer = {
        "cell_type": "markdown",
        "metadata": {"nbgrader": {"grade": True, "solution": True, "points": 4}},
    }
    assert is_zero_point_cell(rubric) and not is_zero_point_cell(answer)
    assert "待老師評分" in PENDING
