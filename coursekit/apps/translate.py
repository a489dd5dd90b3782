"""`make translate`: the 繁體中文 edition, built from the English notebooks and catalogs.

    python -m coursekit.apps.translate           update the catalogs, build the edition
    python -m coursekit.apps.translate --check   exit 1 if a catalog or a notebook is out of date
    python -m coursekit.apps.translate --only 03_sigmoid_and_tanh    one notebook (a translator)

One source: the English notebooks in course/ are the only place code and prose are
written. Each markdown cell is cut into blocks (paragraphs, lists, tables, display
maths, fenced code); each block is one message of the notebook's catalog,
course/locale/zh_TW/<notebook>.po, a standard gettext file that translators open in
Poedit or Weblate. The translated notebook, course/<notebook>.zh-TW.ipynb, is the
English notebook with every block replaced by its translation: code cells are copied,
so the two editions cannot drift. Built notebooks are committed (like release/) so
that Binder and students have them without running anything.

When an English block changes, updating the catalog keeps the old translation as a
"fuzzy" suggestion and makes removed blocks "obsolete": the tests fail until a
translator has looked at every such entry (see --check).

The catalogs carry no `python-format` or `python-brace-format` flags: babel adds them to
any block with a `%` or `{x}` in it, but lesson text is never formatted, and `msgfmt
--check` would then reject translations that move or drop such characters.
"""

import argparse
import datetime
import io
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from coursekit.notebooks import with_kernel_metadata

REPO = Path(__file__).resolve().parent.parent.parent
COURSE = REPO / "course"
LOCALE = "zh_TW"  # gettext's name for the language
EDITION_SUFFIX = ".zh-TW.ipynb"  # 01_linear_vs_nonlinear.zh-TW.ipynb
CATALOGS = COURSE / "locale" / LOCALE
PROJECT = "Activation functions course"
PO_WIDTH = 100  # line width of the catalogs, as the rest of the repository
# Dates in the header would change the catalogs at every run; git keeps the history.
FIXED_DATE = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
HEADER_COMMENT = """\
# 繁體中文 edition of course/{notebook}.
# Each msgid is one block of an English markdown cell; translate it in msgstr, keep its
# Markdown, maths and links (point lesson links to the .zh-TW.ipynb notebooks).
# `make translate` merges English changes into this file and builds the notebook.
#"""
# What babel guesses from a msgid's "%" or "{x}"; meaningless for notebook text.
FORMAT_FLAGS = frozenset({"python-format", "python-brace-format"})
FENCE = re.compile(r"^\s*(```|~~~)")
DISPLAY_MATH = "$$"


def english_notebooks(course=COURSE):
    """The English lesson notebooks (and the index), in order."""
    return sorted(
        path for path in Path(course).glob("*.ipynb") if not path.name.endswith(EDITION_SUFFIX)
    )


def edition_path(english):
    """course/01_x.ipynb -> course/01_x.zh-TW.ipynb"""
    english = Path(english)
    return english.with_name(english.name.removesuffix(".ipynb") + EDITION_SUFFIX)


def catalog_path(english, catalogs=CATALOGS):
    return Path(catalogs) / (Path(english).stem + ".po")


def blocks(markdown):
    """Cut markdown into blocks separated by blank lines, keeping fences and $$ maths whole.

    Returns (text, separator) pairs: joining text + separator of every pair gives back
    `markdown` exactly, so a cell can be rebuilt block by block.
    """
    groups = []  # [is_blank, lines]: runs of blank lines and of content lines, alternating
    open_fence, in_math = None, False
    for line in markdown.split("\n"):
        blank = not line.strip() and open_fence is None and not in_math
        if not blank:
            fence = FENCE.match(line)
            if fence and open_fence is None:
                open_fence = fence.group(1)
            elif fence and fence.group(1) == open_fence:
                open_fence = None
            elif open_fence is None and line.count(DISPLAY_MATH) % 2 == 1:
                in_math = not in_math
        if groups and groups[-1][0] == blank:
            groups[-1][1].append(line)
        else:
            groups.append([blank, [line]])
    pairs = []
    for index, (blank, lines) in enumerate(groups):
        text = "\n".join(lines)
        if blank:  # the blank lines become the separator of the block before them
            if not pairs:
                pairs.append(["", ""])
            pairs[-1][1] += text
            continue
        if pairs:
            pairs[-1][1] += "\n"
        pairs.append([text, ""])
        if index + 1 < len(groups):
            pairs[-1][1] += "\n"
    return [tuple(pair) for pair in pairs]


def needs_translation(text):
    """A block with words in it (not only maths, code, an image or a rule)."""
    stripped = text.strip()
    if not stripped or FENCE.match(stripped) and stripped.rstrip().endswith(("```", "~~~")):
        return False
    if stripped.startswith(DISPLAY_MATH) and stripped.endswith(DISPLAY_MATH):
        return False
    return bool(re.search(r"[A-Za-z\u4e00-\u9fff]{2,}", stripped))


@dataclass
class Message:
    """One block to translate, and where it stands (cell id, for translators)."""

    text: str
    cells: list = field(default_factory=list)


def messages_of(notebook):
    """text -> Message for every block of every markdown cell that needs translating."""
    found = {}
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for text, _ in blocks(cell.source):
            if needs_translation(text):
                found.setdefault(text, Message(text)).cells.append(cell.get("id", "?"))
    return found


def template_for(english_path):
    """The catalog template (.pot) of one English notebook, as a babel Catalog."""
    notebook = nbformat.read(english_path, as_version=4)
    template = Catalog(project=PROJECT, fuzzy=False)
    for message in messages_of(notebook).values():
        template.add(message.text, auto_comments=[f"cell {', '.join(message.cells)}"])
    return template


def read_catalog(path):
    with open(path, "rb") as handle:
        return read_po(handle, locale=LOCALE, abort_invalid=True)


def without_format_flags(catalog):
    """The catalog with the FORMAT_FLAGS taken off every message (obsolete ones too).

    Babel sets them whenever a message is made (reading, merging, cloning), so they are
    taken off last, just before the catalog is written.
    """
    for message in [*catalog, *catalog.obsolete.values()]:
        message.flags -= FORMAT_FLAGS
    return catalog


def catalog_text(catalog):
    """The .po file of a catalog, as `make translate` writes it."""
    catalog = without_format_flags(catalog)
    buffer = io.BytesIO()
    write_po(
        buffer,
        catalog,
        width=PO_WIDTH,
        sort_output=False,
        include_previous=True,
        omit_header=False,
    )
    return buffer.getvalue().decode("utf-8")


def updated_catalog(english_path, catalogs=CATALOGS):
    """The notebook's catalog merged with its current English text (msgmerge, in Python)."""
    template = template_for(english_path)
    path = catalog_path(english_path, catalogs)
    if path.exists():
        catalog = read_catalog(path)
    else:
        catalog = Catalog(
            locale=LOCALE,
            project=PROJECT,
            version="1",
            header_comment=HEADER_COMMENT.format(notebook=Path(english_path).name),
            creation_date=FIXED_DATE,
            revision_date=FIXED_DATE,
            language_team="繁體中文 <zh_TW>",
            fuzzy=False,
        )
    catalog.update(template, update_header_comment=False, update_creation_date=False)
    catalog.fuzzy = False
    return catalog


@dataclass
class Problems:
    """What keeps a catalog from being complete."""

    untranslated: list = field(default_factory=list)
    fuzzy: list = field(default_factory=list)
    obsolete: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.untranslated or self.fuzzy or self.obsolete)

    def describe(self, name):
        parts = []
        for kind in ("untranslated", "fuzzy", "obsolete"):
            entries = getattr(self, kind)
            if entries:
                first = entries[0].splitlines()[0][:70]
                parts.append(f"{len(entries)} {kind} (first: {first!r})")
        return f"{name}: " + "; ".join(parts)


def problems_of(catalog):
    problems = Problems()
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            problems.fuzzy.append(message.id)
        elif not message.string:
            problems.untranslated.append(message.id)
    problems.obsolete = [message.id for message in catalog.obsolete.values()]
    return problems


def translated_notebook(english_path, catalog):
    """The English notebook with its markdown blocks replaced by the catalog's translations.

    Untranslated and fuzzy blocks stay in English (the tests fail on them).
    """
    notebook = nbformat.read(english_path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        rebuilt = []
        for text, separator in blocks(cell.source):
            message = catalog.get(text) if needs_translation(text) else None
            if message is not None and message.string and not message.fuzzy:
                text = message.string
            rebuilt.append(text + separator)
        cell.source = "".join(rebuilt)
    notebook.metadata["language"] = "zh-TW"  # what edition a reader is looking at
    return with_kernel_metadata(notebook)  # opens unchanged in JupyterLab


def notebook_text(notebook):
    return nbformat.writes(notebook) + "\n"


@dataclass
class Edition:
    """One notebook of the edition: its catalog and built notebook, as they should be."""

    english: Path
    catalog: Catalog
    catalog_text: str
    notebook_text: str


def plan(course=COURSE, catalogs=CATALOGS, only=()):
    """What every catalog and built notebook should hold (`only`: these notebook stems)."""
    editions = []
    for english in english_notebooks(course):
        if only and english.stem not in only:
            continue
        catalog = updated_catalog(english, catalogs)
        text = catalog_text(catalog)
        catalog = read_po(io.BytesIO(text.encode("utf-8")), locale=LOCALE)  # as written
        notebook = translated_notebook(english, catalog)
        editions.append(Edition(english, catalog, text, notebook_text(notebook)))
    return editions


def outputs(edition, catalogs=CATALOGS):
    """(path, text it should hold) of the catalog and the built notebook of one edition."""
    return [
        (catalog_path(edition.english, catalogs), edition.catalog_text),
        (edition_path(edition.english), edition.notebook_text),
    ]


def stale_files(editions, catalogs=CATALOGS):
    """Files whose committed content differs from what `make translate` would write."""
    return [
        path
        for edition in editions
        for path, wanted in outputs(edition, catalogs)
        if not path.exists() or path.read_text(encoding="utf-8") != wanted
    ]


def write(editions, catalogs=CATALOGS):
    """Write the catalogs and built notebooks that changed; return their paths."""
    Path(catalogs).mkdir(parents=True, exist_ok=True)
    changed = []
    for edition in editions:
        for path, wanted in outputs(edition, catalogs):
            if not path.exists() or path.read_text(encoding="utf-8") != wanted:
                path.write_text(wanted, encoding="utf-8")
                changed.append(path)
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if anything is out of date"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        default=(),
        metavar="NOTEBOOK",
        help="only these notebooks (stems such as 03_sigmoid_and_tanh); default: all",
    )
    args = parser.parse_args(argv)
    editions = plan(only=args.only)
    incomplete = [
        problems_of(edition.catalog).describe(catalog_path(edition.english).name)
        for edition in editions
        if problems_of(edition.catalog)
    ]
    if args.check:
        stale = stale_files(editions)
        for path in stale:
            print(f"out of date: {path.relative_to(REPO)} (run `make translate`)")
        for line in incomplete:
            print(f"incomplete: {line}")
        return 1 if stale or incomplete else 0
    for path in write(editions):
        print(f"wrote {path.relative_to(REPO)}")
    for line in incomplete:
        print(f"to translate: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
