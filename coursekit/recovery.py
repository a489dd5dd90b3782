"""Matching a damaged notebook back to its assignment, so that an honest student is graded.

nbgrader knows a notebook's cells only by their metadata (`nbgrader.grade_id`). A
student who pasted the answers into a fresh notebook, or whose editor dropped the
metadata, would score 0 for correct work (upstream issue #1941). Here the cells
that lost their name are matched back to the assignment:

- the course's own cells (instructions, the setup cell, the tests) by their text,
  as the student saw it (hidden tests removed), spacing ignored;
- the answer cells by the names they define (`def sigmoid`, `X = ...`), wherever
  they are, else by their place between the course's cells around them;
- a cell whose type was changed (an answer turned into markdown) gets its type back.

Cells that match nothing stay as they are (they still run). What was matched is
said in a "recovered" note (coursekit/notes.py), read by the instructor in the
grades export and by the student in the feedback. When nothing at all matches,
the notebook is not the assignment's: the caller gives every test 0 with that
reason.
"""

import ast
from dataclasses import dataclass, field

from coursekit import notebooks


def text_key(source):
    """A cell's text for comparison: every line stripped, blank lines dropped."""
    return "\n".join(line.strip() for line in source.splitlines() if line.strip())


def as_released(source):
    """A course cell's text as students received it: without the hidden-test region."""
    begin, end = notebooks.HIDDEN_TESTS
    kept, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept)


def defined_names(source):
    """Top-level names a piece of code defines (functions, classes, assignments)."""
    lines = [line for line in source.splitlines() if line.strip() not in notebooks.SOLUTION]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for element in ast.walk(target):
                    if isinstance(element, ast.Name):
                        names.add(element.id)
    return names


def is_python(source):
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return bool(source.strip())


@dataclass
class Matching:
    """What recovery did to one notebook."""

    named: dict = field(default_factory=dict)  # cell index -> grade_id given back
    retyped: list = field(default_factory=list)  # grade_ids whose cell type was restored

    def notes(self):
        found = []
        if self.named:
            names = ", ".join(sorted(self.named.values()))
            found.append(
                f"{len(self.named)} cells had lost their nbgrader metadata and were matched "
                f"back by their content and position ({names})"
            )
        if self.retyped:
            found.append(f"cell type restored for {', '.join(self.retyped)}")
        return found


def match_cells(nb, known, order, solutions):
    """Give back the grade_ids of cells that lost them; return what was done.

    `known`: grade_id -> the gradebook's source cell (cell_type, source, locked);
    `order`: grade_ids in the instructor's notebook order; `solutions`: answer ids.
    Cells that still carry a known grade_id are trusted as they are.
    """
    present = {notebooks.grade_id(cell) for cell in nb.cells} - {None}
    missing = [grade_id for grade_id in order if grade_id not in present]
    matching = Matching()
    if not missing:
        return matching
    unnamed = [i for i, cell in enumerate(nb.cells) if notebooks.grade_id(cell) is None]

    # the course's own cells, by their text as released
    texts = {}
    for index in unnamed:
        texts.setdefault(text_key(nb.cells[index].source), []).append(index)
    for grade_id in missing:
        cell = known[grade_id]
        if grade_id in solutions or not cell.locked:
            continue
        candidates = texts.get(text_key(as_released(cell.source)), [])
        if candidates and text_key(cell.source):
            index = candidates.pop()  # the last copy, as nbgrader keeps the last
            matching.named[index] = grade_id

    # answers: first by the names they define, anywhere; then by place between course cells
    free = [i for i in unnamed if i not in matching.named]
    wanted = [g for g in missing if g in solutions]
    for grade_id in wanted:
        names = (
            defined_names(known[grade_id].source) if known[grade_id].cell_type == "code" else set()
        )
        if not names:
            continue
        for index in free:
            cell = nb.cells[index]
            if cell.cell_type != "code" and not is_python(cell.source):
                continue
            if names <= defined_names(cell.source):
                matching.named[index] = grade_id
                free.remove(index)
                break
    for grade_id in wanted:
        if grade_id in matching.named.values():
            continue
        low, high = window(nb, order, grade_id, matching)
        if low < 0 and high >= len(nb.cells):
            continue  # no cell around it was recognised: its place says nothing
        for index in free:
            cell = nb.cells[index]
            if low < index < high and compatible(cell, known[grade_id].cell_type):
                matching.named[index] = grade_id
                free.remove(index)
                break

    for index, grade_id in matching.named.items():
        cell = nb.cells[index]
        cell.metadata["nbgrader"] = {"grade_id": grade_id}  # the caller fills in the rest
        wanted_type = known[grade_id].cell_type
        if cell.cell_type != wanted_type:
            retype(cell, wanted_type)
            matching.retyped.append(grade_id)
    return matching


def compatible(cell, wanted_type):
    """Could this cell be an answer of `wanted_type`? (A code answer may have become text.)"""
    if wanted_type == "code":
        return cell.cell_type == "code" or is_python(cell.source)
    return cell.cell_type in ("markdown", "raw")


def window(nb, order, grade_id, matching):
    """(low, high): the positions of the named cells just before and after `grade_id`."""
    position = {notebooks.grade_id(cell): i for i, cell in enumerate(nb.cells)}
    position.update({g: i for i, g in matching.named.items()})
    place = order.index(grade_id)
    before = [position[g] for g in order[:place] if g in position]
    after = [position[g] for g in order[place + 1 :] if g in position]
    return (max(before) if before else -1), (min(after) if after else len(nb.cells))


def retype(cell, cell_type):
    cell["cell_type"] = cell_type
    if cell_type == "code":
        cell.setdefault("outputs", [])
        cell.setdefault("execution_count", None)
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
