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

.PHONY: help setup lab test lint unit notebooks-test browser-test fast notebooks bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/\1\t\2/' | expand -t 18

setup: $(STAMP)  ## create .venv and install the course, its tests and lint tools at the pinned versions

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert (3, 10) <= sys.version_info[:2] <= (3, 12), "Python 3.10-3.12 needed, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[transformer,test,dev]"
	@touch $@

lab: setup  ## open JupyterLab on the course
	$(VENV)/bin/jupyter lab notebooks/00_welcome.ipynb

test: lint  ## every check: lint, all unit tests, each notebook under nbval, the browser test
	$(PY) -m pytest tests --ignore=tests/browser -q
	@$(MAKE) --no-print-directory notebooks-test browser-test

lint: setup  ## ruff (lint rules, then formatting) and mypy; runs all three, fails if any fails
	@status=0; \
	$(VENV)/bin/ruff check . || status=1; \
	$(VENV)/bin/mypy || status=1; \
	$(VENV)/bin/ruff format --check . || status=1; \
	exit $$status

unit: setup  ## the quick inner loop: unit tests without the slow ones (real processes, real training)
	$(PY) -m pytest tests --ignore=tests/browser -q -m "not slow"

notebooks-test: setup  ## run every notebook under nbval against its committed outputs (COURSE_FAST=1: CI mode)
	$(PY) -m pytest $(NBVAL) notebooks -q

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
