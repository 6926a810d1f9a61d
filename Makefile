# cite-vote: `make run` serves the app, `make test` runs the whole suite.
# Both set up everything they need first (venv, install, translations, database).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Empty: gunicorn.conf.py decides (WEB_CONCURRENCY works too); `make run WORKERS=4` overrides.
WORKERS ?=
export FLASK_APP := cite_vote

.PHONY: run test test-pg test-slow test-deploy deploy-deps setup production lock system-deps install translations db demo node browser screenshots lint lint-imports-target format i18n bench bench-tools bench-two-hosts clean

# Printed links and QR codes use CITE_VOTE_PUBLIC_URL; with HOST=0.0.0.0 and no such setting,
# the machine's address on the room's network.
run: setup db demo
	@$(BIN)/flask demo-info --host $(HOST) --port $(PORT)
	CITE_VOTE_SECRET_KEY="$$(cat instance/secret_key)" \
	CITE_VOTE_PUBLIC_URL="$$($(BIN)/flask public-url --host $(HOST) --port $(PORT))" \
	  $(BIN)/gunicorn -c gunicorn.conf.py --bind $(HOST):$(PORT) $(if $(WORKERS),--workers $(WORKERS)) wsgi:app

# The tests marked slow (storms, soaks) run at SLOW_SCALE of their full size here and in CI;
# `make test-slow` runs them alone at full size, on SQLite then PostgreSQL.
SLOW_SCALE ?= 0.25
# The suite runs on every core (pytest-xdist), a test file per worker so module fixtures stay
# whole; `make test XDIST=` runs it in one process.
XDIST ?= -n auto --dist loadfile
PG_TEST_URL = $${CITE_VOTE_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}

test: setup browser
	CITE_VOTE_SLOW_SCALE=$(SLOW_SCALE) $(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

# The whole suite against PostgreSQL (a throwaway database is made on the server named here).
test-pg: setup browser
	CITE_VOTE_SLOW_SCALE=$(SLOW_SCALE) CITE_VOTE_TEST_DATABASE_URL=$(PG_TEST_URL) \
	  $(BIN)/python -m pytest -m "not browser" $(XDIST) $(PYTEST_ARGS)

test-slow: setup browser
	CITE_VOTE_SLOW_SCALE=1 $(BIN)/python -m pytest -m slow $(PYTEST_ARGS)
	CITE_VOTE_SLOW_SCALE=1 CITE_VOTE_TEST_DATABASE_URL=$(PG_TEST_URL) \
	  $(BIN)/python -m pytest -m "slow and not browser" $(PYTEST_ARGS)

setup: system-deps install translations instance/secret_key

# Debian packages the app needs: pango and harfbuzz for the PDF cahier (WeasyPrint), a font.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-color-emoji

system-deps:
	@if ! command -v dpkg >/dev/null; then \
	  echo "Not a Debian system: make sure pango and harfbuzz are installed for the PDF cahier."; \
	else \
	  missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	  if [ -z "$$missing" ]; then :; \
	  elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages:" $$missing; \
	    apt-get update -qq && apt-get install -y -qq $$missing; \
	  else \
	    echo "cite-vote needs these Debian packages: sudo apt-get install" $$missing; exit 1; \
	  fi; \
	fi

install: $(VENV)/.installed

# The versions of requirements.lock (pip-compile's, `make lock`), the ones the suite runs on.
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test,bench]'
	touch $@

# A server's install (docs/deploy.md): the same locked versions, without the test and bench
# extras; then the translations. No demo, no database: `cite-vote db upgrade` makes the schema.
# EXTRAS=redis adds the Redis client (several hosts sharing their rate-limit counters).
production: system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.$(if $(EXTRAS),[$(EXTRAS)])'
	$(BIN)/pybabel -q compile -d cite_vote/translations

# Re-resolve requirements.lock after changing a dependency in pyproject.toml (pip-tools).
lock: install
	$(BIN)/python -m pip install --quiet -c requirements.lock pip-tools
	$(BIN)/pip-compile --quiet --all-extras --strip-extras --no-emit-index-url \
	  --no-emit-trusted-host --no-emit-find-links -o requirements.lock pyproject.toml

translations: install
	$(BIN)/pybabel -q compile -d cite_vote/translations

# Re-extract the strings after changing code or templates, then translate the new ones in the .po files.
i18n: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o cite_vote/translations/messages.pot .
	$(BIN)/pybabel -q update --no-fuzzy-matching -i cite_vote/translations/messages.pot -d cite_vote/translations
	$(BIN)/pybabel -q compile -d cite_vote/translations

instance/secret_key:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(48))" > $@
	chmod 600 $@

db: setup
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask demo

# Debian packages the tests drive: chromium for the real-browser tests (no browser download:
# Playwright drives this one), nginx and openssl for the HTTPS deployment walk, redis-server
# for the shared rate-limit counters.
TEST_PACKAGES := chromium nginx openssl redis-server

# axe-core for the accessibility tests, pinned, fetched from the npm registry into a git-ignored
# folder (tests/browser/test_accessibility.py injects it into the pages it checks).
AXE_VERSION := 4.14.1
AXE := tests/browser/vendor/axe-$(AXE_VERSION).min.js

$(AXE):
	mkdir -p tests/browser/vendor
	cd tests/browser/vendor && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null \
	  && tar -xzf axe-core-$(AXE_VERSION).tgz package/axe.min.js \
	  && mv package/axe.min.js axe-$(AXE_VERSION).min.js && rm -rf package axe-core-$(AXE_VERSION).tgz

# Node runs the second, independent recount (tests/second_recount/) and npm fetches axe-core.
node:
	@if command -v node >/dev/null && command -v npm >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian's nodejs and npm for the tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; \
	else \
	  echo "The tests need Node.js and npm: sudo apt-get install nodejs npm"; exit 1; \
	fi

$(AXE): | node

browser: node $(AXE)
	@missing=$$(for p in $(TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian packages for the tests:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else \
	  echo "The tests need these Debian packages: sudo apt-get install" $$missing; exit 1; \
	fi

# docs/deploy.md's server section, run as written (tests/deploy/run_guide.py; 2 to 4 minutes, mostly pip):
# a system user, PostgreSQL, nginx with a self-signed certificate, Redis. Root only.
DEPLOY_PACKAGES := python3-venv postgresql nginx redis-server git make openssl

deploy-deps:
	@missing=$$(for p in $(DEPLOY_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian packages for the deployment test:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else \
	  echo "make test-deploy needs root and these Debian packages:" $$missing; exit 1; \
	fi

test-deploy: setup deploy-deps
	$(BIN)/python -m pytest -p no:cacheprovider -q tests/deploy/run_guide.py $(PYTEST_ARGS)

# Every page at 360x740, 1366x768 and 1920x1080 into tests/artifacts/screenshots/, and the
# README's chosen set into docs/screenshots/ (the cahier's pages drawn by poppler's pdftoppm).
screenshots: setup browser
	@dpkg -s poppler-utils >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq poppler-utils; \
	  else echo "make screenshots needs: sudo apt-get install poppler-utils"; exit 1; fi; }
	$(BIN)/python -m tests.browser.screenshots

# ruff, then the layout's contract (import-linter, [tool.importlinter] in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache --no-logo

# The layout's contract alone (`make lint` runs it too): the report, then the count of broken
# contracts and of the import chains that break them. It never fails the build.
lint-imports-target: install
	@report=$$(mktemp); \
	$(BIN)/lint-imports --no-cache --no-logo > $$report 2>&1; \
	cat $$report; \
	echo "Broken contracts: $$(grep -Eo '[0-9]+ broken' $$report | grep -Eo '[0-9]+' || echo '?')" \
	  "($$(grep -c '^-' $$report) illegal import chains)"; \
	rm -f $$report

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The benchmark of docs/performance.md (about 12 minutes): each request kind as a share of a bare
# Flask app (wrk), the event day of 2,000 phones on SQLite then PostgreSQL, the in-process
# profiles of a vote and a challenge page, the results and downloads. Figures go to bench/results/.
BENCH_OUT := bench/results

bench: setup bench-tools
	mkdir -p $(BENCH_OUT)
	$(BIN)/python bench/ratios.py --json $(BENCH_OUT)/ratios.json > $(BENCH_OUT)/ratios.md; \
	  status=$$?; cat $(BENCH_OUT)/ratios.md; exit $$status
	$(BIN)/python bench/event.py --db sqlite --json $(BENCH_OUT)/event-sqlite.json \
	  > $(BENCH_OUT)/event-sqlite.md; status=$$?; cat $(BENCH_OUT)/event-sqlite.md; exit $$status
	@if $(BIN)/python -c "import psycopg; psycopg.connect('postgresql://postgres@127.0.0.1:5432/postgres').close()" 2>/dev/null; then \
	  $(BIN)/python bench/event.py --db postgres --json $(BENCH_OUT)/event-postgres.json \
	    > $(BENCH_OUT)/event-postgres.md; status=$$?; cat $(BENCH_OUT)/event-postgres.md; \
	    [ $$status = 0 ] || exit $$status; \
	  $(BIN)/python bench/vote_storm.py --db postgres > $(BENCH_OUT)/vote-storm.md; \
	    status=$$?; cat $(BENCH_OUT)/vote-storm.md; exit $$status; \
	else \
	  echo "No PostgreSQL at 127.0.0.1:5432: the event scenario on PostgreSQL is skipped."; \
	fi
	$(BIN)/python bench/profile.py > $(BENCH_OUT)/profile.md; \
	  status=$$?; cat $(BENCH_OUT)/profile.md; exit $$status
	$(BIN)/python bench/results_ranking.py > $(BENCH_OUT)/results_ranking.md; \
	  status=$$?; cat $(BENCH_OUT)/results_ranking.md; exit $$status
	$(BIN)/python bench/heavy_downloads.py --challenges 6 --ideas 60 \
	  > $(BENCH_OUT)/heavy_downloads.md; status=$$?; cat $(BENCH_OUT)/heavy_downloads.md; exit $$status

# wrk, the load generator that can saturate a bare Flask app (Debian package).
# Two app servers (two ports standing for two hosts) behind nginx, sharing PostgreSQL and Redis,
# playing the event at twice the size (docs/performance.md, "Scale out").
bench-two-hosts: setup bench-tools browser
	mkdir -p $(BENCH_OUT)
	$(BIN)/python bench/event.py --db postgres --hosts 2 --phones 4000 \
	  --json $(BENCH_OUT)/event-two-hosts.json > $(BENCH_OUT)/event-two-hosts.md; \
	  status=$$?; cat $(BENCH_OUT)/event-two-hosts.md; exit $$status

bench-tools:
	@if command -v wrk >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian's wrk for the benchmark"; \
	  apt-get update -qq && apt-get install -y -qq wrk; \
	else \
	  echo "The benchmark needs wrk: sudo apt-get install wrk"; exit 1; \
	fi

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache tests/artifacts
