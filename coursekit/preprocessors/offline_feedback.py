"""OfflineFeedback: a feedback page a student can read offline, with its errors in view.

What nbgrader's feedback page gets wrong for a student who opens the HTML file from the
feedback folder, and what this preprocessor does about it:

- **Maths.** nbgrader's page loads MathJax from a CDN: offline, every formula shows as raw
  TeX (`$\\sigma(x) = \\frac{1}{1 + e^{-x}}$`). Here the TeX of every markdown cell is
  turned into MathML when the feedback is made, with latex2mathml (a small pure-Python
  package, pinned in environment.yml). MathML is part of HTML: Chromium, Firefox and
  Safari draw it with no script, no font download and no network, so the page stays one
  self-contained file. Why not a local MathJax or KaTeX copy: the page is a single file
  that students download and open from anywhere, so a copy would have to be inlined into
  every page (MathJax 3's single-file build is about 2 MB, KaTeX needs its fonts too), and
  neither is installed in the course's environment (they come from npm, not PyPI).
  TeX inside code (`code spans`, fenced blocks) is left alone. FeedbackHTMLExporter,
  below, removes the MathJax script that nbgrader's template loads.
- **Error boxes wrap.** A failing test's message is one long line; nbgrader's page cuts it
  at the box's right edge. The page's style wraps it.
- **No instructor file paths in tracebacks.** `File /home/grader/…/site-packages/
  coursecheck/failures.py:13` becomes `File coursecheck/failures.py:13`; any other
  absolute path keeps its file name only.
- **Tables have column spacing.** The task tables of the exercises ran their columns
  together; cells get padding and rules.

Configured in nbgrader_config.py, section "Feedback", after CSSHTMLHeaderPreprocessor
(whose list of page styles this one extends).
"""

import re

from nbconvert.exporters import HTMLExporter
from nbgrader.preprocessors import NbGraderPreprocessor

STYLE = """
/* coursekit.preprocessors.offline_feedback: wrap error boxes, space tables, show maths */
div.output_area pre, div.output_subarea pre, div.output_text pre {
    white-space: pre-wrap;
    overflow-wrap: anywhere;
}
.rendered_html table { border-collapse: collapse; margin: 0.6em 0; }
.rendered_html th, .rendered_html td {
    padding: 0.3em 0.8em;
    border: 1px solid #d0d0d0;
    text-align: left;
    vertical-align: top;
}
.rendered_html th { background: #f3f3f3; }
math[display="block"] { display: block; margin: 0.6em 0; }
div.coursekit-pending {
    margin: 0.4em 0;
    padding: 0.5em 0.8em;
    border-left: 4px solid #e0a800;
    background: #fff8e1;
}
"""

# An absolute path as a traceback shows it: /…/name.py (ANSI colour codes around it).
PATH = re.compile(r"(?<![\w.])/(?:[^\s/:'\"\x1b,()]+/)+([^\s/:'\"\x1b,()]+)")
FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.M | re.S)
CODE_SPAN = re.compile(r"(`+)(?:.+?)\1", re.S)
MATH = re.compile(
    r"\$\$(?P<display>.+?)\$\$|\\\[(?P<display2>.+?)\\\]"
    r"|(?<![\\$\w])\$(?P<inline>[^\s$](?:[^$]*?[^\s\\$])?)\$(?![\w$])"
    r"|\\\((?P<inline2>.+?)\\\)",
    re.S,
)


def short_path(match):
    """The part of a path a student may see: from site-packages/ on, else the file name."""
    path = match.group(0)
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1]
    return match.group(1)


ANSI = re.compile(r"(\x1b\[[0-9;]*[A-Za-z])")


def without_paths(text):
    """`text` with every absolute path shortened (colour codes of tracebacks kept)."""
    pieces = ANSI.split(text)
    return "".join(p if ANSI.fullmatch(p) else PATH.sub(short_path, p) for p in pieces)


def mathml(tex, display):
    from latex2mathml.converter import convert

    tex = re.sub(r"\\operatorname\{([^}]*)\}", r"\\mathrm{\1}", tex)  # latex2mathml's gap
    return convert(tex.strip(), display="block" if display else "inline")


def maths_to_mathml(markdown, log=None):
    """Markdown with every TeX formula outside code turned into MathML."""
    try:
        import latex2mathml.converter  # noqa: F401
    except ImportError:
        if log:
            log.warning("latex2mathml is not installed: maths stays TeX in the feedback")
        return markdown
    kept = []

    def keep(match):  # code is never maths: set it aside, put it back afterwards
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    text = CODE_SPAN.sub(keep, FENCE.sub(keep, markdown))

    def convert(match):
        display = match.group("display") or match.group("display2")
        tex = display if display is not None else match.group("inline") or match.group("inline2")
        try:
            return mathml(tex, display is not None)
        except Exception:  # a formula latex2mathml cannot read stays as the author wrote it
            return match.group(0)

    text = MATH.sub(convert, text)
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], text)


class OfflineFeedback(NbGraderPreprocessor):
    """Maths as MathML, wrapped error boxes, no instructor paths, spaced tables."""

    def preprocess(self, nb, resources):
        resources.setdefault("inlining", {}).setdefault("css", []).append(STYLE)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown":
            cell.source = maths_to_mathml(cell.source, self.log)
            comment = cell.metadata.get("nbgrader", {}).get("comment")
            if comment:
                cell.metadata.nbgrader["comment"] = maths_to_mathml(comment, self.log)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output.traceback = [without_paths(line) for line in output.get("traceback", [])]
                output.evalue = without_paths(output.get("evalue", ""))
            elif output.get("output_type") == "stream":
                output.text = without_paths(output.get("text", ""))
        return cell, resources


MATHJAX = re.compile(r"\s*<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)


class FeedbackHTMLExporter(HTMLExporter):
    """nbgrader's feedback page without the MathJax script it loads from a CDN.

    The maths is MathML already (OfflineFeedback), so the page needs no script: without
    the network, the script could not load anyway, and with it, a student's browser would
    contact the CDN for nothing. Configured as c.GenerateFeedback.exporter_class.
    """

    def from_notebook_node(self, nb, resources=None, **kw):
        output, resources = super().from_notebook_node(nb, resources, **kw)
        return MATHJAX.sub("", output), resources
