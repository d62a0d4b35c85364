# The two commands of the README: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.dativo-installed

.PHONY: demo test setup bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

setup: $(STAMP)

# Compile the example project and show what it produced.
demo: $(STAMP)
	$(VENV)/bin/dativo compile examples
	$(VENV)/bin/dativo compile examples --check
	@echo "plan: examples/generated/plan.json"

test: $(STAMP)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) bench/compile.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
