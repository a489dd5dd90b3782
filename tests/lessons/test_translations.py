"""The 繁體中文 edition: built from the English notebooks and the catalogs, complete, in step.

The edition's notebooks are made by `make translate` (coursekit/apps/translate.py): code cells
are copied from the English notebook, markdown comes from course/locale/zh_TW/*.po.
"""

import re
import urllib.parse

import nbformat
import pytest

from coursekit.apps import translate

ENGLISH = translate.english_notebooks()
IDS = [path.name for path in ENGLISH]


@pytest.fixture(scope="module")
def editions():
    return {edition.english.name: edition for edition in translate.plan()}


def test_every_english_notebook_has_a_catalog_and_an_edition():
    for english in ENGLISH:
        assert translate.catalog_path(english).is_file(), f"run `make translate` for {english.name}"
        assert translate.edition_path(english).is_file(), f"run `make translate` for {english.name}"


def test_no_edition_without_its_english_notebook():
    built = sorted(translate.COURSE.glob("*" + translate.EDITION_SUFFIX))
    assert sorted(built) == sorted(translate.edition_path(path) for path in ENGLISH)


@pytest.mark.parametrize("name", IDS)
def test_catalog_is_complete(name, editions):
    """No untranslated, fuzzy (English changed since) or obsolete (English removed) entry."""
    problems = translate.problems_of(editions[name].catalog)
    assert not problems, problems.describe(name) + ": translate them, then run `make translate`"


@pytest.mark.parametrize("name", IDS)
def test_catalog_and_edition_are_up_to_date(name, editions):
    stale = translate.stale_files([editions[name]])
    assert not stale, f"out of date: {[p.name for p in stale]}; run `make translate`"


@pytest.mark.parametrize("english", ENGLISH, ids=IDS)
def test_code_cells_are_the_english_ones(english):
    """Same cells, same ids, same code: what one edition runs, the other runs too."""
    original = nbformat.read(english, as_version=4)
    edition = nbformat.read(translate.edition_path(english), as_version=4)
    assert [c.get("id") for c in edition.cells] == [c.get("id") for c in original.cells]
    for ours, theirs in zip(edition.cells, original.cells, strict=True):
        assert ours.cell_type == theirs.cell_type
        if ours.cell_type != "markdown":
            assert ours.source == theirs.source, f"cell {ours.get('id')} differs from English"


@pytest.mark.parametrize("english", ENGLISH, ids=IDS)
def test_each_edition_links_its_counterpart(english):
    edition = translate.edition_path(english)
    english_text = "\n".join(c.source for c in nbformat.read(english, 4).cells)
    edition_text = "\n".join(c.source for c in nbformat.read(edition, 4).cells)
    assert f"]({edition.name})" in english_text, f"{english.name} should link {edition.name}"
    assert f"]({english.name})" in edition_text, f"{edition.name} should link {english.name}"


def link_targets(markdown):
    """The targets of a markdown cell's links: [text](target), [id]: target, <a href="...">."""
    inline = [
        bracketed or bare
        for bracketed, bare in re.findall(r"\]\(\s*(?:<([^>\n]*)>|([^)\s]+))", markdown)
    ]
    references = re.findall(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", markdown, flags=re.M)
    anchors = re.findall(r"<a\s[^>]*?href\s*=\s*[\"']([^\"']+)[\"']", markdown, flags=re.I)
    return inline + references + anchors


def notebook_links(markdown):
    """The relative links of a markdown cell to notebooks, as paths (no #anchor, decoded)."""
    for target in link_targets(markdown):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, flags=re.I) or target.startswith(("/", "#")):
            continue  # a web address, an absolute path or a place in this notebook
        path = urllib.parse.unquote(re.split(r"[#?]", target, maxsplit=1)[0])
        if path.endswith(".ipynb"):
            yield target, path


@pytest.mark.parametrize("english", ENGLISH, ids=IDS)
def test_edition_links_lessons_of_its_own_language(english):
    """Inside the 繁體中文 edition, links to other lessons lead to 繁體中文 lessons that exist.

    Every relative link to a notebook must find its file, and one to a course notebook
    that has a 繁體中文 edition must lead to that edition (the index lists the lessons
    with links to the .zh-TW.ipynb notebooks); only the link back to the English
    counterpart of the notebook stays English.
    """
    edition = translate.edition_path(english)
    folder = edition.parent
    for cell in nbformat.read(edition, 4).cells:
        if cell.cell_type != "markdown":
            continue
        where = f"{edition.name}, cell {cell.get('id')}"
        for target, path in notebook_links(cell.source):
            linked = (folder / path).resolve()
            assert linked.is_file(), f"{where}: {target} leads to no file"
            if linked == english.resolve() or linked.name.endswith(translate.EDITION_SUFFIX):
                continue  # the link back to the English counterpart, or a 繁體中文 notebook
            zh_tw = translate.edition_path(linked)
            assert not (linked.parent == translate.COURSE.resolve() and zh_tw.is_file()), (
                f"{where}: link to {target}, not to its 繁體中文 edition {zh_tw.name}"
            )


DETAILS_OPEN = re.compile(r"<details(?=[\s>])", re.I)
DETAILS_CLOSE = re.compile(r"</details\s*>", re.I)


@pytest.mark.parametrize("english", ENGLISH, ids=IDS)
def test_details_survive_translation(english):
    """Each cell's <details>...</details> (a hidden hint or answer) opens and closes as in English.

    A tag lost in a translation would leave the rest of the cell folded away, or show a
    stray tag.
    """
    original = nbformat.read(english, as_version=4)
    edition = nbformat.read(translate.edition_path(english), as_version=4)
    for ours, theirs in zip(edition.cells, original.cells, strict=True):
        if theirs.cell_type != "markdown":
            continue
        wanted = len(DETAILS_OPEN.findall(theirs.source)), len(DETAILS_CLOSE.findall(theirs.source))
        found = len(DETAILS_OPEN.findall(ours.source)), len(DETAILS_CLOSE.findall(ours.source))
        assert found == wanted and found[0] == found[1], (
            f"{translate.edition_path(english).name}, cell {ours.get('id')}: "
            f"{found[0]} <details> and {found[1]} </details>, English has {wanted[0]} and "
            f"{wanted[1]}; fix the catalog {translate.catalog_path(english).name}"
        )


def prose(block):
    """A markdown block without code, maths, link targets and HTML tags: the words one reads."""
    block = re.sub(r"```.*?```", " ", block, flags=re.S)
    block = re.sub(r"`[^`]*`", " ", block)
    block = re.sub(r"\$\$.*?\$\$", " ", block, flags=re.S)
    block = re.sub(r"\$[^$]*\$", " ", block)
    block = re.sub(r"\]\([^)]*\)", "]", block)
    return re.sub(r"<[^>]+>", " ", block)


@pytest.mark.parametrize("name", IDS)
def test_translations_are_chinese_prose(name, editions):
    """Each translated block reads as Chinese, not as English with glosses in brackets."""
    english_words = re.compile(r"[A-Za-z]{3,}")
    chinese = re.compile(r"[\u4e00-\u9fff]")
    for message in editions[name].catalog:
        if not message.id or not message.string or message.string == message.id:
            continue
        text = prose(message.string)
        words, characters = len(english_words.findall(text)), len(chinese.findall(text))
        assert characters >= words, (
            f"{name}: this translation has {words} English words and only {characters} "
            f"Chinese characters:\n{message.string[:300]}"
        )
