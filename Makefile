# 共治 Gongzhi — two commands on a fresh machine with Python 3.11+:
#   make demo   set up .venv, migrate the embedded SQLite database, load the demo, serve :8000
#   make test   run the whole suite (browser tests when Chromium is at /usr/bin/chromium)
PYTHON ?= python3
# The suite runs on every core by default; PYTEST_WORKERS=0 runs it in one process, PYTEST_ARGS adds options.
PYTEST_WORKERS ?= auto
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install lint serve bench clean

# The demo and the tests run over plain http://127.0.0.1 with the public demo key (docs/security.md).
# A production start sets SECRET_KEY and the other variables there instead, and never GONGZHI_DEMO.
install demo test bench: export GONGZHI_DEMO ?= 1

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $(STAMP)

install: $(STAMP)
	@-scripts/system-deps
	@$(BIN)/gongzhi compile_translations -v 0 > /dev/null

demo: install
	$(BIN)/gongzhi migrate --noinput -v 0
	$(BIN)/gongzhi demo
	@echo "共治演示：http://127.0.0.1:8000  (Ctrl-C 停止 / to stop)"
	$(BIN)/gongzhi runserver 127.0.0.1:8000 --noreload

test: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/seed.py
	$(BIN)/python bench/log.py
	$(BIN)/python bench/tally.py
	$(BIN)/python bench/finance.py
	$(BIN)/python bench/requests_metrics.py
	$(BIN)/python bench/requests_http.py

clean:
	rm -rf $(VENV) var
