"""Settings, from environment variables prefixed INFRALYZER_ (the same ones dbt's profile reads)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

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

    def model_post_init(self, __context: object) -> None:
        data = self.project_dir / "data"
        self.exports_dir = Path(self.exports_dir or data / "exports").resolve()
        self.build_db = Path(self.build_db or data / "build" / "infralyzer.duckdb").resolve()
        self.publish_dir = Path(self.publish_dir or data / "publish").resolve()

    def dbt_env(self) -> dict[str, str]:
        """Environment for a dbt subprocess: absolute paths, so dbt and the service agree."""
        return {
            "INFRALYZER_EXPORTS_DIR": str(self.exports_dir),
            "INFRALYZER_BUILD_DB": str(self.build_db),
            "INFRALYZER_PUBLISH_DIR": str(self.publish_dir),
            "INFRALYZER_THREADS": str(self.threads),
            "INFRALYZER_MEMORY_LIMIT": self.memory_limit,
        }


@lru_cache
def get_settings() -> Settings:
    return Settings()
