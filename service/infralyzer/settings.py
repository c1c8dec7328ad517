"""Settings, from environment variables prefixed INFRALYZER_ (the same ones dbt's profile reads)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# service/infralyzer/settings.py -> the repository root holding dbt_project.yml
_REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INFRALYZER_", extra="ignore")

    project_dir: Path = Field(_REPO_ROOT, description="The dbt project (folder of dbt_project.yml).")
    exports_dir: Path | None = Field(None, description="AWS Data Exports root; default <project>/data/exports.")
    build_db: Path | None = Field(None, description="dbt's build database; default <project>/data/build/infralyzer.duckdb.")
    publish_dir: Path | None = Field(None, description="Published snapshots; default <project>/data/publish.")
    publish_keep: int = Field(3, ge=1, description="Snapshots kept by `infralyzer publish --prune`.")
    threads: int = Field(2, ge=1)
    memory_limit: str = "4GB"
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_keys_file: Path | None = Field(
        None,
        description="JSON or YAML file of API keys: a list of {name, key_sha256, role: viewer|analyst, accounts: "
        "[ids] or null}. No keys configured (neither this nor api_keys) = local development mode, no auth.",
    )
    api_keys: str | None = Field(None, description="The same list as JSON, in an environment variable.")
    api_max_page_size: int = Field(10_000, ge=1, description="Largest `limit` the mart endpoints accept.")
    sql_row_limit: int = Field(10_000, ge=1, description="Rows /sql/query returns at most.")
    sql_timeout_seconds: float = Field(10.0, gt=0, description="Time limit of a /sql/query or metric query.")
    sql_max_length: int = Field(20_000, ge=100, description="Longest SQL text /sql/query accepts (characters).")
    sql_workers: int = Field(
        2, ge=1, le=64, description="Worker processes that run /sql/query and metric queries (each one query at a "
        "time; mart endpoints and /health never wait for them).")
    sql_memory_limit_mb: int = Field(512, ge=64, description="DuckDB memory limit of one SQL or metric query.")
    sql_memory_cap_mb: int = Field(
        1024, ge=128, description="Resident memory of a query worker at which it is killed (the query answers "
        "400 query_too_large); the API's memory is at most its own plus sql_workers times this.")
    sql_result_max_mb: int = Field(32, ge=1, description="Largest result (Arrow bytes) a SQL or metric query may "
                                   "return, checked before it is rendered.")
    sql_queue_max: int = Field(16, ge=0, description="SQL and metric queries waiting for a worker beyond which new "
                               "ones are refused (503 with Retry-After).")
    api_key_max_concurrent_queries: int = Field(
        2, ge=1, description="SQL and metric queries one API key may have running or waiting at once (429 beyond).")
    api_rate_limit_per_minute: int = Field(
        600, ge=0, description="Requests per minute one API key may send to /api/v1 (a burst of as many; 429 with "
        "Retry-After beyond; 0 = off). Not applied in local development mode (no keys to count by).")
    api_body_timeout_seconds: float = Field(
        10.0, gt=0, description="Time a client has to send a request's whole body; a slower one answers 408 and "
        "the connection is closed.")
    api_result_cache_mb: int = Field(
        256, ge=0, description="Memory per API process for query results of the served marts version (0 = off); "
        "a repeat of a query is answered from it until a newer version is served.")
    api_response_cache_mb: int = Field(
        128, ge=0, description="Memory per API process for whole answers to repeated requests (same caller scope, "
        "path, parameters and format) on the served marts version (0 = off).")
    required_exports: str = Field(
        "cur2", description="Export types (comma-separated: cur2, focus, coh, carbon) a build must find a complete "
        "delivery of, or fail without publishing; `make run` and the sample generator configure all four.")
    source_stale_after_hours: dict[str, float] = Field(
        {"cur2": 48, "focus": 48, "coh": 72, "carbon": 960},
        description="Age of a source's newest delivery after which /health flags it stale, per export type (JSON "
        "in the environment). AWS refreshes CUR and FOCUS at least daily; carbon arrives monthly, ~35 days late.")
    build_niceness: int = Field(
        10, ge=0, le=19, description="CPU priority given up by the dbt builds that `infralyzer` starts (Unix nice), so "
        "a build running beside the API slows the API's answers as little as possible.")

    # Where the API reads the marts. The athena_* names are the ones dbt's profile reads, so one
    # environment configures both the build and the service.
    backend: Literal["duckdb", "athena"] = Field(
        "duckdb", description="duckdb: the newest published snapshot; athena: the marts in place, through Athena.")
    schema_prefix: str = Field("", description="Prefix of the custom schemas (macros/dbt_overrides/generate_schema_name.sql).")
    athena_region: str | None = Field(None, description="AWS region of Athena and Glue; default: the AWS default.")
    athena_work_group: str = Field("primary", description="Athena workgroup; give the API a read-only one.")
    athena_s3_staging_dir: str | None = Field(
        None, description="S3 location of query results; default: the workgroup's output location.")
    athena_catalog: str = Field("awsdatacatalog", description="Athena data catalog of the marts.")
    athena_marts_database: str | None = Field(None, description="Glue database of the marts; default <prefix>marts.")
    athena_profile: str | None = Field(None, description="AWS profile for Athena and Glue; default: the default chain.")
    athena_catalog_ttl_seconds: float = Field(
        300.0, gt=0, description="How long the marts' columns and freshness are cached before Athena is asked again.")
    athena_poll_interval: float = Field(0.5, gt=0, description="Seconds between Athena query status polls.")
    dbt_target_dir: Path | None = Field(
        None, description="dbt's target path (manifest.json, semantic_manifest.json, compiled SQL) of the builds run "
        "with these settings, its logs beside it in logs/; default DBT_TARGET_PATH, else <project>/target. Two "
        "builds at once need two.")
    semantic_manifest: Path | None = Field(
        None, description="MetricFlow's semantic_manifest.json for the Athena backend (DuckDB snapshots carry theirs); "
        "default <target dir>/semantic_manifest.json.")
    dbt_manifest: Path | None = Field(
        None, description="dbt's manifest.json for the Athena backend: the account scope each mart declares "
        "(DuckDB snapshots carry theirs); default <target dir>/manifest.json.")
    # plain-language questions (POST /ai/ask, the MCP `ask` tool; docs/mcp.md)
    llm: Literal["none", "bedrock"] = Field(
        "none", description="`bedrock`: questions go to Amazon Bedrock's Converse API with the MCP tools; `none`: "
        "the deterministic parser over the semantic manifest.")
    bedrock_model_id: str = Field("anthropic.claude-3-5-sonnet-20240620-v1:0",
                                  description="Bedrock model (or inference profile) id that supports tool use.")
    bedrock_region: str | None = Field(None, description="AWS region of Bedrock; default: the AWS default.")
    bedrock_profile: str | None = Field(None, description="AWS profile for Bedrock; default: the default chain.")
    bedrock_max_tool_calls: int = Field(8, ge=1, le=50, description="Tool calls one question may make at most.")

    def model_post_init(self, __context: object) -> None:
        data = self.project_dir / "data"
        self.exports_dir = Path(self.exports_dir or data / "exports").resolve()
        self.build_db = Path(self.build_db or data / "build" / "infralyzer.duckdb").resolve()
        self.publish_dir = Path(self.publish_dir or data / "publish").resolve()
        self.athena_marts_database = self.athena_marts_database or f"{self.schema_prefix}marts"
        target = os.environ.get("DBT_TARGET_PATH") or self.project_dir / "target"
        self.dbt_target_dir = Path(self.dbt_target_dir or target).resolve()
        self.semantic_manifest = Path(self.semantic_manifest or self.dbt_target_dir / "semantic_manifest.json")
        self.dbt_manifest = Path(self.dbt_manifest or self.dbt_target_dir / "manifest.json")

    def dbt_env(self) -> dict[str, str]:
        """Environment for a dbt subprocess: absolute paths, so dbt and the service agree."""
        return {
            "INFRALYZER_EXPORTS_DIR": str(self.exports_dir),
            "INFRALYZER_BUILD_DB": str(self.build_db),
            "INFRALYZER_PUBLISH_DIR": str(self.publish_dir),
            "INFRALYZER_THREADS": str(self.threads),
            "INFRALYZER_MEMORY_LIMIT": self.memory_limit,
            "INFRALYZER_REQUIRED_EXPORTS": self.required_exports,
            "DBT_TARGET_PATH": str(self.dbt_target_dir),
            "DBT_LOG_PATH": str(self.dbt_target_dir.with_name("logs")),
        }


@lru_cache
def get_settings() -> Settings:
    return Settings()
