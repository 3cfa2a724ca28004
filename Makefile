# modops: two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench install install-dev clean fmt

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# Stamps re-install when pyproject.toml changes, or what setup.py compiles (the normalizer engine).
BUILD_INPUTS := pyproject.toml setup.py src/modops/normalize/engine.py
$(VENV)/.core: $(BUILD_INPUTS) | $(BIN)/python
	$(PIP) install -q -e '.[nlp]'
	@touch $@

$(VENV)/.dev: $(BUILD_INPUTS) | $(BIN)/python
	$(PIP) install -q -e '.[dev,train,nlp]'
	@touch $@ $(VENV)/.core

install: $(VENV)/.core
install-dev: $(VENV)/.dev

## run: set up, register the shipped default models, start the service on $(HOST):$(PORT)
run: $(VENV)/.core
	$(BIN)/modops init
	$(BIN)/modops serve --host $(HOST) --port $(PORT)

## test: install what the tests need and run them (exit 5, "no tests collected", fails loudly)
test: $(VENV)/.dev
	@set +e; $(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi; exit $$rc

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples
	$(BIN)/mypy

fmt: $(VENV)/.dev
	$(BIN)/ruff format src tests benchmarks examples
	$(BIN)/ruff check --fix src tests benchmarks examples

## bench: run every benchmark script; results in benchmarks/results/*.json
bench: $(VENV)/.dev
	$(PIP) install -q -e '.[bench]'
	@set -e; for f in benchmarks/*.py; do echo "== $$f"; $(BIN)/python $$f; done

clean:
	rm -rf .modops .pytest_cache .mypy_cache .ruff_cache build src/modops/normalize/*.so src/modops/normalize/engine.compiled-sha256
