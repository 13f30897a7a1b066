# Two commands on a fresh machine: `make run` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

.PHONY: run test lint check bench settings schemas clean

$(PY):
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "kzbot needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	$(PY) bot.py

check: $(VENV)/.runtime
	$(PY) -m kzbot check

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/hadolint Dockerfile
	$(PY) -m deptry .
	$(PY) -m mypy

test: lint
	$(PY) -m pytest

bench: $(VENV)/.dev
	$(PY) -m bench

# Rewrite .env.example and the README's settings table from the table in kzbot/config.py.
settings: $(VENV)/.runtime
	$(PY) -m kzbot.settings_docs

# Rewrite schemas/*.schema.json from the record specs in kzbot/records.py.
schemas: $(VENV)/.runtime
	$(PY) -m kzbot.records

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .mypy_cache build dist
