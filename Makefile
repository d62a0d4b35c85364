# The two commands of the README: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.dativo-installed

.PHONY: demo demo-engine test lint typecheck setup bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

setup: $(STAMP)

# Compile the example project, then ingest one example job (acme's orders.csv) into the local
# Iceberg warehouse under examples/state/ (SQLite catalog, file:// warehouse, no services).
QUERY := from pyiceberg.catalog.sql import SqlCatalog; t = SqlCatalog('local', uri='sqlite:///examples/state/catalog/acme.db', warehouse='file://examples/state/warehouse/acme/').load_table('acme.orders').scan().use_ref('acme').to_arrow(); print(t.num_rows, 'rows in acme.orders on branch acme'); print(t.slice(0, 3).to_pylist())

demo: $(STAMP)
	$(VENV)/bin/dativo compile examples
	$(VENV)/bin/dativo compile examples --check
	@echo "plan: examples/generated/plan.json"
	$(VENV)/bin/dativo run --plan examples/generated/plan.json --job acme.orders_csv_morning
	@echo "query it:"
	@echo "  $(PY) -c \"$(QUERY)\""
	@$(PY) -c "$(QUERY)"

# One non-file job, offline: Airbyte's faker source on engine `airbyte` (examples/jobs/globex/faker_users_to_iceberg.yaml).
# The first run installs the connector's package into dativo's connector cache (~1 min); a second run
# resumes from the committed STATE and reads nothing new.
FAKER_QUERY := from pyiceberg.catalog.sql import SqlCatalog; t = SqlCatalog('local', uri='sqlite:///examples/state/catalog/globex.db', warehouse='file://examples/state/warehouse/globex/').load_table('globex.faker_users').scan().use_ref('globex').to_arrow(); print(t.num_rows, 'rows in globex.faker_users on branch globex')

demo-engine: $(STAMP)
	$(VENV)/bin/dativo compile examples --check
	$(VENV)/bin/dativo run --plan examples/generated/plan.json --job jobs/globex/faker_users_to_iceberg.yaml
	@$(PY) -c "$(FAKER_QUERY)"

test: lint
	$(PY) -m pytest -q

# The guard rails, before the tests: lint and format (ruff), types (mypy), and the import contracts
# between compiler, runtime and targets (import-linter; the contracts are in pyproject.toml).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MAKE) --no-print-directory typecheck
	$(VENV)/bin/lint-imports

# mypy sees the package under the names it is imported by: see [tool.mypy] in pyproject.toml.
# No setup step here: the pre-commit hook runs it from the existing .venv (lint sets up first).
MYPY_TREE := build/mypy/dativo
typecheck:
	mkdir -p $(MYPY_TREE)
	for p in compiler runtime targets registry; do ln -sfn ../../../$$p $(MYPY_TREE)/$$p; done
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) bench/compile.py
	$(PY) bench/runtime.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build/mypy .mypy_cache .ruff_cache .import_linter_cache

# The ingestion image (Dockerfile, docs/deploy.md): dativo:<version> with a project and its plan baked in.
# PROJECT=DIR bakes another project (compiled first); IMAGE names the tag; BUILD_ARGS passes more to docker
# build (an environment: BUILD_ARGS='--build-arg PROJECT_DIR=/srv/staging/app --build-arg CHECK_ARGS="--env staging"').
# Needs Docker with BuildKit.
.PHONY: image
DOCKER  ?= docker
VERSION := $(shell sed -n 's/^version = "\(.*\)"$$/\1/p' pyproject.toml)
IMAGE   ?= dativo:$(VERSION)
PROJECT ?=
BUILD_ARGS ?=
image:
	@if ! command -v $(DOCKER) >/dev/null 2>&1 || ! $(DOCKER) info >/dev/null 2>&1; then \
	  echo "make image: Docker is not available here ('$(DOCKER)' is missing or its daemon is not running);" >&2; \
	  echo "  build on a machine with Docker: make image [PROJECT=DIR] [IMAGE=registry/name:tag]" >&2; \
	  exit 2; \
	fi
	DOCKER_BUILDKIT=1 $(DOCKER) build --tag $(IMAGE) $(if $(PROJECT),--build-context project=$(PROJECT)) $(BUILD_ARGS) .
	@echo "built $(IMAGE); push it and set targets.kubernetes.image to the pushed name:tag@sha256:<digest>"
