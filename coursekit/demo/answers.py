"""What the sample students type: answers/<assignment>/<level>.md, written into the notebook.

Each file is one `## grade_id` section per answer cell, with the cell's text in a
fenced block, readable as a document of its own ("complete", "partial", "broken").
"""

import re
from pathlib import Path

from coursekit import notebooks

ANSWERS = Path(__file__).resolve().parent / "answers"


def read_answers(assignment, level):
    """grade_id -> cell source, from answers/<assignment>/<level>.md."""
    text = (ANSWERS / assignment / f"{level}.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## (\S+)\s*\n+```[a-z]*\n(.*?)^```", text, flags=re.M | re.S)
    if not sections:
        raise ValueError(f"no answers in {assignment}/{level}.md")
    return {grade_id: source.rstrip("\n") for grade_id, source in sections}


def answered(notebook, assignment, level):
    """A copy of the released `notebook` with the answer cells typed in."""
    return notebooks.fill_answers(notebook, read_answers(assignment, level))
