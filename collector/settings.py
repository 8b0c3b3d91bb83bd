"""The settings model: defaults < TOML file < environment (``RUMHOUSE_*``) < CLI flags.

Every field has the same name in each source: ``flush_interval`` is ``flush_interval`` in the
TOML file, ``RUMHOUSE_FLUSH_INTERVAL`` in the environment and ``--flush-interval`` on the
command line (for the flags the CLI exposes). Settings are parsed once, in ``cli.py``, and
passed down; nothing builds them at import time.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from collector.access import (
    SqlUser,
    check_admin_listener,
    check_sql_listener,
    memory_fraction,
)
from collector.alerts.settings import AlertFields
from collector.sites import ConversionNames, Site

PACKAGE = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE.parent


def bundled(in_package: str, in_repo: str) -> Path:
    """A file the wheel carries inside the package, else its place in a source checkout."""
    packaged = PACKAGE / in_package
    return packaged if packaged.exists() else REPO_ROOT / in_repo


class Settings(BaseSettings, AlertFields):
    """Everything an operator can set. Unknown keys are errors, not silently ignored.
    The alert settings are in ``alerts/settings.py``."""

    model_config = SettingsConfigDict(env_prefix="RUMHOUSE_", extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    data: Path = Path("data")
    clickhouse_url: str | None = Field(
        default=None,
        description="http(s)://user:pass@host:port/database; unset means embedded chDB in `data`.",
    )
    sink_timeout: float = Field(
        default=10.0, gt=0, le=600,
        description="seconds one insert may take before its batch goes to the spool",
    )  # fmt: skip
    async_insert: bool = Field(
        default=False,
        description="server mode: let ClickHouse buffer inserts (async_insert, waited for)",
    )
    durability: Literal["memory", "durable"] = Field(
        default="memory",
        description="memory: 204 once buffered; durable: 204 once fsynced to the spool",
    )
    spool_dir: Path | None = Field(
        default=None, description="where unwritten batches wait (default: <data>/spool)"
    )
    max_spool_bytes: int = Field(
        default=1024**3, ge=64 * 1024,
        description="bound of the spool; when full, new beacons get 503 (nothing queued is lost)",
    )  # fmt: skip
    shutdown_timeout: float = Field(
        default=10.0, gt=0, le=600,
        description="seconds SIGTERM may take; what is not written by then goes to the spool",
    )  # fmt: skip
    workers: int = Field(
        default=1, ge=1, le=64, description="collector processes on one port (server mode)"
    )
    access_log: bool = Field(
        default=False,
        description="log every request (without the client address); off: at thousands of "
        "beacons per second it costs about a tenth of the CPU",
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="json: one JSON object per log line"
    )
    database: str = Field(default="rum", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    public_url: str | None = Field(
        default=None,
        description="URL of this collector as browsers reach it; default: from the request.",
    )
    flush_interval: float = Field(default=1.0, gt=0, le=60)
    flush_rows: int = Field(default=20_000, ge=1)
    max_buffer_rows: int = Field(default=500_000, ge=1)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    client_timeout: float = Field(
        default=10.0, gt=0, le=600,
        description="seconds a client may take to send a request (slow clients are cut off)",
    )  # fmt: skip
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = Field(
        default=(ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")),
        description="Peers whose X-Forwarded-For is believed (your reverse proxies).",
    )
    sites: tuple[Site, ...] = Field(default=(), description="who may send beacons")
    open_mode: bool = Field(
        default=False,
        description="development: accept any site key from any origin (make run's demo)",
    )
    conversions: ConversionNames = Field(
        default=("purchase",),
        description="the conversions of a site key that `sites` does not list (open mode, "
        "`rumhouse simulate --days`); a listed site has its own",
    )
    client_rate_limit: float = Field(
        default=20.0, gt=0, description="beacons per second from one address, bursts of 2x"
    )
    drop_bots: bool = Field(
        default=True, description="drop beacons from crawlers and headless browsers"
    )
    spam_referrers: tuple[str, ...] = Field(
        default=("semalt.com", "buttons-for-website.com", "darodar.com", "ilovevitaly.com",
                 "priceg.com", "hulfingtonpost.com", "best-seo-offer.com"),
        description="referrer domains (and their subdomains) whose beacons are dropped",
    )  # fmt: skip
    url_query_allowlist: tuple[str, ...] = Field(
        default=("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"),
        description="query parameters kept in stored URLs; all others are removed",
    )
    client_errors: bool = Field(
        default=True,
        description="store failed requests answered 4xx (false: only network errors and 5xx)",
    )
    beacon_path: str = Field(
        default="/v1/beacon",
        pattern=r"^/[A-Za-z0-9/_.-]*$",
        description="where beacons are accepted (also /v1/beacon), e.g. a first-party path",
    )
    sql_host: str = "127.0.0.1"
    sql_port: int = Field(default=8123, ge=0, le=65535)
    sql_max_execution_time: float = Field(default=30.0, gt=0, le=3600)
    sql_max_memory_usage: int = Field(
        default_factory=lambda: memory_fraction(32, 768 * 1024**2), ge=16 * 1024**2,
        description="bytes one SQL endpoint query may use (code 241 past it); default 1/32 "
        "of this machine's memory, at most 768 MiB",
    )  # fmt: skip
    sql_max_memory_total: int = Field(
        default_factory=lambda: memory_fraction(32, 768 * 1024**2), ge=16 * 1024**2,
        description="bytes all SQL endpoint queries may use together, counted with the "
        "engine's own work at that moment; the rest stays for ingestion",
    )  # fmt: skip
    sql_max_result_bytes: int = Field(
        default=256 * 1024**2, ge=1024**2,
        description="bytes of one query's result (code 396 past it); results are streamed",
    )  # fmt: skip
    sql_max_concurrent_queries: int = Field(
        default=4, ge=1, le=64, description="SQL endpoint queries running at once, all users"
    )
    sql_max_concurrent_queries_per_user: int = Field(
        default=2, ge=1, le=64, description="SQL endpoint queries running at once, per user"
    )
    sql_queue_timeout: float = Field(
        default=2.0, ge=0, le=60,
        description="seconds a query waits for a free slot before code 202",
    )  # fmt: skip
    sql_max_body_bytes: int = Field(
        default=64 * 1024**2, ge=64 * 1024,
        description="bytes of a SQL request body, after decompression (413 past it)",
    )  # fmt: skip
    sql_allowed_hosts: tuple[str, ...] = Field(
        default=(),
        description="Host names the SQL endpoint answers to besides loopback and sql_host",
    )
    admin_host: str = Field(
        default="127.0.0.1", description="address of /report, /metrics and /openapi.json"
    )
    admin_port: int = Field(default=8081, ge=0, le=65535)
    admin_user: str = Field(default="admin", pattern=r"^[A-Za-z0-9_.@-]{1,64}$")
    admin_password: str = Field(
        default="", description="basic auth of the admin listener; required off loopback"
    )
    admin_allowed_hosts: tuple[str, ...] = Field(
        default=(),
        description="Host names the admin listener answers to besides loopback and admin_host",
    )
    sql_users: tuple[SqlUser, ...] = Field(
        default=(SqlUser(name="default"),),
        description="SQL endpoint users; by default `default` without password, read-only.",
    )
    beacon_script: Path = Field(
        default_factory=lambda: bundled("dist/rum.js", "js-beacon/dist/rum.js")
    )
    schema_dir: Path = Field(default_factory=lambda: bundled("schema", "schema"))

    @field_validator("clickhouse_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if not value.startswith(("http://", "https://")):
            raise ValueError(
                "must start with http:// or https:// "
                "(for example https://user:password@clickhouse:8443/rum)"
            )
        try:
            urlsplit(value).port  # noqa: B018 - raises on a port that is not a number
        except ValueError:
            raise ValueError("its port is not a number") from None
        return value

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if value and not re.fullmatch(r"https?://[^/\s]+(/\S*)?", value):
            raise ValueError("must be an address like https://rum.example.com")
        return value or None

    @model_validator(mode="after")
    def _one_port_per_listener(self) -> Settings:
        ports = [("port", self.port), ("sql_port", self.sql_port), ("admin_port", self.admin_port)]
        taken = [(name, port) for name, port in ports if port]
        for i, (name, port) in enumerate(taken):
            for other, same in taken[i + 1 :]:
                if port == same:
                    raise ValueError(f"{name} and {other} are both {port}: give each its own")
        return self

    @model_validator(mode="after")
    def _listeners_are_safe(self) -> Settings:
        check_sql_listener(self.sql_host, self.sql_users)
        check_admin_listener(self.admin_host, self.admin_user, self.admin_password)
        return self

    @model_validator(mode="after")
    def _workers_need_a_server(self) -> Settings:
        if self.workers > 1 and self.clickhouse_url is None:
            raise ValueError(
                "workers > 1 needs a ClickHouse server (clickhouse_url): only one process can "
                "open the embedded store; run one process, or set RUMHOUSE_CLICKHOUSE_URL"
            )
        return self

    @property
    def embedded(self) -> bool:
        return self.clickhouse_url is None

    @property
    def spool(self) -> Path:
        return self.spool_dir or self.data / "spool"


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings from every source; ``overrides`` are the CLI flags that were given."""
    toml_file = config_file

    class _Layered(Settings):
        model_config = SettingsConfigDict(title="rumhouse settings")

        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
            if toml_file is not None:
                sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
            return tuple(sources)

    given = {key: value for key, value in overrides.items() if value is not None}
    layered = _Layered(**given)
    return Settings.model_construct(**dict(layered))
