"""Keeping hidden-test lines out of everything a student can read. One rule, used twice.

A hidden-test line is a line between "### BEGIN HIDDEN TESTS" and "### END HIDDEN
TESTS" that is worth hiding (at least 4 characters, a letter or digit) and that the
visible code does not show anyway; the two marker lines are hidden too (an IPython
traceback lists the code around a failing line, markers included). A text shows it
when one of its lines contains it, ignoring colours (ANSI escapes) and spacing.
Autograde (HideLeakedTests) and feedback (HideHiddenTests) both redact with these
functions.
"""

import re

from coursekit.notebooks import HIDDEN_TESTS

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
NOTE = "[hidden test line]"


def plain(text):
    """`text` without colours, its runs of spaces folded to one."""
    return " ".join(ANSI_ESCAPE.sub("", text).split())


def is_significant(line):
    """Worth hiding: at least 4 characters and a letter or digit (not a lone bracket)."""
    stripped = line.strip()
    return len(stripped) >= 4 and any(ch.isalnum() for ch in stripped)


def hidden_lines(notebook, markers=HIDDEN_TESTS):
    """The hidden-test lines of a notebook, spacing folded (see the module docstring)."""
    begin, end = markers
    hidden, visible = set(), set()
    for cell in notebook.cells:
        inside = False
        for line in cell.get("source", "").splitlines():
            if begin in line:
                inside = True
                hidden.add(plain(begin))
            elif end in line:
                inside = False
                hidden.add(plain(end))
            elif is_significant(line):
                (hidden if inside else visible).add(plain(line))
    return hidden - visible


def shows_hidden(text, secrets):
    flat = plain(text)
    return any(secret in flat for secret in secrets)


def redact(text, secrets, note=NOTE):
    """`text` with every line that shows a hidden line replaced by `note` (None: removed)."""
    if not secrets:
        return text
    lines = []
    for line in text.split("\n"):
        if shows_hidden(line, secrets):
            if note is not None:
                lines.append(note)
        else:
            lines.append(line)
    return "\n".join(lines)


def redact_output(output, secrets, note=NOTE):
    """One cell output with hidden lines redacted from every text it holds (in place)."""
    if "text" in output:
        output["text"] = redact(output["text"], secrets, note)
    if "traceback" in output:
        output["traceback"] = [redact(frame, secrets, note) for frame in output["traceback"]]
    if "evalue" in output:
        output["evalue"] = redact(output["evalue"], secrets, note)
    for kind, value in output.get("data", {}).items():
        if isinstance(value, str) and (kind.startswith("text/") or kind.endswith("json")):
            output["data"][kind] = redact(value, secrets, note)
        elif isinstance(value, list):
            output["data"][kind] = [
                redact(v, secrets, note) if isinstance(v, str) else v for v in value
            ]
    return output
