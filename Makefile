# Every target installs what it needs first, so any of them works on a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
ARGS   ?=

.PHONY: install test lint demo bench coverage clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# One worker process per core and one more, at most 4 (pytest-xdist; tests/conftest.py says
# why): each test stays bounded on its own, and the servers the tests start (nats-server,
# PostgreSQL) are started once per worker.
# `make test ARGS='-n 0'` runs it in this process. The package is compiled first: where
# PYTHONDONTWRITEBYTECODE is set (it is on the project's machines), every worker and every
# command the tests start in a subprocess compiled it anew on a fresh clone, 0.3 s of CPU each.
test: $(STAMP)
	$(PY) -m compileall -q actorkit benchmarks
	$(PY) -m pytest -n auto --maxprocesses=4 $(ARGS)

# `--verifytypes` fails unless every public symbol's type is known (types from other packages
# aside). It finds actorkit through the `python` on PATH, whatever `--pythonpath` says: the
# venv's, where the checkout is installed.
lint: $(STAMP)
	$(VENV)/bin/ruff check actorkit tests benchmarks examples
	$(VENV)/bin/ruff format --check actorkit tests benchmarks examples
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pyright --pythonpath $(PY) -p tests/typing_users/pyrightconfig.json
	PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/pyright --verifytypes actorkit --ignoreexternal

demo: $(STAMP)
	$(PY) -m actorkit demo $(ARGS)

bench: $(STAMP)
	$(PY) -m benchmarks $(ARGS)

# The suite under coverage.py (lines and branches, subprocesses included); slower than `test`.
coverage: $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,coverage]'
	$(PY) -m pytest -n auto --maxprocesses=4 --cov --cov-report=term $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.*
