"""`infralyzer query` and `infralyzer metrics`: the Python client from a shell (registered in cli.py).

Both read the newest local snapshot, or a running API with `--url` (INFRALYZER_URL) and `--key`
(INFRALYZER_API_KEY). A table in the terminal (Polars' own formatting), or CSV, JSON (one object
per row, decimals as exact strings) or Parquet with `--format` / `-o` (the format follows the
file's suffix). A refused query exits 1 with the API's error code and message.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

FORMATS = ("table", "csv", "json", "parquet")


def _connection_options(command):
    command = click.option("--url", envvar="INFRALYZER_URL",
                           help="A running API (http://host:port); default: the newest local snapshot.")(command)
    command = click.option("--key", envvar="INFRALYZER_API_KEY", help="The API key (with --url).")(command)
    command = click.option("--publish-dir", type=click.Path(path_type=Path, file_okay=False),
                           help="Local snapshots folder (default INFRALYZER_PUBLISH_DIR or data/publish).")(command)
    command = click.option("--format", "fmt", type=click.Choice(FORMATS),
                           help="Output format (default: from -o's suffix, else a table).")(command)
    command = click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
                           help="Write to this file instead of standard output.")(command)
    return command


def _connect(url: str | None, key: str | None, publish_dir: Path | None, full_access: bool = False):
    from infralyzer.client import connect

    if not click.get_current_context().find_root().params.get("verbose"):
        logging.getLogger().setLevel(logging.WARNING)  # the answer, not MetricFlow's or HTTP's progress
    if url:
        if full_access:
            raise click.UsageError("--full-access is for a local snapshot, not --url.")
        return connect(url, key=key)
    return connect(publish_dir, full_access=full_access)


def _write(df, fmt: str | None, output: Path | None) -> None:
    fmt = fmt or (output.suffix.lstrip(".").lower() if output and output.suffix.lstrip(".").lower() in FORMATS
                  else "table")
    if fmt == "table":
        import polars as pl

        with pl.Config(tbl_rows=200, tbl_cols=-1, fmt_str_lengths=60, tbl_hide_dataframe_shape=True):
            text = str(df)
        freshness = df.infralyzer.freshness
        note = f"{df.height} row(s)" + (" (truncated by the row limit)" if df.infralyzer.truncated else "")
        if freshness is not None:
            note += (f" · snapshot {freshness.snapshot}, built {freshness.built_at}, newest billing period "
                     f"{freshness.newest_billing_period}")
        if output:
            output.write_text(text + "\n")
        else:
            click.echo(text)
        click.echo(note, err=True)
    elif fmt == "csv":
        df.write_csv(output) if output else sys.stdout.write(df.write_csv())
    elif fmt == "json":
        df.write_json(output) if output else click.echo(df.write_json())
    elif output is None:
        raise click.UsageError("Parquet is binary: write it to a file with -o.")
    else:
        df.write_parquet(output)


def _run(call) -> Any:
    from infralyzer.api.errors import ApiError

    try:
        return call()
    except ApiError as exc:
        details = f" {json.dumps(exc.details, default=str)[:2000]}" if exc.details else ""
        raise click.ClickException(f"{exc.error}: {exc.message}{details}") from exc


def _pairs(values: tuple[str, ...], option: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for value in values:
        name, sep, raw = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{value!r} is not name=value", param_hint=option)
        out[name] = raw.split(",") if "," in raw else raw
    return out


@click.command()
@click.argument("sql", required=False)
@click.option("-f", "--file", "sql_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Run the SELECT in this .sql file.")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Value of a $NAME placeholder of the file (a,b,c: a list, for `in $NAME`); repeatable.")
@click.option("--limit", type=int, help="Rows at most (and at most the guard's row limit).")
@click.option("--full-access", is_flag=True,
              help="Your own snapshot, unguarded (local only): any read-only SQL, your own files too.")
@_connection_options
def query(sql, sql_file, params, limit, full_access, url, key, publish_dir, fmt, output) -> None:
    """One read-only SELECT over the published marts (`marts.<table>`), checked by the API's SQL
    guard: `infralyzer query "select ..."` or `infralyzer query -f report.sql -p period=2026-09`."""
    if (sql is None) == (sql_file is None):
        raise click.UsageError("Give the SQL as an argument or with -f FILE (one of them).")
    client = _connect(url, key, publish_dir, full_access)
    with client:
        if sql_file is not None:
            df = _run(lambda: client.sql_file(sql_file, _pairs(params, "--param"), limit=limit))
        else:
            if params:
                raise click.UsageError("--param goes with -f FILE.")
            df = _run(lambda: client.sql(sql, limit=limit))
    _write(df, fmt, output)


@click.command()
@click.argument("metric_names", nargs=-1, metavar="METRIC...")
@click.option("--list", "list_metrics", is_flag=True, help="List the metrics (name, type, description) instead.")
@click.option("--by", "group_by", multiple=True,
              help="Group by a dimension or entity (service, metric_time__month, account__account_name); repeatable.")
@click.option("--from", "period_from", metavar="YYYY-MM", help="First billing period.")
@click.option("--to", "period_to", metavar="YYYY-MM", help="Last billing period.")
@click.option("--where", "where", multiple=True, metavar="DIMENSION=VALUE",
              help="Keep rows whose dimension has this value (a,b: any of them); repeatable.")
@click.option("--order-by", multiple=True, help="Metric or group-by, `-` for descending; repeatable.")
@click.option("--limit", type=int)
@_connection_options
def metrics(metric_names, list_metrics, group_by, period_from, period_to, where, order_by, limit, url, key,
            publish_dir, fmt, output) -> None:
    """Metrics of the semantic layer (MetricFlow): `infralyzer metrics effective_cost --by service
    --from 2026-01`; `infralyzer metrics --list` names them (their dimensions: `connect().metrics()`)."""
    if bool(metric_names) == list_metrics:
        raise click.UsageError("Name one or more metrics, or --list them.")
    client = _connect(url, key, publish_dir)
    with client:
        if list_metrics:
            listed = _run(client.metrics)
            df = _keep_answer(listed.select("name", "type", "description"), listed)
        else:
            df = _run(lambda: client.metric(list(metric_names), list(group_by), _pairs(where, "--where"),
                                            from_=period_from, to=period_to, order_by=list(order_by), limit=limit))
    _write(df, fmt, output)


def _keep_answer(derived, original):
    """`derived` with the answer (freshness) of the frame it was selected from."""
    from infralyzer.client.answers import frame

    return frame(derived, original.infralyzer.answer)
