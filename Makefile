# Developer shortcuts. `make` alone lists the targets.

PYTHON ?= python
SETUP ?= setup/bezhta.yaml

.DEFAULT_GOAL := help
.PHONY: help install run test lint bench migration

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: ## Install the project with dev tools (editable)
	$(PYTHON) -m pip install -e '.[dev]'

run: ## Start the system locally with the Bezhta example setup
	mcu run --setup $(SETUP)

test: ## Run the tests
	$(PYTHON) -m pytest

lint: ## Ruff (lint + format check), mypy and the import contracts
	ruff check .
	ruff format --check .
	mypy models workflows api mcu bot integrations
	lint-imports

bench: ## Run the benchmarks
	$(PYTHON) -m bench.run_all

migration: ## New Alembic migration from the models: make migration m="what changed"
	@test -n "$(m)" || { echo 'usage: make migration m="what changed"'; exit 2; }
	alembic revision --autogenerate -m "$(m)"
