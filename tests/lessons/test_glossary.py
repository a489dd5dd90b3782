"""Two facts of the course index, checked where the other notebooks copy them.

The English index, course/00_index.ipynb, holds
- the glossary: the one 繁體中文 term the course uses for each concept, and in the last
  column the variants it does not use. No markdown cell of the 繁體中文 edition
  (*.zh-TW.ipynb) may use a variant, except the glossary itself and text inside 「…」,
  where a lesson quotes the slides or a reading word for word;
- each lesson's time estimate, which the lesson repeats under its title as
  `⏱ About N minutes.` (in its 繁體中文 edition `⏱ 約 N 分鐘。`).
"""

import re
from pathlib import Path

import nbformat
import pytest

COURSE = Path(__file__).resolve().parents[2] / "course"
INDEX = COURSE / "00_index.ipynb"
EDITION = ".zh-TW.ipynb"
EDITIONS = sorted(COURSE.glob("*" + EDITION))
LESSONS = sorted(p for p in COURSE.glob("0[1-9]_*.ipynb") if not p.name.endswith(EDITION))
QUOTE = re.compile(r"「[^」]*」")  # a quotation of the slides or a reading
NOTE = re.compile(r"\([^)]*\)")  # "程序 (for a program)": the note is not part of the variant
# Chinese has no spaces: a variant can straddle two other words (分數|組成 is no 數組).
OTHER_WORDS = ["數組成", "數組合", "許多分類", "很多分類", "更多分類"]
CLOCK = re.compile(r"⏱\D*?(\d+)")  # ⏱ About 40 minutes. / ⏱ 約 40 分鐘。


def markdown_cells(notebook):
    cells = nbformat.read(notebook, as_version=4).cells
    return [cell for cell in cells if cell.cell_type == "markdown"]


def glossary_cell():
    for cell in markdown_cells(INDEX):
        if cell.source.startswith("## Glossary"):
            return cell
    raise AssertionError("course/00_index.ipynb has no cell starting with '## Glossary'")


def table_rows(markdown):
    """The cells of every row of the markdown table in `markdown`, without header and rule."""
    lines = [line.strip() for line in markdown.splitlines() if line.strip().startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


def variants():
    """(variant, the term to use instead) for every variant in the glossary's last column."""
    pairs = []
    for row in table_rows(glossary_cell().source):
        term, not_used = row[1], row[-1]
        for variant in NOTE.sub("", not_used).split(","):
            if variant.strip():
                pairs.append((variant.strip(), term))
    return pairs


def test_the_glossary_lists_the_variants():
    found = dict(variants())
    assert "激勵函數" in found and "活化函數" in found
    assert found["神經網絡"] == "神經元 / 神經網路"


@pytest.mark.parametrize("edition", EDITIONS, ids=lambda path: path.name)
def test_the_edition_uses_the_glossary_terms(edition):
    glossary_id = glossary_cell().get("id")  # the translated index keeps the cell ids
    problems = []
    for cell in markdown_cells(edition):
        if edition.name == "00_index" + EDITION and cell.get("id") == glossary_id:
            continue
        text = QUOTE.sub("", cell.source)
        for word in OTHER_WORDS:
            text = text.replace(word, "")
        for variant, term in variants():
            if variant in text:
                problems.append(f"{edition.name}, cell {cell.get('id')}: {variant!r}, use {term}")
    assert not problems, "variants the glossary does not use:\n" + "\n".join(problems)


def index_estimates():
    """Lesson notebook name -> minutes, from the lesson table of the English index."""
    estimates = {}
    for cell in markdown_cells(INDEX):
        for line in cell.source.splitlines():
            lesson = re.search(r"\]\((\d\d_\w+\.ipynb)\)", line)
            minutes = re.search(r"\|\s*(\d+) min\s*\|", line)
            if lesson and minutes:
                estimates[lesson.group(1)] = int(minutes.group(1))
    return estimates


def test_the_index_gives_every_lesson_a_time():
    assert sorted(index_estimates()) == [lesson.name for lesson in LESSONS]


def lesson_and_edition(lesson):
    edition = lesson.with_name(lesson.stem + EDITION)
    return [lesson, edition] if edition.exists() else [lesson]


@pytest.mark.parametrize(
    "notebook",
    [notebook for lesson in LESSONS for notebook in lesson_and_edition(lesson)],
    ids=lambda path: path.name,
)
def test_the_time_of_a_lesson_is_the_index_estimate(notebook):
    stated = [CLOCK.search(cell.source) for cell in markdown_cells(notebook)]
    stated = [int(found.group(1)) for found in stated if found]
    if not stated:
        pytest.skip(f"{notebook.name} has no ⏱ line yet")
    expected = index_estimates()[notebook.name.replace(EDITION, ".ipynb")]
    assert stated[0] == expected, (
        f"{notebook.name} says ⏱ {stated[0]} minutes, the index {expected}: "
        "change one of them (course/00_index.ipynb holds the estimates)"
    )
