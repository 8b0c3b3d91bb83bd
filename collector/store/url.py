"""The ClickHouse server's URL, parsed once for every command (serve, migrate, sql, report).

``http(s)://user:password@host:port/database``: user and password are percent-decoded, so a
password with ``@``, ``:`` or ``/`` is written ``%40``, ``%3A``, ``%2F``; the port defaults
to 8443 for https and 8123 for http; the host to localhost; the database to the ``database``
setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class ServerUrl:
    host: str
    port: int
    username: str
    password: str
    secure: bool
    database: str

    @classmethod
    def parse(cls, url: str, default_database: str) -> ServerUrl:
        parts = urlsplit(url)
        secure = parts.scheme == "https"
        return cls(
            host=parts.hostname or "localhost",
            port=parts.port or (8443 if secure else 8123),
            username=unquote(parts.username or "default"),
            password=unquote(parts.password or ""),
            secure=secure,
            database=parts.path.strip("/") or default_database,
        )

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def client_args(self) -> dict[str, Any]:
        """clickhouse-connect's ``get_client`` arguments (the database is chosen later)."""
        return {
            "host": self.host,
            "port": self.port,
            "username": self.username,
            "password": self.password,
            "secure": self.secure,
        }
