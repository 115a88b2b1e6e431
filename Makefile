# Haven — the README's commands. Needs only Python 3.11+ on the machine; everything else is set up here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test lint types unit browser-deps bench lock clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/haven demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

# Browser tests need Debian's Chromium; install it when missing, or stop with the command to run.
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's Chromium for the browser tests…"; \
	    (apt-get install -y chromium >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y chromium >/dev/null)) \
	      || { echo "Could not install Chromium. Run: sudo apt-get install -y chromium"; exit 1; }; \
	  else \
	    echo "The browser tests need Debian's Chromium at /usr/bin/chromium. Run: sudo apt-get install -y chromium"; exit 1; \
	  fi; \
	fi

unit: $(STAMP) browser-deps
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test: lint types unit

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Regenerate the pinned, hashed lock file after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/pip-compile --quiet --extra dev --generate-hashes --strip-extras --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
