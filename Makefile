# rumhouse: `make run` starts the collector, `make test` runs every check.
# Both install what is missing first: the Python venv, the beacon's npm packages, the
# beacon build, and (for the browser tests) Debian's chromium.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps
JS := js-beacon
JS_SOURCES := $(wildcard $(JS)/src/*.ts) $(JS)/build.mjs

.PHONY: run test bench mutation deps build schema chromium deploy-checkers lint typecheck jstest pytest clean

run: deps build
	$(BIN)/rumhouse serve --open

test: deps build chromium deploy-checkers lint typecheck jstest pytest

# Speed against floors measured in the same run (loopback only; never part of make test).
bench: deps build
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python -m bench

# How well the tests guard the promises (TESTING.md): mutmut over the Python modules that
# carry them, Stryker over the beacon, and the hand-written mutants of mutation/promises.toml.
# Never part of make test: it takes hours on 2 cores (TESTING.md).
mutation: deps build chromium
	$(BIN)/python -m mutation

deps: $(STAMPS)/venv $(STAMPS)/npm $(STAMPS)/npm-clients

# rum.js, its pre-compressed copies (served by Accept-Encoding), their manifest, the loader.
DIST := $(addprefix $(JS)/dist/,rum.js rum.js.gz rum.js.br manifest.json loader.js)
build: $(DIST)

$(STAMPS)/venv: pyproject.toml constraints.txt
	@mkdir -p $(STAMPS) $(JS)/dist  # the package maps js-beacon/dist in (built by `make build`)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing Python dependencies into $(VENV) ..."
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

$(STAMPS)/npm: $(JS)/package.json $(JS)/package-lock.json
	@mkdir -p $(STAMPS)
	@echo "installing the beacon's npm packages ..."
	cd $(JS) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# npm's @clickhouse/client, which the tests point at the SQL endpoint.
$(STAMPS)/npm-clients: tests/clients/package.json tests/clients/package-lock.json
	@mkdir -p $(STAMPS)
	cd tests/clients && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(DIST) &: $(STAMPS)/npm $(JS_SOURCES)
	cd $(JS) && npm run --silent build
	@echo "built $(JS)/dist/rum.js: $$(gzip -9c $(JS)/dist/rum.js | wc -c) bytes gzip -9," \
		"served as $$(wc -c < $(JS)/dist/rum.js.br) bytes brotli, $$(wc -c < $(JS)/dist/rum.js.gz) gzip"

# Regenerate the beacon JSON Schema and the TypeScript payload type from the pydantic models.
schema: deps
	$(BIN)/python -m collector.ingest.contract > schema/beacon.v1.schema.json
	cd $(JS) && npm run --silent schema

chromium:
	@command -v chromium >/dev/null || { echo "installing Debian's chromium for the browser tests ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# What tests/integration/test_deploy_files.py runs the files of deploy/ with: nginx (run for
# real on loopback), Caddy's parser, systemd-analyze; and promtool (Debian's prometheus
# package), which checks and tests docs/deploy.md's alerting rules.
deploy-checkers:
	@command -v promtool >/dev/null || \
		{ echo "installing promtool for the Prometheus rules' tests ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null; \
		pkill -x prometheus; true; }  # its service is not wanted here
	@command -v nginx >/dev/null && command -v caddy >/dev/null && command -v systemd-analyze >/dev/null || \
		{ echo "installing nginx, caddy and systemd-analyze for the deployment tests ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light caddy systemd >/dev/null; \
		pkill -x nginx; pkill -x caddy; true; }  # the packages' own services are not wanted here

lint: deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: deps
	$(BIN)/mypy

jstest: build chromium
	cd $(JS) && npm test --silent

# Two workers (pytest-xdist): most tests wait on processes, sockets and the browser, so two
# cores run the suite in about half the time. PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 2
pytest: deps build chromium deploy-checkers
	$(BIN)/pytest -n $(PYTEST_WORKERS)

clean:
	rm -rf $(STAMPS) $(VENV) $(JS)/node_modules $(JS)/dist $(JS)/.build tests/clients/node_modules
