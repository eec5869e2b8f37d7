# Rectify — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PKGS   := -e shared -e services/issues-api -e services/notifier -e services/report-worker

.PHONY: run test test-unit lint install lock clean openapi bench

$(STAMP): constraints.txt requirements-dev.txt shared/pyproject.toml services/issues-api/pyproject.toml services/notifier/pyproject.toml services/report-worker/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -r requirements-dev.txt $(PKGS)
	touch $(STAMP)

install: $(STAMP)

## make run: the whole system on the embedded default (SQLite + embedded Redis) with the demo data
run: install
	$(BIN)/rectify run

## make test: every test (PostgreSQL and Redis on 127.0.0.1 when present; CI=true requires them)
test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check shared services tests
	$(BIN)/mypy

## regenerate the pinned constraints after changing a dependency
lock:
	rm -rf /tmp/rectify-lock && $(PYTHON) -m venv /tmp/rectify-lock
	/tmp/rectify-lock/bin/python -m pip install -q --upgrade pip
	/tmp/rectify-lock/bin/python -m pip install -q -r requirements-dev.txt $(PKGS)
	/tmp/rectify-lock/bin/python -m pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

openapi: install
	$(BIN)/rectify openapi > docs/openapi.json

clean:
	rm -rf $(VENV) var
