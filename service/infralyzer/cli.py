"""`infralyzer`: the Python parts of the job (sample exports, publishing, the API, checks).

Analytics engineers still run plain `dbt build`; `infralyzer run` is the one-command main job.
"""

from __future__ import annotations

import logging
import sys
from datetime import date
from pathlib import Path

import click

from infralyzer.settings import Settings, get_settings


def previous_periods(months: int, end_period: str | None = None) -> list[str]:
    """`months` billing periods ending with `end_period` (default: the last complete month)."""
    if end_period:
        year, month = (int(part) for part in end_period.split("-"))
    else:
        today = date.today()
        year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    periods = []
    for _ in range(months):
        periods.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(periods)


def _has_exports(settings: Settings) -> bool:
    """Any complete delivery, whatever the export is named (a synced `acme-cur/` counts, not only `cur2/`)."""
    from infralyzer.exports.layout import MANIFEST_SUFFIX

    return any(Path(settings.exports_dir).glob(f"*/metadata/**/*{MANIFEST_SUFFIX}"))


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def main(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s")


@main.command()
@click.option("--exports-dir", type=click.Path(path_type=Path), help="Default: INFRALYZER_EXPORTS_DIR or data/exports.")
@click.option("--months", default=3, show_default=True, help="Billing periods to generate.")
@click.option("--end-period", help="Last billing period, YYYY-MM (default: the last complete month).")
@click.option("--line-items-per-month", "-n", default=20_000, show_default=True, help="CUR line items per month.")
@click.option("--seed", default=42, show_default=True)
@click.option("--redeliver", "redeliver_period", metavar="YYYY-MM", help="Re-deliver this one period with changed contents.")
@click.option("--revision", default=1, show_default=True, help="Which re-delivery (with --redeliver).")
@click.option("--carbon-lag-months", default=0, show_default=True, type=click.IntRange(min=0),
              help="Leave the carbon export of the last this many periods undelivered, as the real export lags.")
@click.option("--anomalies", is_flag=True, help="Inject labelled spend anomalies (listed in the answer key).")
@click.option("--implementations", is_flag=True,
              help="Carry out some Cost Optimization Hub recommendations (their realised savings are in the answer key).")
def generate(exports_dir, months, end_period, line_items_per_month, seed, redeliver_period, revision,
             carbon_lag_months, anomalies, implementations) -> None:
    """Write sample CUR 2.0, FOCUS 1.2, COH and carbon exports in the AWS layout, with an answer key."""
    from infralyzer.exports.generate import generate as generate_exports
    from infralyzer.exports.generate import redeliver

    target = Path(exports_dir or get_settings().exports_dir)
    if redeliver_period:
        redeliver(target, period=redeliver_period, seed=seed, revision=revision, progress=True)
        click.echo(f"Re-delivered {redeliver_period} (revision {revision}) under {target}")
        return
    periods = previous_periods(months, end_period)
    generate_exports(target, periods=periods, line_items_per_month=line_items_per_month, seed=seed, progress=True,
                     carbon_lag_months=carbon_lag_months, anomalies=anomalies, implementations=implementations)
    click.echo(f"Wrote {', '.join(periods)} under {target} (answer key: {target / '_answer_key' / 'answer_key.json'})")


@main.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Sources file (default: INFRALYZER_CONFIG, else ./infralyzer.yml).")
@click.option("--source", "source_uris", multiple=True, metavar="s3://BUCKET/PREFIX",
              help="Sync this location instead of the configured sources (repeatable).")
@click.option("--region", help="With --source: the bucket's region.")
@click.option("--profile", help="With --source: the AWS profile.")
@click.option("--endpoint-url", help="With --source: an S3-compatible endpoint.")
@click.option("--target", type=click.Choice(["local", "athena"]), default="local", show_default=True,
              help="local: download into the exports folder; athena: maintain the Glue tables, partitions and "
                   "deliveries table over the S3 layout (nothing is downloaded).")
@click.option("--exports-dir", type=click.Path(path_type=Path), help="Default: the config's, else INFRALYZER_EXPORTS_DIR.")
@click.option("--workers", type=int, help="Parallel downloads (default 8).")
@click.option("--max-bytes-per-second", type=int, help="Limit the download bandwidth.")
@click.option("--dry-run", is_flag=True, help="Show what would be downloaded (files, bytes); write nothing.")
def sync(config_path, source_uris, region, profile, endpoint_url, target, exports_dir, workers, max_bytes_per_second,
         dry_run) -> None:
    """Bring the AWS Data Exports in from S3: every export under the configured bucket prefixes,
    recognised by its columns; only new or changed deliveries are downloaded, each billing period
    is swapped in whole."""
    from infralyzer.sync import Source, SyncError, load_config
    from infralyzer.sync import sync as run_sync

    overrides = {"workers": workers, "max_bytes_per_second": max_bytes_per_second, "exports_dir": exports_dir}
    if source_uris:
        overrides["sources"] = [
            Source(bucket=uri.removeprefix("s3://").partition("/")[0], prefix=uri.removeprefix("s3://").partition("/")[2],
                   region=region, profile=profile, endpoint_url=endpoint_url)
            for uri in source_uris
        ]
    try:
        config = load_config(config_path, **overrides)
        settings = get_settings()
        run_sync(config, exports_dir=Path(config.exports_dir or settings.exports_dir), project_dir=settings.project_dir,
                 target=target, dry_run=dry_run, progress=sys.stderr.isatty(), echo=click.echo)
    except (SyncError, FileNotFoundError, ValueError) as error:
        raise click.ClickException(str(error)) from error


@main.command()
@click.option("--prune/--no-prune", default=True, show_default=True, help="Delete old snapshots.")
def publish(prune: bool) -> None:
    """Show the served snapshot and prune old ones (dbt publishes on every successful build)."""
    from infralyzer.publish import latest_snapshot
    from infralyzer.publish import prune as prune_snapshots

    settings = get_settings()
    info = latest_snapshot(settings.publish_dir)
    if info is None:
        raise click.ClickException(f"No complete snapshot in {settings.publish_dir}: run `dbt build` first.")
    click.echo(f"Serving {info.path.name}: built {info.built_at}, newest billing period {info.newest_billing_period}")
    if prune:
        for path in prune_snapshots(settings.publish_dir, settings.publish_keep):
            click.echo(f"Pruned {path.name}")


@main.command()
@click.option("--host", default=None, help="Default: INFRALYZER_API_HOST or 127.0.0.1.")
@click.option("--port", default=None, type=int, help="Default: INFRALYZER_API_PORT or 8000.")
@click.option("--workers", default=1, show_default=True, help="Worker processes (each reads the snapshots "
              "read-only; more than one uses more cores).")
def serve(host: str | None, port: int | None, workers: int = 1) -> None:
    """Serve the newest published snapshot over HTTP (read-only)."""
    import uvicorn

    from infralyzer.api.app import create_app

    settings = get_settings()
    host, port = host or settings.api_host, port or settings.api_port
    click.echo(f"Dashboards: http://{host}:{port}/  API docs: http://{host}:{port}/docs")
    if workers > 1:  # each worker builds its app from the same environment
        uvicorn.run("infralyzer.api.app:create_app", factory=True, host=host, port=port, workers=workers)
    else:
        uvicorn.run(create_app(settings.publish_dir), host=host, port=port)


@main.command()
@click.option("--line-items-per-month", "-n", default=20_000, show_default=True, help="Sample size if no exports exist.")
@click.option("--serve/--no-serve", "serve_api", default=True, show_default=True, help="Start the API afterwards.")
@click.pass_context
def run(ctx: click.Context, line_items_per_month: int, serve_api: bool) -> None:
    """The main job: sample exports (if none) -> dbt build -> published marts -> API on localhost."""
    from infralyzer.dbt_runner import run_dbt

    settings = get_settings()
    if not _has_exports(settings):
        click.echo(f"No exports under {settings.exports_dir}: generating a sample.")
        ctx.invoke(generate, line_items_per_month=line_items_per_month)
        settings.required_exports = "cur2,focus,coh,carbon"  # the sample holds all four
    result = run_dbt(settings, "build", check=False)
    if result.returncode != 0:
        click.echo("dbt build failed; the last published snapshot (if any) is still served.", err=True)
    ctx.invoke(publish, prune=True)
    if serve_api:
        ctx.invoke(serve)
    if result.returncode != 0:
        sys.exit(result.returncode)


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--unit-tests/--no-unit-tests", default=False, show_default=True,
              help="Run dbt's unit tests too. They test the SQL, not the data: CI (`make test`) runs them on "
                   "every change, so a scheduled build after a new delivery leaves them out.")
@click.pass_context
def build(ctx: click.Context, unit_tests: bool) -> None:
    """`dbt build` the way a scheduled job runs it beside the API: every model, seed and data test,
    at a lower CPU priority (INFRALYZER_BUILD_NICENESS), with the project's settings. Extra
    arguments go to dbt. A successful build publishes a new snapshot, which a running API switches
    to by itself."""
    from infralyzer.dbt_runner import run_dbt

    args = [] if unit_tests else ["--exclude-resource-type", "unit_test"]
    sys.exit(run_dbt(get_settings(), "build", *args, *ctx.args, check=False).returncode)


@main.command("check-athena")
@click.option("--target-path", default="target_athena", show_default=True)
def check_athena(target_path: str) -> None:
    """Compile every model for Athena (offline, both the full and the incremental branch) and fail
    on DuckDB-only SQL in the compiled output."""
    from infralyzer.checks.athena_portability import main as check_main
    from infralyzer.dbt_runner import run_dbt

    settings = get_settings()
    folders = []
    for branch, incremental in (("full", "0"), ("incremental", "1")):
        path = f"{target_path}/{branch}"
        run_dbt(
            settings,
            "compile", "--target", "athena", "--target-path", path, "--no-populate-cache", "--quiet",
            extra_env={"INFRALYZER_OFFLINE_COMPILE": "1", "INFRALYZER_COMPILE_INCREMENTAL": incremental},
        )
        folders.append(str(settings.project_dir / path / "compiled"))
    sys.exit(check_main(folders))


@main.group()
def budgets() -> None:
    """Budgets (the dbt seed seeds/budgets.csv, compared with actual and forecast in fct_budget_status)."""


@budgets.command("import")
@click.option("--account-id", help="Account whose AWS Budgets to read (default: the caller's, from STS).")
@click.option("--profile", help="AWS profile.")
@click.option("--seed-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Default: seeds/budgets.csv of the project (replaced).")
@click.option("--dry-run", is_flag=True, help="Print the seed instead of writing it.")
def budgets_import(account_id: str | None, profile: str | None, seed_file: Path | None, dry_run: bool) -> None:
    """Write the cost budgets of AWS Budgets as the budgets seed (what maps: infralyzer.budgets_import)."""
    import boto3

    from infralyzer.budgets_import import import_budgets, seed_csv

    settings = get_settings()
    session = boto3.Session(profile_name=profile)
    account_id = account_id or session.client("sts").get_caller_identity()["Account"]
    seeds = settings.project_dir / "seeds"
    rows, skipped = import_budgets(session.client("budgets", region_name="us-east-1"), account_id,
                                   seed_file or seeds / "budgets.csv", seeds / "aws_service_categories.csv",
                                   dry_run=dry_run)
    if dry_run:
        click.echo(seed_csv(rows), nl=False)
    click.echo(f"{len(rows)} budget(s) imported, {len(skipped)} left out", err=True)


# the Python client from a shell: `infralyzer query`, `infralyzer metrics` (infralyzer/client/commands.py)
from infralyzer.client.commands import metrics as _metrics_command, query as _query_command  # noqa: E402

main.add_command(_query_command)
main.add_command(_metrics_command)


@main.command("mcp")
def mcp_command() -> None:
    """Serve the MCP server over stdio, for a desktop assistant (docs/mcp.md): the semantic layer's
    tools, guarded SQL and the FinOps answers on the newest published marts. With API keys
    configured, answers as the key in INFRALYZER_API_KEY."""
    from infralyzer.mcp.stdio import serve

    serve(get_settings())


if __name__ == "__main__":
    main()
