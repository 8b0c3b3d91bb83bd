"""Who may reach the private listeners: SQL users, loopback, passwords that face a network.

The SQL endpoint and the admin listener bind to loopback by default. Off loopback, every
password is all that stands between the network and the data, so it must be strong
(``passwords.py``); these checks run when the settings are built, before anything starts.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from collector.passwords import advice, weakness

PLACEHOLDER_SECRETS = frozenset({"changeme", "change-me", "password", "secret", "xxx", "todo"})


class SqlUser(BaseModel):
    """A user of the ClickHouse-compatible SQL endpoint.

    ``analyst`` users run read-only queries; a ``writer`` may also INSERT into rumhouse's
    tables (the server sink of another collector uses one).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")
    password: str = ""
    role: Literal["analyst", "writer"] = "analyst"

    @field_validator("password")
    @classmethod
    def _no_placeholder(cls, value: str) -> str:
        if value.lower() in PLACEHOLDER_SECRETS:
            raise ValueError(f"{value!r} is a placeholder: set a real password")
        return value


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def memory_fraction(share: int, most: int) -> int:
    """1/``share`` of this machine's memory, at most ``most`` bytes."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return most
    return max(64 * 1024**2, min(most, total // share))


def check_sql_listener(host: str, users: tuple[SqlUser, ...]) -> None:
    """Off loopback, every SQL user needs a strong password."""
    if is_loopback(host):
        return
    for user in users:
        if not user.password:
            raise ValueError(
                f"the SQL endpoint would listen on {host} with a user that has no "
                "password: give every user in sql_users a password, or set sql_host to "
                "127.0.0.1"
            )
        why = weakness(user.password, user.name)
        if why:
            raise ValueError(advice(f"sql_host is {host}: the password of {user.name}", why))


def check_admin_listener(host: str, user: str, password: str) -> None:
    """Off loopback, the admin listener needs a strong password."""
    if is_loopback(host):
        return
    if not password:
        raise ValueError(
            f"the admin listener (/report, /metrics) would listen on {host} "
            "without a password: set admin_password, or set admin_host to 127.0.0.1"
        )
    why = weakness(password, user)
    if why:
        raise ValueError(advice(f"admin_host is {host}: admin_password", why))
