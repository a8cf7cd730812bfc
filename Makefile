# The two commands: `make run` serves the demo federation on SQLite; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: run test install console schema bench clean

# The web console (web/): its packages from the committed lock, then its build into web/dist, each
# redone only when what it comes from changed (stamp files).
WEB_STAMP := web/node_modules/.installed
CONSOLE_STAMP := web/dist/.built
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts \
	web/codegen.ts web/tsconfig.json web/package.json schema/schema.graphql

# Installs the project and its test tools into .venv; redone when pyproject.toml changes.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "groupdesk needs Python >= 3.11")'
	@test -x $(BIN)/python || { echo "==> creating the environment in $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> installing groupdesk and its dependencies into $(VENV) (about a minute the first time)"
	@# pip's own progress (one line per package, download bars) so a first install is never silent.
	$(BIN)/python -m pip install --progress-bar on --disable-pip-version-check -e '.[dev]'
	@touch $@

install: $(STAMP)

$(WEB_STAMP): web/package-lock.json
	@command -v npm >/dev/null || { echo "groupdesk's console needs Node.js 20.19 or newer with npm"; exit 1; }
	@echo "==> installing the console's packages (npm ci from web/package-lock.json)"
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(CONSOLE_STAMP): $(WEB_STAMP) $(WEB_SOURCES)
	@echo "==> building the console into web/dist (typed operations from schema/schema.graphql, then Vite)"
	cd web && npm run build
	@touch $@

console: $(CONSOLE_STAMP)

run: $(STAMP) $(CONSOLE_STAMP)
	@echo "==> migrating the database"
	$(BIN)/groupdesk migrate
	@echo "==> loading the demo federation and its demo tickets"
	$(BIN)/groupdesk load tenants/federations/insa.yaml --demo-tickets
	@echo "==> serving the console on http://127.0.0.1:8000/ and GraphQL on /graphql (GROUPDESK_HOST/GROUPDESK_PORT); Ctrl-C stops"
	$(BIN)/groupdesk serve

# The structure checks come first (seconds, they fail before the suite's minutes): import
# contracts (pyproject.toml's [tool.importlinter]), ruff, then mypy (strict on server/, tenants/ and groupdesk/).
# The GraphQL over HTTP audit's Node.js tools come from tests/graphql_http_audit/package-lock.json (npm ci).
# The console is built first: tests/web runs its Vitest suite and its Playwright story in Chromium.
# pytest runs on TEST_WORKERS processes (pytest-xdist; 2 by default, `make test TEST_WORKERS=0` runs it
# in this one process, as a debugger needs); each worker steals tests from the other's queue when its
# own runs dry, so both finish together. PYTEST_ARGS adds pytest options (e.g. -x, -k NAME, a path).
TEST_WORKERS ?= 2
test: $(STAMP) $(CONSOLE_STAMP)
	$(BIN)/lint-imports --no-logo
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m tests.support.graphql_http_audit
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# Re-export schema/schema.graphql after changing the GraphQL layer (a test fails when it drifts).
schema: $(STAMP)
	$(BIN)/python -c 'import schema; open("schema/schema.graphql", "w").write(schema.export_sdl())'

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) groupdesk.db groupdesk.db-wal groupdesk.db-shm .pytest_cache tests/graphql_http_audit/node_modules \
		.import_linter_cache .grimp_cache .ruff_cache .mypy_cache web/node_modules web/dist
