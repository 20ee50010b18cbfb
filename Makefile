# Rayzan: `make run` serves the demo at http://127.0.0.1:8000; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed

.PHONY: run test setup install migrate demo lint bench soak messages clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

setup: install
	$(PY) manage.py compile_catalogues
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0

demo: setup
	$(PY) manage.py load_demo

run: demo
	@echo "Rayzan is at http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	$(VENV)/bin/uvicorn --host $(HOST) --port $(PORT) --ws-per-message-deflate false --ws-max-size 131072 config.asgi:application

node_modules/axe-core/axe.min.js: package.json
	@if command -v npm >/dev/null 2>&1; then npm install --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the accessibility scans will be skipped"; fi

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

test: install node_modules/axe-core/axe.min.js
	$(PY) manage.py compile_catalogues
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest

bench: setup
	@for script in bench/*.py; do [ "$$script" = bench/soak.py ] && continue; echo "== $$script"; $(PY) $$script || exit 1; done

# 30 minutes of mixed traffic while a worker restarts every 5 (PostgreSQL and Redis); not in `bench`.
soak: setup
	$(PY) bench/soak.py

# For developers changing user-facing text (needs GNU gettext's xgettext).
messages: install
	$(PY) manage.py makemessages -l fa -l en --no-obsolete --ignore=.venv --ignore=node_modules --ignore=staticfiles
	$(PY) manage.py compile_catalogues

clean:
	rm -rf staticfiles var/test .pytest_cache
