# The two commands of the README:
#   make run    sample exports (if none) -> dbt build -> published marts -> API on localhost:8000
#   make test   pytest (incl. dbt build with every data and unit test on generated exports),
#               sqlfluff lint, and the offline Athena portability check
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint athena-check bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# the sample holds all four exports: a build missing one of them fails instead of publishing less
run: setup
	INFRALYZER_REQUIRED_EXPORTS=$${INFRALYZER_REQUIRED_EXPORTS:-cur2,focus,coh,carbon} $(BIN)/infralyzer run

test: setup
	./scripts/test.sh

lint: setup
	$(BIN)/sqlfluff lint models tests analyses

athena-check: setup
	$(BIN)/infralyzer check-athena

clean:
	rm -rf target target_athena logs data/build/*.duckdb* data/publish/snapshot-*
