"""The sync configuration: which S3 locations hold the AWS Data Exports to bring in.

Read from a YAML file (`--config`, else INFRALYZER_CONFIG, else ./infralyzer.yml), then overridden
by environment variables prefixed INFRALYZER_SYNC_ (nested fields with `__`, lists as JSON), e.g.
INFRALYZER_SYNC_WORKERS=8 or INFRALYZER_SYNC_ATHENA__DATABASE=cur_exports. See
infralyzer.example.yml.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

DEFAULT_CONFIG = Path("infralyzer.yml")


class Source(BaseModel):
    """One S3 location under which AWS delivers one or more exports (`<prefix>/<export-name>/…`)."""

    bucket: str
    prefix: str = Field("", description="Folder in the bucket holding the export folders; '' for the bucket root.")
    region: str | None = None
    profile: str | None = Field(None, description="AWS profile (default: the default credential chain).")
    endpoint_url: str | None = Field(None, description="S3-compatible endpoint (tests, gateways).")
    exports: list[str] | None = Field(
        None, description="Export names expected here: sync fails if one has no complete delivery.")

    @field_validator("prefix")
    @classmethod
    def _strip_slashes(cls, value: str) -> str:
        return value.strip("/")

    @property
    def label(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")


class AthenaTarget(BaseModel):
    """What `--target athena` maintains in Glue."""

    database: str = Field(
        default_factory=lambda: os.environ.get("INFRALYZER_ATHENA_EXPORTS_SCHEMA", "cid_data_export"),
        description="Glue database of the export tables (dbt's athena_exports_schema).")
    region: str | None = Field(None, description="Region of Glue; default: the first source's region.")
    profile: str | None = None
    endpoint_url: str | None = Field(None, description="Glue endpoint (tests).")
    deliveries_location: str | None = Field(
        None, description="S3 folder of the deliveries table's file; default s3://<first bucket>/infralyzer/deliveries/.")


class SyncConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INFRALYZER_SYNC_", env_nested_delimiter="__", extra="forbid")

    sources: list[Source] = Field(default_factory=list)
    exports_dir: Path | None = Field(None, description="Local exports root; default INFRALYZER_EXPORTS_DIR or data/exports.")
    workers: int = Field(8, ge=1, le=64, description="Parallel downloads.")
    max_bytes_per_second: int | None = Field(
        None, ge=1, description="Bandwidth limit over all downloads (none by default).")
    athena: AthenaTarget = Field(default_factory=AthenaTarget)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        yaml_file = settings_cls.model_config.get("yaml_file")
        sources: tuple[PydanticBaseSettingsSource, ...] = (init_settings, env_settings)
        if yaml_file:
            sources += (YamlConfigSettingsSource(settings_cls, yaml_file=yaml_file),)
        return sources


def load_config(path: Path | None = None, **overrides) -> SyncConfig:
    """The configuration from `path` (or INFRALYZER_CONFIG, or ./infralyzer.yml if present) plus env overrides."""
    chosen = path or (Path(os.environ["INFRALYZER_CONFIG"]) if os.environ.get("INFRALYZER_CONFIG") else None)
    if chosen is None and DEFAULT_CONFIG.exists():
        chosen = DEFAULT_CONFIG
    if chosen is not None and not Path(chosen).is_file():
        raise FileNotFoundError(f"configuration file {chosen} does not exist")

    class _FromFile(SyncConfig):
        model_config = SettingsConfigDict(**{**SyncConfig.model_config, "yaml_file": chosen})

    return _FromFile(**{k: v for k, v in overrides.items() if v is not None})
