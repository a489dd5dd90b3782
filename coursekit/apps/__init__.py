"""The course's commands, one per module, each run as `python -m coursekit.apps.NAME`.

release   make release   regenerate release/ from source/
bundle    make bundle    the student copy of the course, for its own public repository (Binder)
handout   make handout   a zip per assignment for the e-learning system (notebook, data, checks)
demo      make demo      a whole term on a sample class
grade     make grade     autograde a class on every core
report    make report    the class report of an assignment (HTML)
translate make translate the 繁體中文 edition: catalogs (course/locale) and *.zh-TW.ipynb
"""

import sys

# jsonschema checks the "iri" formats with rfc3987_syntax when it is installed (JupyterLab
# brings it), which builds 38 Earley parsers as it is imported: 2 s of CPU in every
# process that imports nbgrader, paid by each grading worker. No schema these commands
# validate (notebooks, nbgrader's) uses those formats, so they go without it.
sys.modules.setdefault("rfc3987_syntax", None)
