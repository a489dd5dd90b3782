"""Sample students at work in JupyterLab: fetch from the exchange, answer, submit.

Each student has a home folder of their own (students/<id>/ in the demo folder) and
runs nbgrader's own exchange steps, in this process, as `nbgrader fetch_assignment`
and `nbgrader submit` would on their side of a JupyterHub.
"""

import nbformat
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange import ExchangeFactory
from traitlets.config import Config

from coursekit import notebooks
from coursekit.demo.answers import answered


def student_config(course_id, exchange, home, student_id):
    """The nbgrader settings of one student's JupyterLab."""
    config = Config()
    config.CourseDirectory.root = str(home)
    config.CourseDirectory.course_id = course_id
    config.CourseDirectory.student_id = student_id
    config.Exchange.root = str(exchange)
    config.Exchange.assignment_dir = str(home)
    return config


def exchange_step(step, config, assignment):
    """Run one of nbgrader's exchange steps ("FetchAssignment", "Submit") for `assignment`."""
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = assignment
    factory = ExchangeFactory(config=config)
    action = getattr(factory, step)(
        coursedir=coursedir, authenticator=Authenticator(config=config), config=config
    )
    action.start()


def hand_in(student, assignment, hand_in, course_id, exchange, homes):
    """Fetch, answer as `hand_in` says, and submit. Returns what happened, in words."""
    home = homes / student.student_id
    home.mkdir(parents=True, exist_ok=True)
    config = student_config(course_id, exchange, home, student.student_id)
    exchange_step("FetchAssignment", config, assignment)
    path = home / assignment / f"{assignment}.ipynb"
    notebook = answered(notebooks.read(path), assignment, hand_in.answers)
    nbformat.write(notebook, path)
    told = f"{assignment} ({hand_in.answers})"
    if hand_in.problem == "renamed-notebook":
        path.rename(path.with_name("我的作業.ipynb"))
        told += ", notebook renamed to 我的作業.ipynb"
    exchange_step("Submit", config, assignment)
    return told
