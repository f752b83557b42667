# spendkit: the common tasks. `make run` sets everything up and classifies the sample ledger;
# `make test` checks the code (ruff, mypy, the layers contract) and runs the tests (the fuzz suite
# for a fixed budget); CI runs it. `make fuzz` fuzzes for longer.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup run test lint fuzz bench bench-10m profile reliability accuracy samples realdata clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: setup
	$(BIN)/spendkit classify data/samples/ledger.xlsx --place Wigan \
		--suppliers data/samples/suppliers.csv --out classified.xlsx

test: lint
	$(BIN)/python -m pytest

# The fuzz suite (tests/fuzz) runs in `make test` for a small fixed budget; this runs it ten
# times longer, with a new random draw each time.
fuzz: setup
	SPENDKIT_FUZZ=fuzz $(BIN)/python -m pytest tests/fuzz -p no:cacheprovider

lint: setup
	$(BIN)/ruff check --no-cache src tests scripts
	$(BIN)/mypy src
	$(BIN)/lint-imports --no-cache

bench: setup
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python scripts/bench_read.py
	$(BIN)/python scripts/bench/run.py

bench-10m: setup
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python scripts/bench/run.py --sizes 10m --runs 1

profile: setup
	$(BIN)/python scripts/bench/profile_spendkit.py

reliability: setup
	$(BIN)/python scripts/reliability.py

# spendkit against the real ground truths in ../shared/realdata: writes docs/accuracy.md.
accuracy: setup
	$(BIN)/python scripts/accuracy.py

samples: setup
	$(BIN)/python scripts/make_samples.py

realdata: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" ../shared/tools/try-realdata

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache classified*.xlsx
