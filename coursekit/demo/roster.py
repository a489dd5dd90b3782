"""The sample class of `make demo`: ten students and what each of them hands in.

Half of the class works in JupyterLab and hands in through nbgrader's exchange;
the other half uploads to the university's e-learning system (eLearn, Moodle),
and the instructor imports the download with `nbgrader zip_collect`. Every
awkward case of a real term is here once: partial and broken work, a late
submission, a notebook renamed before submitting, two uploads from one student,
a zip made on Windows (file names without the UTF-8 flag), a corrupt file, a
wrong file name, an empty upload, a student who hands in nothing, one who tries
a trick shared among students (flagged for review, earns nothing), and in each
assignment one student whose answers are a classmate's, disguised (other names,
comments and layout; the class report, `make report`, lists the pair). The rest write
code of their own, apart from the slides' formula that three of them type into
sigmoid_exercise (too short to count as evidence), so the report lists only those two
pairs. Nothing here is a student's real work.
"""

import re
from dataclasses import dataclass, field

ASSIGNMENTS = ("sigmoid_exercise", "leaky_relu_homework")
COURSE_TITLE = "Activation functions"  # the end of the file name the slides ask for


@dataclass(frozen=True)
class HandIn:
    """What one student hands in for one assignment, and how."""

    # answers/<assignment>/<answers>.md: "complete", "partial", "broken", "trick", or a
    # student's own ("complete-loops", ...); None: nothing handed in
    answers: str | None
    late: bool = False  # exchange: submitted after the deadline
    earlier: str | None = None  # LMS: an older upload with these answers, replaced later
    problem: str | None = (
        None  # "renamed-notebook", "no-utf8-flag", "corrupt", "wrong-name", "empty"
    )
    copy_of: str | None = None  # these answers are this classmate's (student id), disguised


@dataclass(frozen=True)
class Student:
    student_id: str  # 學號
    first_name: str
    last_name: str
    group: str  # 組別
    route: str  # "exchange" (JupyterLab / JupyterHub) or "lms" (eLearn upload)
    work: dict = field(default_factory=dict)  # assignment -> HandIn

    @property
    def name(self):
        """The name as written on the class list: family name first for Chinese names."""
        if re.search(r"[\u4e00-\u9fff]", self.last_name + self.first_name):
            return self.last_name + self.first_name
        return f"{self.first_name} {self.last_name}"

    @property
    def email(self):
        return f"s{self.student_id}@example.edu"


def _work(sigmoid, leaky):
    return {"sigmoid_exercise": sigmoid, "leaky_relu_homework": leaky}


CLASS = [
    # in JupyterLab, through nbgrader's exchange
    Student("110034501", "小明", "王", "3", "exchange",
            _work(HandIn("complete"), HandIn("complete"))),
    Student("110034502", "Mary Ann", "Chen", "3", "exchange",
            _work(HandIn("partial"), HandIn("partial-zip-header"))),
    Student("110034503", "怡君", "林", "1", "exchange",
            _work(HandIn("broken"), HandIn("complete-maximum", problem="renamed-notebook"))),
    Student("110034504", "大文", "陳", "2", "exchange",
            _work(HandIn("complete-vectorize"), HandIn("complete-loops", late=True))),
    Student("110034510", "志豪", "許", "1", "exchange",
            _work(HandIn("trick"), HandIn("partial"))),
    # uploads to eLearn, downloaded by the instructor
    # the second upload of 110034505 is group-mate 110034504's answer, disguised
    Student("110034505", "家豪", "張", "2", "lms",
            _work(HandIn("complete-vectorize-copied", earlier="partial", copy_of="110034504"),
                  HandIn("complete-splitlines"))),
    Student("110034506", "安娜", "李", "1", "lms",
            _work(HandIn("partial", problem="no-utf8-flag"), HandIn("partial-csv-reader"))),
    # the homework of 110034507 is group-mate 110034501's, disguised
    Student("110034507", "志明", "黃", "3", "lms",
            _work(HandIn("complete", problem="corrupt"),
                  HandIn("complete-copied", copy_of="110034501"))),
    Student("110034508", "佩珊", "吳", "4", "lms",
            _work(HandIn("complete", problem="wrong-name"), HandIn("broken"))),
    Student("110034509", "Kevin", "Lin", "4", "lms",
            _work(HandIn("complete", problem="empty"), HandIn(None))),
]  # fmt: skip


def roster_rows():
    """The class list for `nbgrader db student import`: id, first_name, last_name, email."""
    return [
        {"id": s.student_id, "first_name": s.first_name, "last_name": s.last_name, "email": s.email}
        for s in CLASS
    ]


def upload_name(student, title=COURSE_TITLE):
    """The file name the slides ask for: 學號_組別_姓名_Activation functions.ipynb."""
    return f"{student.student_id}_{student.group}_{student.name}_{title}.ipynb"
