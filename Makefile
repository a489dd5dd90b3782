# Two commands for everyone: `make lab` and `make test`.
# Every target sets up the virtual environment on first use and is cheap to repeat.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# nbgrader calls programs of the environment (alembic) by name.
export PATH := $(abspath $(BIN)):$(PATH)
INDEX  := course/00_index.ipynb
LAB_ARGS ?=
# JupyterLab refuses to run as root unless told; containers and CI often are root.
AS_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: bench grade help setup lab test test-browser lint format release translate demo report bundle handout clean

help:
	@echo "make lab      open JupyterLab on the course index"
	@echo "make test     run every test (notebooks, grading, lint)"
	@echo "make test-browser  students, graders and the instructor in headless Chromium (JupyterHub too)"
	@echo "make release  regenerate release/ from source/ with nbgrader"
	@echo "make translate  update the 繁體中文 catalogs (course/locale) and build the zh-TW lessons"
	@echo "make grade ASSIGNMENT=name  autograde a class on every core (as nbgrader autograde grades it)"
	@echo "make bench    how fast and how big: lessons, grading a class, a cold install (~35 min)"
	@echo "make demo     run a whole term on a sample class in build/demo-term (nbgrader commands)"
	@echo "make report ASSIGNMENT=sigmoid_exercise [FOLDER=build/demo-term]"
	@echo "              the class report of a graded assignment: FOLDER/reports/ASSIGNMENT.html"
	@echo "make bundle   the student copy for Binder, a repository of its own, in build/student-bundle"
	@echo "              (BUNDLE_ARGS=\"--repo OWNER/NAME\" names its public GitHub repository)"
	@echo "make handout  one zip per exercise for eLearn (Anaconda, Colab) in build/handout"
	@echo "make lint     ruff check and format check"
	@echo "make clean    remove the virtual environment and generated files"

setup: $(STAMP)

# Re-install only when a pin or the course's package (coursecheck) changes. The pins come
# from environment.yml alone; coursecheck is installed, not linked, so that the grading
# sandbox (which shows the environment read-only) sees the same code as everyone else.
$(STAMP): environment.yml requirements-dev.txt coursekit/pins.py pyproject.toml $(wildcard coursecheck/*.py)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found %s)" % sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PYTHON) coursekit/pins.py > $(VENV)/requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r $(VENV)/requirements.txt -r requirements-dev.txt
	@touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/$(INDEX) $(AS_ROOT) $(LAB_ARGS)

# Every test file on one of the machine's cores (pytest-xdist; at most 4 at once, each
# grading test starts graders of its own). TEST_ARGS="-n 0 tests/lessons" runs some alone.
TEST_ARGS ?=
test: $(STAMP)
	$(BIN)/python -m pytest -n auto --maxprocesses 4 --dist loadfile $(TEST_ARGS)

# The browser suite (tests/browser/): a student on a laptop, then a term on a real JupyterHub,
# driven in Debian's Chromium (sudo apt-get install chromium fonts-wqy-microhei; skipped with
# that message without it). It installs the rest itself: requirements-browser.txt into .venv,
# and JupyterHub's proxy from npm (tests/browser/hub/, `npm ci` into its node_modules/).
# Screenshots and timings: tests/browser/artifacts/.
BROWSER_STAMP := $(VENV)/.browser-installed
HUB_PROXY     := tests/browser/hub/node_modules/.bin/configurable-http-proxy

$(BROWSER_STAMP): $(STAMP) requirements-browser.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-browser.txt
	@touch $@

$(HUB_PROXY): tests/browser/hub/package.json tests/browser/hub/package-lock.json
	@if command -v npm >/dev/null; then cd tests/browser/hub && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.bin/configurable-http-proxy; \
	else echo "npm not found: the JupyterHub scenario will be skipped (install Node.js and npm)"; fi

test-browser: $(BROWSER_STAMP) $(HUB_PROXY)
	BROWSER_TESTS=1 $(BIN)/python -m pytest tests/browser -p no:cacheprovider --tb=short -n 2 --dist loadfile $(BROWSER_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

release: $(STAMP)
	$(BIN)/python -m coursekit.apps.release

# The 繁體中文 edition: merge English changes into course/locale/zh_TW/*.po, then build
# course/*.zh-TW.ipynb from the English notebooks and the catalogs (coursekit/apps/translate.py).
# Commit both. TRANSLATE_ARGS="--check" only checks (exit 1 if anything is out of date);
# TRANSLATE_ARGS="--only 03_sigmoid_and_tanh" limits it to some notebooks.
translate: $(STAMP)
	$(BIN)/python -m coursekit.apps.translate $(TRANSLATE_ARGS)

# Autograde a class on every core, with the grades plain `nbgrader autograde` gives
# (coursekit/apps/grade.py): make grade ASSIGNMENT=sigmoid_exercise [GRADE_ARGS=--force]
grade: $(STAMP)
	@test -n "$(ASSIGNMENT)" || { echo "usage: make grade ASSIGNMENT=sigmoid_exercise [GRADE_ARGS=--force]" >&2; exit 2; }
	$(BIN)/python -m coursekit.apps.grade "$(ASSIGNMENT)" $(GRADE_ARGS)

# Figures, not tests: each lesson's seconds and kernel memory, a synthetic class graded by
# nbgrader alone, by the course in sequence and by make grade, a cold install (benchmarks/).
# Each class is graded three times, round by round (the medians are printed): about 35
# minutes on two cores. BENCH_ARGS="--only lessons --repeat 5" or "--class-runs 1" (see
# python -m benchmarks --help).
bench: $(STAMP)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

# A whole term (release, exchange and LMS hand-in, autograde, feedback, grades) on a
# sample class, in build/demo-term/ (wiped on each run). See docs/instructor.md.
demo: $(STAMP)
	$(BIN)/python -m coursekit.apps.demo

# The class report of a graded assignment: FOLDER/reports/ASSIGNMENT.html, one page that
# opens offline (figures inside, English and 繁體中文), and its figures as PNG beside it.
# FOLDER is the course folder, this repository by default; `make demo`'s is build/demo-term.
FOLDER ?= .
report: $(STAMP)
	@test -n "$(ASSIGNMENT)" || { echo "usage: make report ASSIGNMENT=sigmoid_exercise [FOLDER=build/demo-term]" >&2; exit 2; }
	$(BIN)/python -m coursekit.apps.report "$(ASSIGNMENT)" --folder "$(FOLDER)"

# The student copy of the course (no source/): a git repository of its own, to push to a
# public repository that Binder launches. See docs/instructor.md, "Binder for students".
bundle: $(STAMP)
	$(BIN)/python -m coursekit.apps.bundle $(BUNDLE_ARGS)

# build/handout/<assignment>.zip: notebook, data, coursecheck/ and README.txt for eLearn.
handout: $(STAMP)
	$(BIN)/python -m coursekit.apps.handout $(HANDOUT_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache gradebook.db
	find . -name __pycache__ -prune -exec rm -rf {} +
	find . -name .ipynb_checkpoints -prune -exec rm -rf {} +
