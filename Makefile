# The two commands a newcomer needs: `make run` (build a sample app end to end on
# the local stand-ins) and `make test`. See README.md.
PYTHON ?= python3

.PHONY: run test test-fast lint fixtures package bench

run:
	$(PYTHON) scalingo-22-fixtures/tools/demo.py

test:
	$(PYTHON) -m pytest

# Unit and fail-fast tests only (under 2 minutes): everything not marked slow,
# i.e. no test that builds a real Rust app.
test-fast:
	$(PYTHON) -m pytest -m "not slow"

lint:
	ruff check lib tests scalingo-22-fixtures/tools
	ruff format --check lib tests scalingo-22-fixtures/tools

# Build the rustup mirror and the crates registry once (tests do it on demand).
fixtures:
	$(PYTHON) scalingo-22-fixtures/tools/rustup_mirror.py build
	$(PYTHON) scalingo-22-fixtures/tools/crates_registry.py build

# The private-tarball form of the buildpack: dist/classic-bp-<version>.tgz with the
# runtime packages vendored (fetched from PIP_INDEX_URL or PyPI); prints its sha256.
package:
	cd lib && $(PYTHON) -m classic_bp.package $(CURDIR)/dist

# Rebuild speed against baselines measured in the same run (see bench.py);
# writes bench-results/ (Markdown, JSON, PNG). Takes about 15 minutes.
bench:
	$(PYTHON) -m pip install -q matplotlib
	$(PYTHON) scalingo-22-fixtures/tools/bench.py $(BENCH_ARGS)
