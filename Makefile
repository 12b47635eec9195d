# Bootstraps .venv on first use, so each target works on a machine that has only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: chat test lint check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@echo "Installing MI-trainer and its test tools into $(VENV) (first run only; log: $(VENV)/install.log)"
	@$(BIN)/python -m pip install -e '.[test]' > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

## chat: practise in the terminal with the default scenario (ARGS="--scenario ID --seed N")
chat: $(STAMP)
	$(BIN)/mi-trainer chat $(ARGS)

## test: lint, type-check and run the whole test suite
test: $(STAMP)
	$(BIN)/ruff check bot state_machines tests
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV)
