"""Settings: one ``get_settings()``, ``MODOPS_*`` environment variables, nothing done at import."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime settings. Every field can be set with ``MODOPS_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="MODOPS_", extra="ignore")

    home: Path = Field(default=Path("./.modops"), description="State folder: registry, datasets, logs.")
    tracking_uri: str | None = Field(
        default=None, description="MLflow tracking URI; default sqlite:///$MODOPS_HOME/mlflow.db."
    )
    registry_uri: str | None = Field(default=None, description="MLflow registry URI; default = tracking URI.")
    data_dir: Path = Field(default=Path("../shared/datasets"), description="Read-only public datasets.")
    log_level: str = "INFO"
    policy: str = Field(default="default", description="Policy name shipped in the package, or a YAML path.")
    patterns_dir: Path | None = Field(
        default=None, description="Extra normalizer pattern files that extend or override the shipped ones."
    )
    # service
    host: str = "127.0.0.1"
    port: int = 8000
    api_keys: list[str] = Field(
        default_factory=list, description="sha256 hex digests of accepted API keys; empty = no auth."
    )
    admin_api_keys: list[str] = Field(default_factory=list, description="sha256 digests of admin keys.")
    max_request_bytes: int = 1_000_000
    max_batch_size: int = 256
    max_text_chars: int = 100_000
    reload_interval_s: float = 30.0
    workers: int = Field(
        default=1, ge=1, le=64, description="Server processes; >1 shares the port and the prediction log."
    )
    # prediction log
    store_text: bool = False
    hash_salt: SecretStr = SecretStr("modops-default-salt")
    encryption_key: SecretStr | None = Field(
        default=None, description="Fernet key for reversible PII redaction."
    )

    @property
    def resolved_home(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def resolved_tracking_uri(self) -> str:
        if self.tracking_uri:
            return self.tracking_uri
        return f"sqlite:///{self.resolved_home / 'mlflow.db'}"

    @property
    def artifacts_dir(self) -> Path:
        return self.resolved_home / "mlartifacts"

    @property
    def datasets_dir(self) -> Path:
        return self.resolved_home / "datasets"

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir.expanduser().resolve()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read from the environment on first call."""
    return Settings()


def reset_settings() -> None:
    """Forget cached settings so the next ``get_settings()`` re-reads the environment (tests)."""
    get_settings.cache_clear()
