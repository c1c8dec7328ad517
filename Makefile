# The two commands of the README:
#   make run    sample exports (if none) -> dbt build -> published marts -> API on localhost:8000
#   make test   pytest (incl. dbt build with every data and unit test on generated exports),
#               sqlfluff lint, and the offline Athena portability check
#   make test-trino   the models built on a Trino server (Athena's engine) and compared with the
#               DuckDB build; needs a JDK >= 24 under /usr/lib/jvm and Maven (installed with
#               apt-get if missing); Trino is fetched once into ~/.cache/infralyzer/trino
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test test-trino lint athena-check bench clean

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

test-trino: setup
	command -v mvn >/dev/null || (apt-get update && apt-get install -y maven)
	$(BIN)/pip install --quiet -e '.[test,trino]'
	$(BIN)/python service/tests/trino/trino_server.py install
	INFRALYZER_TRINO_TESTS=1 $(BIN)/pytest -q --durations=8 service/tests/trino

lint: setup
	$(BIN)/sqlfluff lint models tests analyses

athena-check: setup
	$(BIN)/infralyzer check-athena

clean:
	rm -rf target target_athena logs data/build/*.duckdb* data/publish/snapshot-*
