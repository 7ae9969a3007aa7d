# Two commands a newcomer needs:  `make lab` (install + open the course)  and  `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -p nbval_plugin

export PYTHONHASHSEED := 0
export OMP_NUM_THREADS := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup lab test unit notebooks-test browser-test fast notebooks bench clean

setup: $(STAMP)  ## create .venv and install the course with every extra

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert (3, 10) <= sys.version_info[:2] <= (3, 12), "Python 3.10-3.12 needed, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[transformer,dev]"
	@touch $@

lab: setup  ## open JupyterLab on the course
	$(VENV)/bin/jupyter lab notebooks/00_welcome.ipynb

test: setup  ## every test: unit tests, each notebook under nbval, the browser test
	$(PY) -m pytest tests --ignore=tests/browser -q
	$(PY) -m pytest $(NBVAL) notebooks -q
	$(PY) -m pytest tests/browser -q

browser-test: setup  ## the browser test alone: JupyterLab + headless Chromium (tests/browser/README.md)
	$(PY) -m pytest tests/browser -q

fast:  ## the CI run: `make test` with fewer epochs and less data
	COURSE_FAST=1 $(MAKE) test

notebooks: setup  ## re-execute every notebook in learner mode (to commit)
	$(PY) bench/run_notebooks.py

bench: setup  ## measure and write bench/RESULTS.md
	$(PY) bench/report.py

clean:  ## remove the venv, caches and trained models
	rm -rf $(VENV) .pytest_cache .hypothesis notebooks/output tests/browser/artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
