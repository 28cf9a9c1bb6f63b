# Two entry points for a fresh machine with Python 3.11+: `make site` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: site test lint golden clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

## Install newsdigest and build the sample articles in seeds/ into site/.
site: $(BIN)/python
	$(BIN)/pip install --quiet .
	$(BIN)/digest build

## Install the test dependencies and run linters, type checks and the whole test suite.
test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy digest/
	$(BIN)/pytest

## Regenerate the golden files in tests/golden/ (the seed site and its digest.json) after an intended change of output.
golden: $(BIN)/python
	DIGEST_REGENERATE=1 $(BIN)/pytest tests/test_build.py -k golden

clean:
	rm -rf $(VENV) site .pytest_cache .mypy_cache .ruff_cache
