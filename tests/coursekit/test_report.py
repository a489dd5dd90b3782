"""`make report`: the class report of a graded assignment (coursekit/report/, apps/report.py).

One small class of sigmoid_exercise is graded once, with the Course API: a planted
pair of near-identical submissions (the same answer code with renamed variables,
other comments and layout), two students who make the same mistake (one late, one
flagged for review), a corrupt upload and a student who hands in nothing. The
report is then made as `make report` makes it, and read back.
"""

import base64
import datetime
import re

import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from coursekit import notebooks
from coursekit.apps import report as report_app
from coursekit.report import data, similarity
from tests.conftest import new_course
from tests.submissions.sigmoid_exercise import SUBMISSIONS

UTC = datetime.UTC
ASSIGNMENT = "sigmoid_exercise"

PLANTED_A = {
    "answer_X": "X = np.linspace(-5, 5, 100)  # from -5 to 5, both ends",
    "answer_sigmoid": (
        "def sigmoid(x):\n"
        "    # works for numbers and for arrays\n"
        "    values = np.asarray(x, dtype=float)\n"
        "    result = np.zeros_like(values)\n"
        "    big = values >= 0\n"
        "    result[big] = 1.0 / (1.0 + np.exp(-values[big]))\n"
        "    expo = np.exp(values[~big])\n"
        "    result[~big] = expo / (1.0 + expo)\n"
        "    if result.ndim == 0:\n"
        "        return float(result)\n"
        "    return result\n"
    ),
    "answer_Y": "Y = sigmoid(X)",
    "answer_plot": (
        "fig, axes = plt.subplots(figsize=(7, 4))\n"
        'axes.plot(X, Y, color="tab:red", label="sigmoid")\n'
        'axes.set_xlabel("input x")\n'
        'axes.set_ylabel("output")\n'
        'axes.set_title("Logistic sigmoid")\n'
        'axes.legend(loc="best")\n'
        "axes.grid(alpha=0.3)\n"
        "plt.show()\n"
    ),
}
# The same code: other names, other comments, other spacing and line breaks, other strings.
PLANTED_B = {
    "answer_X": "X = np.linspace( -5,5,100 )",
    "answer_sigmoid": (
        "def sigmoid(x):\n"
        "    arr = np.asarray(x, dtype = float)\n"
        "\n"
        "    out = np.zeros_like(arr)\n"
        "    pos = arr >= 0     # the positive half\n"
        "    out[pos] = 1.0/(1.0 + np.exp(-arr[pos]))\n"
        "    # negative half: exp(x) is small there\n"
        "    ex = np.exp(arr[~pos])\n"
        "    out[~pos] = ex/(1.0+ex)\n"
        "    if out.ndim == 0:\n"
        "        return float(out)\n"
        "    return out\n"
    ),
    "answer_Y": "Y = sigmoid( X )",
    "answer_plot": (
        "figure, ax = plt.subplots(figsize = (7,4))\n"
        "ax.plot(X, Y,\n"
        "        color='tab:blue', label='σ(x)')\n"
        "ax.set_xlabel('x')\n"
        "ax.set_ylabel('sigmoid(x)')\n"
        "ax.set_title('The sigmoid curve')\n"
        "ax.legend(loc='best')\n"
        "ax.grid(alpha=0.3)   # a light grid\n"
        "plt.show()\n"
    ),
}
OVERFLOW = "sigmoid(np.array([-1000.0, 1000.0, 10000.0])) gave a RuntimeWarning: overflow"
STUDENTS = {
    "110000001": "planted A",
    "110000002": "planted B",
    "110000003": "slides' formula, late",
    "110000004": "numpy computes both branches; imports builtins (review)",
    "110000005": "corrupt upload",
    "110000006": "hands in nothing",
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = new_course(tmp_path_factory.mktemp("report") / "course", [ASSIGNMENT])
    course.generate(ASSIGNMENT)
    names = [("小明", "王"), ("Mary", "Chen"), ("怡君", "林"), ("大文", "陳"), ("志明", "黃")]
    names.append(("Kevin", "Lin"))
    course.add_students(
        [
            {"id": student, "first_name": first, "last_name": last}
            for student, (first, last) in zip(STUDENTS, names, strict=True)
        ]
    )
    due = datetime.datetime(2025, 3, 1, 16, 0, tzinfo=UTC)
    course.set_due_date(ASSIGNMENT, due)
    released = course.release_notebook(ASSIGNMENT)
    both_branches = dict(SUBMISSIONS["where_both_branches"].answers)
    both_branches["answer_sigmoid"] = "import builtins\n" + both_branches["answer_sigmoid"]
    answers = {
        "110000001": PLANTED_A,
        "110000002": PLANTED_B,
        "110000003": SUBMISSIONS["slides_naive"].answers,
        "110000004": both_branches,
    }
    on_time = due - datetime.timedelta(hours=3)
    for student, typed in answers.items():
        late = student == "110000003"
        when = due + datetime.timedelta(hours=2, minutes=5) if late else on_time
        course.submit(student, ASSIGNMENT, notebooks.fill_answers(released, typed), when=when)
    course.submit("110000005", ASSIGNMENT, b'{"cells": [', when=on_time)
    course.autograde(ASSIGNMENT)
    return course


@pytest.fixture(scope="module")
def made(graded):
    """The report as `make report ASSIGNMENT=sigmoid_exercise FOLDER=...` makes it."""
    printed = []
    code = report_app.main([ASSIGNMENT, "--folder", str(graded.root)], out=printed.append)
    page = graded.root / "reports" / f"{ASSIGNMENT}.html"
    return code, "\n".join(printed), page.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def collected(graded):
    return data.collect(graded.root, ASSIGNMENT, graded.settings)


def test_the_command_writes_one_page_and_the_figures(graded, made):
    code, printed, _ = made
    assert code == 0, printed
    folder = graded.root / "reports"
    assert f"Report: {folder / 'sigmoid_exercise.html'}" in printed
    for name in ("sigmoid_exercise-scores.png", "sigmoid_exercise-pass-rates.png"):
        assert (folder / name).read_bytes().startswith(b"\x89PNG\r\n\x1a\n"), name


def test_the_page_is_self_contained(graded, made):
    _, _, page = made
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert not re.search(r"<script|<link|<iframe|@import|url\(", page, re.I)
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 2
    assert all(base64.b64decode(image).startswith(b"\x89PNG") for image in images)
    # the same figures as the files beside the page
    scores = (graded.root / "reports" / "sigmoid_exercise-scores.png").read_bytes()
    assert base64.b64decode(images[0]) == scores


def test_scores_and_pass_rates(collected):
    # the four readable submissions; the corrupt one is listed as not graded
    assert sorted(collected.scores) == ["110000001", "110000002", "110000003", "110000004"]
    assert collected.scores["110000001"] == collected.scores["110000002"] == 10
    assert collected.scores["110000003"] == 8  # all but the stability test
    assert collected.students == 6
    cells = {cell.grade_id: cell for cell in collected.cells}
    assert list(cells) == [
        "test_X",
        "test_sigmoid_values",
        "test_sigmoid_stable",
        "test_sigmoid_shapes",
        "test_Y",
        "test_plot",
    ]
    assert (cells["test_X"].passed, cells["test_X"].graded) == (4, 4)
    assert (cells["test_sigmoid_stable"].passed, cells["test_sigmoid_stable"].graded) == (2, 4)


def test_the_common_failure_is_listed_with_its_count(collected, made):
    stable = next(cell for cell in collected.cells if cell.grade_id == "test_sigmoid_stable")
    top = stable.failures[0]
    assert top.english.startswith(OVERFLOW), stable.failures
    assert top.count == 2 and top.students == ["110000003", "110000004"]
    assert top.chinese.startswith("sigmoid(np.array([-1000.0, 1000.0, 10000.0]))")
    assert re.search(r"[\u4e00-\u9fff]", top.chinese)
    _, _, page = made
    row = page.split(OVERFLOW, 1)[1].split("</tr>", 1)[0]
    assert '<td class="count">2</td>' in row
    assert "110000003 林怡君, 110000004 陳大文" in row


def test_the_planted_pair_is_reported_and_an_unrelated_pair_is_not(collected, made):
    pairs = {(pair.first, pair.second): pair for pair in collected.pairs}
    planted = pairs[("110000001", "110000002")]
    assert planted.lower >= 0.95  # renamed, re-commented, re-formatted: the same code
    assert collected.pairs[0] is planted
    assert ("110000001", "110000003") not in pairs
    assert ("110000002", "110000004") not in pairs
    assert collected.compared == 4  # the corrupt upload has no code to compare
    _, _, page = made
    pair = page.split('<details class="pair"', 1)[1].split("</details>", 1)[0]
    assert "110000001 王小明 ↔ 110000002 Mary Chen" in pair
    assert "result[big]" in pair and "out[pos]" in pair  # both sides, side by side
    assert '<mark class="same">' in pair
    assert "never a verdict" in page and "絕不是判定" in page


def test_the_students_to_look_at_are_listed_with_the_reason(collected, made):
    reasons = {(flag.kind, flag.student): flag.reason for flag in collected.flagged}
    assert reasons[("late", "110000003")] == "submitted 2 h 5 min after the deadline"
    assert "not a readable notebook" in reasons[("not_graded", "110000005")]
    assert "imports builtins" in reasons[("review", "110000004")]
    assert reasons[("missing", "110000006")].startswith("no submission")
    assert {kind for kind, _ in reasons} == {"late", "not_graded", "review", "missing"}
    _, _, page = made
    for kind, student in reasons:
        section = page.split(f'id="flagged-{kind}"', 1)[1].split("<h3", 1)[0]
        assert student in section, (kind, student)
    assert "在截止時間後 2 小時 5 分鐘 繳交" in page


def test_both_languages(made):
    _, _, page = made
    for english, chinese in [
        ("Score distribution", "分數分布"),
        ("Pass rate of each test cell", "各測試格的通過率"),
        ("Most common failure messages", "最常見的錯誤訊息"),
        ("Students to look at", "需要留意的學生"),
        ("Submissions with alike answer code", "答案程式碼相似的繳交"),
        ("Needs review", "需要人工檢查"),
    ]:
        assert english in page and chinese in page, english


def test_a_folder_without_the_assignment_says_so(graded, capsys):
    assert report_app.main(["no_such_assignment", "--folder", str(graded.root)]) == 1
    assert "has no assignment 'no_such_assignment'" in capsys.readouterr().err


# --- the parts, without grading ---------------------------------------------------------


def failed_cell(evalue, ename="AssertionError"):
    output = new_output("error", ename=ename, evalue=evalue, traceback=[])
    return new_code_cell("check.x_values(X)", outputs=[output])


def test_messages_are_grouped_exactly_as_printed_numbers_included():
    english = data.printed_failure(
        failed_cell("X should have 100 values; yours has 101\n你的有 101 個")
    )
    assert english == ("X should have 100 values; yours has 101", "你的有 101 個")
    other = data.printed_failure(failed_cell("X should have 100 values; yours has 1000\n…"))
    assert other[0] != english[0]  # another mistake, another group
    first = data.printed_failure(failed_cell("it is function <function f at 0x7f3a2b>\n…"))
    second = data.printed_failure(failed_cell("it is function <function f at 0x55e1c0>\n…"))
    assert first == second  # only memory addresses are masked
    assert data.printed_failure(failed_cell("name 'Y' is not defined", "NameError")) == (
        "NameError: name 'Y' is not defined",
        "",
    )
    assert data.printed_failure(new_code_cell("check.x_values(X)")) is None
    # outputs hidden from the student (HideLeakedTests) are not a misconception
    hidden = failed_cell("[output hidden: ...]", "OutputHidden")
    assert data.printed_failure(hidden) == data.OUTPUT_HIDDEN
    # a quoted array spans lines in both languages: the English is the first half
    array = "array([[ 0.  , -5.  ],\n       [ 0.01, -5.  ]"
    both = data.printed_failure(
        failed_cell(
            f"should return a list; it returned ndarray {array}\n應該回傳 list；它回傳了 {array}"
        )
    )
    assert both == (
        f"should return a list; it returned ndarray {array}",
        f"應該回傳 list；它回傳了 {array}",
    )


def test_code_many_submissions_share_is_not_evidence():
    code = notebooks.fill_answers(
        new_notebook(
            cells=[
                new_code_cell(
                    "", metadata={"nbgrader": {"grade_id": "answer_sigmoid", "solution": True}}
                )
            ]
        ),
        {"answer_sigmoid": PLANTED_A["answer_sigmoid"]},
    )
    text = similarity.answer_code(code)
    codes = {f"s{i}": text for i in range(4)}
    assert len(similarity.similar_pairs(codes)) == 6  # every pair of four alike
    assert similarity.similar_pairs(codes, common=3) == []  # in all four: common knowledge
    assert similarity.similar_pairs(codes, given=text) == []  # given by the notebook


def test_a_folder_that_was_never_graded_gets_no_gradebook(tmp_path, capsys):
    course = new_course(tmp_path / "course", [ASSIGNMENT])
    assert report_app.main([ASSIGNMENT, "--folder", str(course.root)]) == 1
    assert "no gradebook" in capsys.readouterr().err
    assert not (course.root / "gradebook.db").exists()
