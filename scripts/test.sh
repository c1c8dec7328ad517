#!/usr/bin/env bash
# Every test of the project, in the order that fails fastest. Run through `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export PATH="$PWD/$BIN:$PATH"

echo "== 1/3 pytest: generator, layout, publish, API, and dbt build (all data + unit tests) on generated exports"
# on every core (pytest-xdist; a file stays on one worker, so its module fixtures are made once)
"$BIN/pytest" -q -n "${INFRALYZER_TEST_WORKERS:-2}" --dist loadfile --durations=25

echo "== 2/3 sqlfluff lint (dbt templater)"
"$BIN/sqlfluff" lint models tests analyses --processes 2
(cd examples && "../$BIN/sqlfluff" lint .)  # plain SQL with $name placeholders (examples/.sqlfluff)

echo "== 3/3 Athena portability: compile every model for Athena offline, then check the SQL"
"$BIN/infralyzer" check-athena

echo "All checks passed."
