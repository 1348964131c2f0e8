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

# --- packaging (docs/PACKAGING.md) ---------------------------------------------------------------
# A venv of its own with the runtime dependencies and PyInstaller only: PyInstaller bundles what
# it can import, so the dev venv's torch must not be reachable, and pip never resolves torch here.
PKG_VENV    ?= .venv-package
PKG_PY      := $(PKG_VENV)/bin/python
PKG_VERSION := $(shell sed -n 's/^version *= *"\(.*\)"/\1/p' pyproject.toml | head -n1)
DEB_ARCH    := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
BUNDLE_EXE  := dist/caminho/caminho
DEB         := dist/caminho_$(PKG_VERSION)_$(DEB_ARCH).deb
# What goes into the bundle: a change to any of these rebuilds it.
BUNDLE_SRC  := $(shell find editor resources docs -type f -not -path '*/__pycache__/*' 2>/dev/null) \
               packaging/caminho.spec packaging/launch.py pyproject.toml README.md

$(PKG_PY):
	$(PYTHON) -m venv $(PKG_VENV)

$(PKG_VENV)/.setup-package: pyproject.toml | $(PKG_PY)
	$(PKG_PY) -m pip install -q -e '.[package]'
	@$(PKG_PY) -c "import importlib.util as u, sys; sys.exit(u.find_spec('torch') is not None)" || \
		{ echo "torch is installed in $(PKG_VENV): remove that venv, the bundle must not see it"; exit 1; }
	touch $@

$(BUNDLE_EXE): $(BUNDLE_SRC) $(PKG_VENV)/.setup-package
	@test -f resources/models/no-meio-do-caminho.onnx || \
		{ echo "resources/models/no-meio-do-caminho.onnx is missing: the bundle ships it"; exit 1; }
	$(PKG_VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN \
		--distpath dist --workpath build/pyinstaller packaging/caminho.spec
	touch $@

$(DEB): $(BUNDLE_EXE) packaging/build_deb.sh
	bash packaging/build_deb.sh dist/caminho dist

# The bundle (dist/caminho), the .deb and the tarball beside it.
package: $(DEB)

# Builds what is out of date, then checks the .deb and the bundle as a user would meet them.
package-test: $(DEB) $(PKG_VENV)/.setup-package
	bash packaging/package_test.sh
