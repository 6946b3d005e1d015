# The two commands a newcomer needs: `make run` (build a sample app end to end on
# the local stand-ins) and `make test`. See README.md.
#
# Each first checks the machine and sets it up (scalingo-22-fixtures/tools/dev_env.py):
# the project's Python packages go into the virtual environment $(VENV), never into
# the system Python; `make test` also installs the Debian packages it needs (as root).
# A missing prerequisite is one sentence with its fix.
PYTHON ?= python3
VENV ?= .venv
VENV_PYTHON = $(VENV)/bin/python
# Checked first, with syntax any python3 reads: dev_env.py itself needs 3.10.
CHECK_PYTHON = $(PYTHON) -c 'import sys; sys.version_info >= (3, 10) or sys.exit( \
  "This project needs python3 3.10 or newer, and $(PYTHON) is " + sys.version.split()[0] + \
  ": install a newer python3, or name one with make PYTHON=python3.X ...")'
DEV_ENV = @$(CHECK_PYTHON) && $(PYTHON) scalingo-22-fixtures/tools/dev_env.py
# More pytest arguments: make test PYTEST_ARGS='-x tests/platforms/test_detect.py'
PYTEST_ARGS ?=

.PHONY: run test test-fast lint fixtures package bench

run:
	$(DEV_ENV) run --venv $(VENV)
	$(VENV_PYTHON) scalingo-22-fixtures/tools/demo.py

test:
	$(DEV_ENV) test --venv $(VENV)
	$(VENV_PYTHON) -m pytest $(PYTEST_ARGS)

# Unit and fail-fast tests only (under 2 minutes): everything not marked slow,
# i.e. no test that builds a real Rust app.
test-fast:
	$(DEV_ENV) test --venv $(VENV)
	$(VENV_PYTHON) -m pytest -m "not slow" $(PYTEST_ARGS)

lint:
	$(DEV_ENV) lint --venv $(VENV)
	$(VENV_PYTHON) -m ruff check lib tests scalingo-22-fixtures/tools
	$(VENV_PYTHON) -m ruff format --check lib tests scalingo-22-fixtures/tools

# Build the rustup mirror and the crates registry once (tests do it on demand).
fixtures:
	$(DEV_ENV) run --venv $(VENV)
	$(VENV_PYTHON) scalingo-22-fixtures/tools/rustup_mirror.py build
	$(VENV_PYTHON) scalingo-22-fixtures/tools/crates_registry.py build

# The private-tarball form of the buildpack: dist/classic-bp-<version>.tgz with the
# runtime packages vendored (fetched from PIP_INDEX_URL or PyPI); prints its sha256.
package:
	$(PYTHON) scalingo-22-fixtures/tools/package_buildpack.py $(CURDIR)/dist

# Rebuild speed against baselines measured in the same run (see bench.py);
# writes bench-results/ (Markdown, JSON, PNG). Takes about 20 minutes with
# --repeat 1 (BENCH_ARGS="--repeat 1"); BENCH_ARGS="--parts ..." runs only some parts;
# BENCH_ARGS="--emk DIR" (a checkout of emk/heroku-buildpack-rust) adds the old
# Heroku Rust buildpack as a baseline; "--emk DIR --pairs 8" compares the
# one-file rebuild with it in 8 alternating pairs.
bench:
	$(DEV_ENV) bench --venv $(VENV)
	$(VENV_PYTHON) scalingo-22-fixtures/tools/bench.py $(BENCH_ARGS)
