# The two commands: `make run` serves the demo federation on SQLite; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: run test install schema bench clean

# Installs the project and its test tools into .venv; redone when pyproject.toml changes.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "groupdesk needs Python >= 3.11")'
	@test -x $(BIN)/python || { echo "==> creating the environment in $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> installing groupdesk and its dependencies into $(VENV) (about a minute the first time)"
	@# pip's own progress (one line per package, download bars) so a first install is never silent.
	$(BIN)/python -m pip install --progress-bar on --disable-pip-version-check -e '.[dev]'
	@touch $@

install: $(STAMP)

run: $(STAMP)
	@echo "==> migrating the database"
	$(BIN)/groupdesk migrate
	@echo "==> loading the demo federation and its demo tickets"
	$(BIN)/groupdesk load tenants/federations/insa.yaml --demo-tickets
	@echo "==> serving (GROUPDESK_HOST/GROUPDESK_PORT, http://127.0.0.1:8000/graphql by default); Ctrl-C stops"
	$(BIN)/groupdesk serve

# The structure checks come first (seconds, they fail before the suite's minutes): import
# contracts (pyproject.toml's [tool.importlinter]), ruff, then mypy (strict on server/, tenants/ and groupdesk/).
# The GraphQL over HTTP audit's Node.js tools come from tests/graphql_http_audit/package-lock.json (npm ci).
test: $(STAMP)
	$(BIN)/lint-imports --no-logo
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m tests.support.graphql_http_audit
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Re-export schema/schema.graphql after changing the GraphQL layer (a test fails when it drifts).
schema: $(STAMP)
	$(BIN)/python -c 'import schema; open("schema/schema.graphql", "w").write(schema.export_sdl())'

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) groupdesk.db groupdesk.db-wal groupdesk.db-shm .pytest_cache tests/graphql_http_audit/node_modules \
		.import_linter_cache .grimp_cache .ruff_cache .mypy_cache
