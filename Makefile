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

# the dashboards' chart library (Apache ECharts) from npm, once per package-lock.json change;
# without npm the API still starts and the pages say the charts are missing
DASHBOARDS := service/infralyzer/dashboards
DASHBOARDS_STAMP := $(DASHBOARDS)/node_modules/.installed

$(DASHBOARDS_STAMP): $(DASHBOARDS)/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix $(DASHBOARDS) --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the dashboards will show tables without charts (install Node.js and npm, then make setup)"; fi

setup: $(STAMP) $(DASHBOARDS_STAMP)

# the sample holds all four exports: a build missing one of them fails instead of publishing less
run: setup
	INFRALYZER_REQUIRED_EXPORTS=$${INFRALYZER_REQUIRED_EXPORTS:-cur2,focus,coh,carbon} $(BIN)/infralyzer run

# the dashboards' browser tests drive Debian's Chromium (Playwright's own browser download fails here)
test: setup
	command -v chromium >/dev/null && command -v chromedriver >/dev/null || (apt-get update && apt-get install -y chromium chromium-driver)
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

# the scale table and rebuild ratios (docs/scale.md); BENCH_ARGS e.g. --scale-sizes 1M,3M or --rebuild-only
bench: setup
	$(BIN)/python bench/benchmark.py $(BENCH_ARGS)

clean:
	rm -rf target target_athena logs data/build/*.duckdb* data/publish/snapshot-*
