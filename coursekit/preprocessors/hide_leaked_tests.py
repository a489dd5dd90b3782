"""HideLeakedTests: no hidden-test line in any output of a graded notebook.

The graded notebook holds the hidden tests again (nbgrader restores them), and
student code ran beside them: it could print a later cell's source, or a failing
hidden assert's traceback could list hidden lines. Every output line that shows a
hidden-test line is replaced by "[hidden test line]" before grades are saved and
feedback is made.

Redaction only recognises hidden lines written out as text. A notebook whose code
reaches into the running program (frames, code objects, gc, audit hooks, or code the
static reading cannot see: coursekit/review.py, kind FRAMES), or whose attempts the
guardian's wall refused while it ran (SafeExecute), could have read a running hidden
test and print what it found in any encoding. Such a notebook is marked
(coursekit.HIDE_OUTPUTS) and every output from its first test cell on is replaced
by a note saying why, in English and 繁體中文: outputs before the first test cannot
hold anything of a test, so they stay, and so do the grader's own messages (a kernel
that stopped, a cell not run, an unconfirmed test), which hold no output of student
code. The kind of each output stays (an error stays an error, stderr stays stderr),
so grades are unchanged.
"""

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from coursekit import notebooks, notes, redact
from coursekit.review import HIDE_OUTPUTS

HIDDEN_OUTPUT = (
    "[output hidden: this notebook's code reaches into the running program (frames, code "
    "objects, gc, audit hooks or code run from a string), through which it could read the "
    "hidden tests, so nothing it printed from the first test cell on is shown. Scores are "
    "not changed; your instructor has the details. · 輸出已隱藏：這份筆記本的程式碼會查看"
    "執行中的程式（框架、程式碼物件、gc、稽核掛鉤或從字串執行的程式碼），可能藉此讀到隱藏"
    "測試，因此從第一個測試格起不顯示它的輸出。分數不受影響；詳情請洽老師。]"
)


# Errors the grader writes itself (SafeExecute): no output of student code in them.
GRADER_ERRORS = {"KernelStopped", "NotRun", "UnconfirmedTest", "UnreadableSubmission"}


def hide_output(output):
    """The same kind of output (an error stays an error, stderr stays stderr), saying why."""
    kind = output.get("output_type")
    if kind == "error" and output.get("ename") in GRADER_ERRORS:
        return output
    if kind == "stream":
        return NotebookNode(
            output_type="stream", name=output.get("name", "stdout"), text=HIDDEN_OUTPUT
        )
    if kind == "error":
        return NotebookNode(
            output_type="error",
            ename="OutputHidden",
            evalue=HIDDEN_OUTPUT,
            traceback=[HIDDEN_OUTPUT],
        )
    hidden = NotebookNode(output_type=kind, data={"text/plain": HIDDEN_OUTPUT}, metadata={})
    if kind == "execute_result":
        hidden["execution_count"] = output.get("execution_count")
    return hidden


def hide_outputs_from_first_test(nb):
    """Replace every output from the notebook's first test cell on; True if any was."""
    first = next((i for i, cell in enumerate(nb.cells) if notebooks.is_test_cell(cell)), None)
    hid = False
    for cell in nb.cells[first:] if first is not None else []:
        if cell.get("outputs"):
            cell.outputs = [hide_output(output) for output in cell.outputs]
            hid = True
    return hid


class HideLeakedTests(NbGraderPreprocessor):
    """Replace every output line that shows a hidden-test line; hide more when it may leak."""

    def preprocess(self, nb, resources):
        secrets = redact.hidden_lines(nb)
        if secrets:
            for cell in nb.cells:
                for output in cell.get("outputs", []):
                    redact.redact_output(output, secrets)
        if nb.metadata.get("coursekit", {}).get(HIDE_OUTPUTS) and hide_outputs_from_first_test(nb):
            notes.add(
                nb, "review", "outputs from the first test cell on are hidden from the student"
            )
        return nb, resources
