"""Offline check that compiled dbt SQL is portable to AWS Athena (engine v3, Trino).

Infralyzer's models build on DuckDB locally and on Athena in production. CI compiles every model
for the Athena target (no AWS access) and runs this module over the compiled SQL::

    python -m infralyzer.checks.athena_portability target/compiled/

Why not just ``sqlglot.parse(sql, read="athena")``: sqlglot's Athena/Trino reader accepts (and
silently normalises away) most DuckDB-only syntax -- ``select * exclude``, ``::`` casts,
``ilike``, ``group by all``, ``{...}`` / ``[...]`` literals, ``from 'file.parquet'``,
``list_value``, ``strftime`` ... So the check reads the SQL with the DuckDB dialect, which *sees*
those constructs, and reports every one Trino does not have:

* tokens (which keep the text as written, and line numbers) for operators and clauses:
  ``::``, ``//``, ``**``, ``{``, list literals and slices, ``ilike``, ``qualify``, ``group by all``,
  ``using sample``, ``distinct on``, ``union by name``, ``#1``, unquoted ``interval 3 month``,
  DuckDB type names in casts, DuckDB-only statements (``install``, ``attach``, ``pragma``,
  ``create macro`` ...);
* the sqlglot AST to find which tokens are function calls; every function name *as written*
  is compared, case-insensitively, with the Trino/Athena allowlist in ``trino_functions.txt``;
* ``sqlglot.parse(sql, read="athena")`` for the remainder: a statement it rejects is reported as
  ``unparseable``.

Comments are not tokens, so nothing inside ``--`` or ``/* */`` is ever reported. Hive DDL that
Athena runs on its Hive engine (``create external table``, ``alter table ... add partition``,
``msck``, ``drop``, ``show``, ``describe``) is only checked for parseability.

This module is the entry point (files, parallel workers, the command line). The check is in
``athena_statements`` (reading SQL into statements), ``athena_rules`` (the rules) and
``athena_vocabulary`` (what Trino/Athena accepts: the function allowlist, types, keywords).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from infralyzer.checks.athena_rules import Checker
from infralyzer.checks.athena_vocabulary import ALLOWLIST_PATH, Violation, trino_functions

__all__ = ["ALLOWLIST_PATH", "Violation", "check_sql", "check_paths", "main", "trino_functions"]

_PARALLEL_MIN_FILES = 40


def check_sql(sql: str, path: str = "<sql>") -> list[Violation]:
    """All DuckDB-only / non-Athena constructs in sql (one or more statements)."""
    if not sql.strip():
        return []
    return Checker(sql, path).run()


def _sql_files(paths: Iterable[Path]) -> Iterator[Path]:
    seen: set[Path] = set()
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.sql") if p.is_file())
        elif path.is_file():
            found = [path]
        else:
            raise FileNotFoundError(f"no such file or directory: {path}")
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                yield file


def _check_file(file: Path) -> list[Violation]:
    text = Path(file).read_text(encoding="utf-8", errors="replace")
    return check_sql(text, str(file))


def _default_jobs(n_files: int) -> int:
    if n_files < _PARALLEL_MIN_FILES or "fork" not in mp.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def check_paths(paths: Iterable[Path], *, jobs: int | None = None) -> list[Violation]:
    """Check files, and directories recursively (every *.sql below them).

    Large batches are spread over up to `jobs` worker processes (default: the CPU count, at
    most 4, from 40 files on); the result is in file order either way.
    """
    files = list(_sql_files(paths))
    jobs = _default_jobs(len(files)) if jobs is None else max(1, jobs)
    if jobs > 1 and len(files) > 1:
        try:
            context = mp.get_context("fork")
            chunksize = max(1, len(files) // (jobs * 4))
            with context.Pool(processes=min(jobs, len(files))) as pool:
                results = pool.map(_check_file, files, chunksize=chunksize)
            return [v for result in results for v in result]
        except (OSError, ValueError):  # no fork / no processes here: do it in-process
            pass
    return [v for file in files for v in _check_file(file)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infralyzer.checks.athena_portability",
        description="Report DuckDB-only SQL in compiled dbt models that must also run on "
        "AWS Athena (engine v3 / Trino).",
    )
    parser.add_argument("paths", nargs="+", type=Path, help="*.sql files or directories")
    parser.add_argument(
        "--jobs", "-j", type=int, default=None,
        help="worker processes (default: CPU count, at most 4, for 40 files or more)",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        files = list(_sql_files(args.paths))
    except FileNotFoundError as error:
        print(f"athena-portability: {error}", file=sys.stderr)
        return 2
    violations = check_paths(files, jobs=args.jobs)
    for violation in violations:
        print(violation.format())
    bad_files = len({v.path for v in violations})
    if violations:
        print(
            f"athena-portability: {len(violations)} violation(s) in {bad_files} of "
            f"{len(files)} file(s)"
        )
        return 1
    print(f"athena-portability: {len(files)} file(s) checked, no DuckDB-only SQL found")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
