# The two commands a newcomer needs: `make run` and `make test`. Both create .venv and install.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Development defaults: DEBUG on (so no SECRET_KEY is needed); override from the environment.
DEV_ENV := DEBUG=$${DEBUG:-true}
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run serve test lint format migrate demo clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
	  { echo "Python 3.11 is required; set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

migrate: $(STAMP)
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py setup_periodic_tasks

demo: migrate
	$(DEV_ENV) $(BIN)/python manage.py demo

run: demo
	@echo "Serving on http://$(HOST):$(PORT)/ with a Celery worker and beat; Ctrl-C stops all three."
	@trap 'trap - INT TERM EXIT; kill 0 2>/dev/null' INT TERM EXIT; \
	  $(DEV_ENV) $(BIN)/celery -A opendlp worker --loglevel=INFO --concurrency=2 & \
	  $(DEV_ENV) $(BIN)/celery -A opendlp beat --loglevel=INFO & \
	  $(DEV_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT) & \
	  wait

test: $(STAMP)
	$(DEV_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

# Style, types and the layer ladder (docs/architecture.md): ruff, mypy with django-stubs,
# import-linter contracts (.importlinter) and the reasons of function-level imports.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(DEV_ENV) $(BIN)/mypy accounts assemblies lottery opendlp selection benchmarks scripts
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_inline_imports.py

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
