"""Pairs of submissions whose answer code is suspiciously alike: a lead, never a verdict.

The comparison is copydetect's (PyPI, MIT; the winnowing fingerprints of MOSS):
pygments tokenises each submission's answer code, every name becomes `V`, every
function name `F`, every string `S`, and comments, blank lines and spacing are
dropped. Renaming variables, rewording comments and reformatting therefore change
nothing; what is compared is the shape of the code. Every run of NOISE (25)
normalised characters is a fingerprint, and the similarity of a submission to
another is the share of its fingerprinted code that the other one also has
(copydetect.compare_files).

Not counted as evidence:
- the code the students were given (the answer cells of the released notebook:
  `# YOUR CODE HERE`, `raise NotImplementedError()`, a `def` line with its docstring);
- code that more than COMMON submissions share (as MOSS's `-m 10`): in a large class
  the slides' plotting lines or `Y = sigmoid(X)` are what everyone writes.

A pair is reported when BOTH submissions have at least THRESHOLD (80 %) of their
code in the other AND they share at least MIN_SHARED (120) normalised characters.
Why these numbers, measured on this course's sigmoid_exercise answers (the corpus
tests/submissions/sigmoid_exercise.py, the demo's answers, the instructor's solution):
- a disguised copy (the same code with other names, comments and layout) normalises
  to the same text and scores 100 %; corpus entries that share three of their four
  answer cells word for word score 82-100 %;
- answers written apart (the solution, the demo's complete and broken answers and
  five corpus answers, 28 pairs) score at most 69 % and share at most 85 normalised
  characters: the one-line answers everyone writes (`X = np.linspace(-5, 5, 100)`,
  `Y = sigmoid(X)`) stand apart and are shorter than a fingerprint;
- both sides must pass, so a short submission that lies inside a long one is not
  reported on that alone;
- MIN_SHARED lies above the whole of the slides' own answer (the formula
  `1 / (1 + np.exp(-x))` and the slides' pyplot lines: 113 normalised characters),
  which two students can each copy from the slides without copying from each other;
  a copied complete answer shares 150-190.
"""

import io
import itertools
import warnings
from dataclasses import dataclass

from copydetect.detector import CodeFingerprint, compare_files
from copydetect.utils import highlight_overlap

from coursekit import notebooks

NOISE = 25  # copydetect's default noise threshold, in normalised characters
THRESHOLD = 0.8  # share of each submission's code found in the other
MIN_SHARED = 120  # normalised characters in common, at least
COMMON = 10  # code in more submissions than this is common knowledge (MOSS's -m 10)
MARK = ('<mark class="same">', "</mark>")


@dataclass
class Pair:
    """Two submissions alike: each one's share found in the other, and the code, marked up."""

    first: str
    second: str
    similarity: tuple  # (share of first's code in second, share of second's code in first)
    shared: int  # normalised characters in common
    code: tuple  # (first's code, second's code), HTML-escaped, shared parts in MARK

    @property
    def lower(self):
        return min(self.similarity)


def answer_code(notebook):
    """The student's code answers, in notebook order, each under a `# grade_id` line."""
    parts = []
    for cell in notebook.cells:
        if notebooks.is_answer_cell(cell) and cell.get("cell_type") == "code":
            parts.append(f"# {notebooks.grade_id(cell)}\n{cell.source.strip()}\n")
    return "\n".join(parts)


def fingerprint(name, code, boilerplate=()):
    """copydetect's fingerprints of `code`, as Python, without the `boilerplate` hashes.

    copydetect's defaults keep every fingerprint (no winnowing window), so the result
    does not depend on Python's per-process string hashing.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CodeFingerprint(
            f"{name}.py",
            NOISE,
            1,
            boilerplate=sorted(boilerplate),
            fp=io.StringIO(code),
            language="python",
        )


def common_hashes(prints, more_than=COMMON):
    """Fingerprints found in more than `more_than` submissions."""
    counts = {}
    for found in prints.values():
        for value in found.hashes:
            counts[value] = counts.get(value, 0) + 1
    return {value for value, count in counts.items() if count > more_than}


def marked(code, slices):
    """`code` as HTML, its shared slices marked."""
    if not len(slices) or not len(slices[0]):
        import html

        return html.escape(code)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text, _ = highlight_overlap(code, slices, *MARK, escape_html=True)
    return text


def similar_pairs(codes, given="", threshold=THRESHOLD, min_shared=MIN_SHARED, common=COMMON):
    """Pairs of {student: answer code} alike enough to look at, most alike first.

    `given` is the code the students started from (the released answer cells).
    """
    boilerplate = fingerprint("given", given).hashes if given.strip() else set()
    prints = {student: fingerprint(student, code, boilerplate) for student, code in codes.items()}
    frequent = common_hashes(prints, common)
    if frequent:
        boilerplate = boilerplate | frequent
        prints = {
            student: fingerprint(student, code, boilerplate) for student, code in codes.items()
        }
    pairs = []
    for first, second in itertools.combinations(sorted(prints), 2):
        overlap, similarity, slices = compare_files(prints[first], prints[second])
        if not overlap:
            continue
        shared = int(overlap)
        if min(similarity) >= threshold and shared >= min_shared:
            code = (
                marked(codes[first], slices[0]),
                marked(codes[second], slices[1]),
            )
            pairs.append(Pair(first, second, tuple(map(float, similarity)), shared, code))
    return sorted(pairs, key=lambda pair: (-pair.lower, pair.first, pair.second))
