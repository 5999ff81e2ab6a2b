# Two commands: `make run` (set up and serve the demo) and `make test` (set up and run the tests).
# Needs Python 3.11, make and npm; everything else is fetched into .venv and core/frontend/node_modules.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FRONTEND := core/frontend
APP := $(BIN)/flask --app wsgi
# Where `make run` serves; emailed links follow unless PUBLIC_BASE_URL is set (e.g. PORT=5077 make run).
HOST ?= 127.0.0.1
PORT ?= 5000
export HOST PORT

.PHONY: run test setup setup-test assets clean

$(VENV)/.base: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.test: $(VENV)/.base
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

$(FRONTEND)/node_modules/.package-lock.json: $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	npm ci --prefix $(FRONTEND) --no-audit --no-fund --loglevel=error

$(FRONTEND)/build/app.css: $(FRONTEND)/node_modules/.package-lock.json $(FRONTEND)/app.scss
	npm run --silent --prefix $(FRONTEND) build

assets: $(FRONTEND)/build/app.css

setup: $(VENV)/.base assets

setup-test: $(VENV)/.test assets

run: setup
	$(APP) db upgrade
	$(APP) demo setup
	@echo "Serving on http://$(HOST):$(PORT) (Ctrl-C to stop)"
	$(APP) run --host $(HOST) --port $(PORT)

test: setup-test
	$(BIN)/pytest

clean:
	rm -rf $(VENV) $(FRONTEND)/node_modules $(FRONTEND)/build instance
