"""Notes the grader leaves on a submission, for the people who read the grades.

Three kinds, each a short sentence saying what and where:
- "review": something a person should look at (code that reaches into the kernel,
  the interpreter or the grader; a test whose run could not be confirmed). A note
  never changes a score by itself.
- "recovered": how a damaged or renamed notebook was still graded (so the
  instructor knows, and the student reads it in the feedback);
- "unreadable": why a submission could not be graded at all (every test 0).

They are kept in the graded notebook's metadata (`coursekit.notes`), from the
sanitize step to autograded/, where the grades export, the demo, the class report
and the feedback read them; formgrader shows the submission as flagged.
"""

KINDS = ("review", "recovered", "unreadable")
LABELS = {"review": "needs review", "recovered": "recovered", "unreadable": "not graded"}


def of(notebook):
    """The notes on a notebook, as a list of {"kind": ..., "text": ...}."""
    meta = notebook.get("metadata", {}).get("coursekit", {})
    notes = meta.get("notes", []) if isinstance(meta, dict) else []
    return [note for note in notes if isinstance(note, dict) and note.get("kind") in KINDS]


def add(notebook, kind, text):
    """Leave a note on `notebook` (once: the same note twice is kept once)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of note {kind!r}")
    meta = notebook.metadata.setdefault("coursekit", {})
    notes = meta.setdefault("notes", [])
    note = {"kind": kind, "text": text}
    if note not in notes:
        notes.append(note)


def status(notes):
    """The notes as one status text, e.g. 'needs review: exec in answer_sigmoid, line 2'."""
    parts = []
    for kind in KINDS:
        texts = [note["text"] for note in notes if note["kind"] == kind]
        if texts:
            parts.append(f"{LABELS[kind]}: " + "; ".join(texts))
    return "; ".join(parts)
