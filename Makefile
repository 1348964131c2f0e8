# Two entry points for a fresh machine: `make run` and `make test`. Both are idempotent.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip

.PHONY: run test lint setup setup-dev package package-test bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# Runtime only: PySide6-Essentials, onnxruntime, numpy. No torch.
$(VENV)/.setup-run: pyproject.toml | $(PY)
	$(PIP) install -q -e .
	touch $@

# torch is installed explicitly and pinned before the extras so pip never resolves it on its own.
$(VENV)/.setup-dev: pyproject.toml | $(PY)
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[train,test]'
	touch $@ $(VENV)/.setup-run

setup: $(VENV)/.setup-run
setup-dev: $(VENV)/.setup-dev

run: $(VENV)/.setup-run
	$(VENV)/bin/caminho $(ARGS)

test: $(VENV)/.setup-dev
	$(VENV)/bin/ruff check .
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.setup-dev
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
