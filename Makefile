# Two commands on a fresh machine: `make demo` and `make test`.
# Both create .venv if it is missing, install the Debian tools they call (scripts/install_tools.sh), install torch FIRST (pinned to a CPU wheel by default: an unpinned
# `torch` would pull a multi-GB CUDA build), then the project with its dev extras, then run.
PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_OUT ?= demo_output

.PHONY: install tools demo test lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "$(TORCH)"
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Infernal, HMMER, MMseqs2, CD-HIT: apt-get as root, else one line with the command (their tests then skip).
tools:
	@bash scripts/install_tools.sh

demo: install tools
	$(PY) scripts/demo.py --out $(DEMO_OUT)

test: install tools
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q
	$(PY) -m pytest -q --memray -m limit_memory  # memory limits hold only under --memray

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(DEMO_OUT) .pytest_cache .ruff_cache
