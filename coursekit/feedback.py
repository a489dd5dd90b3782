"""Feedback that shows why a test failed, but never the hidden tests.

nbgrader's feedback shows hidden tests by default (upstream issue #917), and
nbgrader's own ClearHiddenTests only cleans the cell's code: a failing hidden
assert still prints its traceback, and IPython's traceback lists the code
around the failing line, hidden lines included. HideHiddenTests removes the
hidden region from the code AND from every output of that cell, keeping the
error's name and message (the test author's hint) and the student's own frames.

Configured in nbgrader_config.py, section "Feedback".
"""

import re

from nbgrader.preprocessors import ClearHiddenTests

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
HIDDEN_FRAME_NOTE = "(test cell: the hidden test code is not shown)"


def strip_ansi(text):
    return ANSI_ESCAPE.sub("", text)


def is_significant(line):
    """A line worth hiding: not blank and not a lone bracket."""
    stripped = line.strip()
    return len(stripped) >= 4 and any(ch.isalnum() for ch in stripped)


def marked_lines(source, begin, end):
    """The significant lines of `source` between lines containing `begin` and `end`."""
    lines, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside and is_significant(line):
            lines.append(" ".join(line.split()))
    return lines


def shows_any(text, secret_lines):
    """True if one line of `text` contains one of the secret lines (spacing ignored)."""
    flat = " ".join(strip_ansi(text).split())
    return any(secret in flat for secret in secret_lines)


def without_secret_lines(text, secret_lines):
    """`text` without the lines that show a secret line."""
    return "\n".join(line for line in text.split("\n") if not shows_any(line, secret_lines))


def clean_traceback(entries, execution_count, secret_lines):
    """A traceback without the code listing of the test cell itself or any secret line."""
    own_frame = f"Cell In[{execution_count}]" if execution_count is not None else None
    cleaned = []
    for entry in entries:
        first_line = strip_ansi(entry).lstrip().split("\n", 1)[0]
        if own_frame and first_line.startswith(own_frame):
            cleaned.append(f"{first_line.split(',')[0]} {HIDDEN_FRAME_NOTE}")
            continue
        entry = without_secret_lines(entry, secret_lines)
        if entry.strip():
            cleaned.append(entry)
    return cleaned


def clean_output(output, execution_count, secret_lines):
    """One output of a cell with hidden tests, with the hidden code taken out."""
    if output.get("output_type") == "error":
        output["traceback"] = clean_traceback(
            output.get("traceback", []), execution_count, secret_lines
        )
        output["evalue"] = without_secret_lines(output.get("evalue", ""), secret_lines)
    elif output.get("output_type") == "stream":
        output["text"] = without_secret_lines(output.get("text", ""), secret_lines)
    elif "data" in output:
        for mime, value in list(output["data"].items()):
            if isinstance(value, str) and mime.startswith("text/"):
                output["data"][mime] = without_secret_lines(value, secret_lines)
    return output


class HideHiddenTests(ClearHiddenTests):
    """ClearHiddenTests for feedback: clean the outputs of hidden-test cells too."""

    def preprocess_cell(self, cell, resources, cell_index):
        secret_lines = []
        if cell.cell_type == "code":
            secret_lines = marked_lines(
                cell.source, self.begin_test_delimeter, self.end_test_delimeter
            )
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if secret_lines:
            count = cell.get("execution_count")
            cell.outputs = [clean_output(out, count, secret_lines) for out in cell.outputs]
        return cell, resources
