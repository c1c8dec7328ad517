"""Legacy CUR (CUR 1.0) copies of a generated CUR 2.0 month, in the layouts AWS delivers legacy CUR in.

    manifest = write_legacy_cur(exports_dir, "2026-09", out_dir, file_format="csv")

reads the CUR 2.0 delivery of the period from `<exports_dir>/cur2/` (through its manifest) and
writes the same line items as a legacy Cost and Usage Report under `out_dir`:

* ``file_format="csv"`` (report versioning CREATE_NEW_REPORT, GZIP CSV, slash names such as
  ``lineItem/UsageAmount``, ``resourceTags/user:team``)::

      <prefix>/<report>/yyyymmdd-yyyymmdd/<assemblyId>/<report>-<n>.csv.gz
      <prefix>/<report>/yyyymmdd-yyyymmdd/<assemblyId>/<report>-Manifest.json
      <prefix>/<report>/yyyymmdd-yyyymmdd/<report>-Manifest.json      (names the current assembly)

  A second call for the same period writes a new assembly beside the old one, which stays on disk
  as AWS leaves it; only the period manifest (written last, atomically) says which one is current.
* ``file_format="parquet"`` (the Athena integration, OVERWRITE_REPORT, snake names such as
  ``line_item_usage_amount``, ``resource_tags_user_team``)::

      <prefix>/<report>/<report>/year=YYYY/month=M/<report>-<0000n>.snappy.parquet
      <prefix>/<report>/yyyymmdd-yyyymmdd/<report>-Manifest.json

The CUR 2.0 map columns become one column per key, as legacy CUR has them: ``product`` keys
``product/<camelKey>``, ``resource_tags`` keys ``user_<key>`` / ``aws_<key>`` become
``resourceTags/user:<key>`` / ``resourceTags/aws:<key>``, ``cost_category`` keys
``costCategory/<name>`` and ``discount`` keys ``discount/<PascalKey>``.

Legacy CUR cannot carry everything CUR 2.0 carries (see docs/legacy_cur.md):
`legacy_expressible` gives the CUR 2.0 rows reduced to what a legacy report of the given format
holds, which is the CUR 2.0 side of the golden test (same charges in both shapes).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import uuid
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from infralyzer.exports.layout import partition_dir, read_manifest

# CUR 2.0 column prefix -> legacy category (the part before the slash)
CATEGORIES = {
    "bill": "bill",
    "identity": "identity",
    "line_item": "lineItem",
    "pricing": "pricing",
    "product": "product",
    "reservation": "reservation",
    "savings_plan": "savingsPlan",
    "split_line_item": "splitLineItem",
    "discount": "discount",
}
# Columns CUR 2.0 added (AWS "Migrating from CUR to CUR 2.0"): a legacy report has none of them.
CUR2_ONLY_COLUMNS = ("bill_payer_account_name", "line_item_usage_account_name", "line_item_iam_principal", "tags")
# Legacy CUR writes these categories' attribute names in lower camel case (pricing/publicOnDemandCost,
# product/instanceType); the others in Pascal case (lineItem/UsageAmount). Readers must not care.
_LOWER_CAMEL = {"pricing", "product"}
_TAG_SOURCES = ("user", "aws")


def athena_name(legacy_name: str) -> str:
    """AWS's column name for the Athena (Parquet) layout: `lineItem/UsageAmount` -> `line_item_usage_amount`,
    `reservation/ReservationARN` -> `reservation_reservation_a_r_n`, `resourceTags/user:Team` ->
    `resource_tags_user_team` (the same rule made the CUR 2.0 names)."""
    spaced = re.sub(r"([A-Z])", r"_\1", legacy_name).lower()
    return re.sub(r"[^a-z0-9]+", "_", spaced).strip("_")


def _camel(snake: str, *, lower_first: bool) -> str:
    parts = snake.split("_")
    text = "".join(p[:1].upper() + p[1:] for p in parts)
    return text[:1].lower() + text[1:] if lower_first else text


def legacy_column_name(cur2_column: str) -> str:
    """`line_item_usage_amount` -> `lineItem/UsageAmount`, `pricing_public_on_demand_cost` ->
    `pricing/publicOnDemandCost`, `reservation_reservation_a_r_n` -> `reservation/ReservationARN`."""
    for prefix in sorted(CATEGORIES, key=len, reverse=True):
        if cur2_column.startswith(prefix + "_"):
            category = CATEGORIES[prefix]
            name = _camel(cur2_column[len(prefix) + 1:], lower_first=category in _LOWER_CAMEL)
            legacy = f"{category}/{name}"
            if athena_name(legacy) != cur2_column:
                raise ValueError(f"{cur2_column!r} has no legacy name that maps back to it")
            return legacy
    raise ValueError(f"{cur2_column!r} is not a CUR column of a known category")


def legacy_map_column_name(map_column: str, key: str) -> str:
    """The legacy column of one key of a CUR 2.0 map column."""
    if map_column == "product":
        return f"product/{_camel(key, lower_first=True)}"
    if map_column == "discount":
        return f"discount/{_camel(key, lower_first=False)}"
    if map_column == "cost_category":
        return f"costCategory/{key}"
    if map_column == "resource_tags":
        source, _, tag_key = key.partition("_")
        if source not in _TAG_SOURCES or not tag_key:
            raise ValueError(f"resource tag key {key!r} lacks a user_/aws_ prefix")
        return f"resourceTags/{source}:{tag_key}"
    raise ValueError(f"{map_column!r} is not a CUR 2.0 map column")


def read_cur2_month(exports_dir: Path, billing_period: str) -> pa.Table:
    """The line items of the current CUR 2.0 delivery of a period (the files its manifest lists)."""
    manifest = read_manifest(exports_dir, "cur2", billing_period)
    if manifest is None:
        raise FileNotFoundError(f"no CUR 2.0 delivery of {billing_period} under {exports_dir}/cur2")
    folder = partition_dir(exports_dir, "cur2", "data", billing_period)
    return pa.concat_tables(pq.read_table(folder / key.rsplit("/", 1)[-1]) for key in manifest["dataFiles"])


def _map_keys(column: pa.ChunkedArray) -> list[str]:
    keys = pc.unique(column.combine_chunks().keys) if len(column) else pa.array([], pa.string())
    return sorted(k for k in keys.to_pylist() if k is not None)


def _map_values(column: pa.ChunkedArray, key: str) -> pa.Array:
    return pc.map_lookup(column.combine_chunks(), pa.scalar(key, pa.string()), "first")


def legacy_columns(cur2: pa.Table, file_format: str) -> dict[str, pa.Array]:
    """The legacy report's columns (name -> values), in legacy order: fixed columns, then map keys.
    CSV names are the slash names; Parquet names are AWS's Athena names, where keys that differ only
    in case or punctuation fall into one column (AWS's Parquet cannot tell them apart either)."""
    columns: dict[str, pa.Array] = {}
    for name in cur2.column_names:
        if name in CUR2_ONLY_COLUMNS or isinstance(cur2.schema.field(name).type, pa.MapType):
            continue
        columns[legacy_column_name(name)] = cur2[name].combine_chunks()
    for map_column in ("product", "discount", "cost_category", "resource_tags"):
        for key in _map_keys(cur2[map_column]):
            name = legacy_map_column_name(map_column, key)
            if name in columns:  # CUR 2.0 also holds it as a static column (product_servicecode): that wins
                continue
            columns[name] = _map_values(cur2[map_column], key)
    if file_format == "csv":
        return columns
    merged: dict[str, pa.Array] = {}
    for name, values in columns.items():
        snake = athena_name(name)
        merged[snake] = pc.coalesce(merged[snake], values) if snake in merged else values
    return merged


def legacy_expressible(cur2: pa.Table, file_format: str) -> pa.Table:
    """The CUR 2.0 rows as a legacy report of `file_format` can express them: the CUR 2.0-only
    columns empty (account names, IAM principal), `tags` = the resource tags (legacy CUR has no
    account tags), and in Parquet the tag and cost category keys as AWS's Athena names carry them."""
    table = cur2
    for name in ("bill_payer_account_name", "line_item_usage_account_name", "line_item_iam_principal"):
        table = table.set_column(table.schema.get_field_index(name), name, pa.nulls(len(table), pa.string()))
    if file_format == "parquet":
        for map_column, prefix in (("resource_tags", "resource_tags_"), ("cost_category", "cost_category_")):
            rows = [
                sorted({athena_name(prefix + k)[len(prefix):]: v for k, v in (entries or [])}.items())
                for entries in table[map_column].to_pylist()
            ]
            index = table.schema.get_field_index(map_column)
            table = table.set_column(index, map_column, pa.array(rows, type=table.schema.field(map_column).type))
    return table.set_column(table.schema.get_field_index("tags"), "tags", table["resource_tags"])


def _period_folder(billing_period: str) -> str:
    year, month = (int(p) for p in billing_period.split("-"))
    start = date(year, month, 1)
    end = date(year + month // 12, month % 12 + 1, 1)
    return f"{start:%Y%m%d}-{end:%Y%m%d}"


def _as_csv_text(values: pa.Array) -> pa.Array:
    if pa.types.is_timestamp(values.type):
        return pc.strftime(values, format="%Y-%m-%dT%H:%M:%SZ")
    return pc.cast(values, pa.string())


def _atomic_write_json(path: Path, content: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(json.dumps(content, indent=2))
    os.replace(tmp, path)


def write_legacy_cur(exports_dir: Path, billing_period: str, out_dir: Path, *, file_format: str = "csv",
                     report_name: str = "legacy-cur", prefix: str = "cur", assembly_id: str | None = None,
                     rows_per_file: int = 500_000, cur2: pa.Table | None = None) -> Path:
    """Write one period of the CUR 2.0 export under `exports_dir` (or the given `cur2` rows) as a
    legacy CUR delivery under `out_dir`; return the period manifest, written last."""
    if file_format not in ("csv", "parquet"):
        raise ValueError(f"file_format must be 'csv' or 'parquet', got {file_format!r}")
    cur2 = read_cur2_month(Path(exports_dir), billing_period) if cur2 is None else cur2
    columns = legacy_columns(cur2, file_format)
    assembly_id = assembly_id or str(uuid.uuid4())
    report_root = Path(out_dir) / prefix / report_name
    period_folder = _period_folder(billing_period)
    year, month = (int(p) for p in billing_period.split("-"))
    data_dir = (report_root / period_folder / assembly_id if file_format == "csv"
                else report_root / report_name / f"year={year}" / f"month={month}")
    data_dir.mkdir(parents=True, exist_ok=True)
    table = pa.table(columns)
    files: list[Path] = []
    for number, offset in enumerate(range(0, max(table.num_rows, 1), rows_per_file), start=1):
        chunk = table.slice(offset, rows_per_file)
        if file_format == "csv":
            path = data_dir / f"{report_name}-{number}.csv.gz"
            text = pa.table({name: _as_csv_text(chunk[name].combine_chunks()) for name in chunk.column_names})
            with gzip.open(path, "wb") as handle:
                pacsv.write_csv(text, handle)
        else:
            path = data_dir / f"{report_name}-{number:05d}.snappy.parquet"
            # AWS's legacy Parquet has naive timestamps (UTC)
            naive = pa.table({name: (pc.cast(chunk[name], pa.timestamp("ms"))
                                     if pa.types.is_timestamp(chunk.schema.field(name).type) else chunk[name])
                              for name in chunk.column_names})
            pq.write_table(naive, path, compression="snappy")
        files.append(path)
    if file_format == "parquet":  # OVERWRITE_REPORT: files the new delivery does not list go
        for stale in data_dir.glob("*.parquet"):
            if stale not in files:
                stale.unlink()
    bucket = "infralyzer-legacy-sample"
    payer = cur2["bill_payer_account_id"][0].as_py() if cur2.num_rows else ""
    manifest = {
        "assemblyId": assembly_id,
        "account": payer,
        # the columns as AWS lists them, in legacy (slash) form whatever the file format
        "columns": [{"category": name.split("/", 1)[0], "name": name.split("/", 1)[1]}
                    for name in (columns if file_format == "csv" else legacy_columns(cur2, "csv"))],
        "charset": "UTF-8",
        "compression": "GZIP" if file_format == "csv" else "Parquet",
        "contentType": "text/csv" if file_format == "csv" else "Parquet",
        "reportId": hashlib.sha256(f"{payer}/{report_name}".encode()).hexdigest(),
        "reportName": report_name,
        "billingPeriod": {"start": f"{period_folder[:8]}T000000.000Z", "end": f"{period_folder[9:]}T000000.000Z"},
        "bucket": bucket,
        "reportKeys": [f"{prefix}/{path.relative_to(Path(out_dir) / prefix).as_posix()}" for path in files],
        "additionalArtifactKeys": [],
    }
    if file_format == "csv":
        _atomic_write_json(data_dir / f"{report_name}-Manifest.json", manifest)
    period_manifest = report_root / period_folder / f"{report_name}-Manifest.json"
    _atomic_write_json(period_manifest, manifest)
    return period_manifest
