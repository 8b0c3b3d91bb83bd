"""``rumhouse config check``: the effective settings, where each value came from, secrets
masked. Sources, lowest first: default < TOML file < environment (RUMHOUSE_*) < flags."""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from collector.alerts.mask import mask_url
from collector.settings import Settings

MASK = "********"


def _mask(name: str, value: Any) -> Any:
    if name == "clickhouse_url" and isinstance(value, str):
        return re.sub(r"//([^:/@]+):[^@]*@", rf"//\1:{MASK}@", value)
    if name == "admin_password" and value:
        return MASK
    if name == "alert_webhooks":
        return [{**w.model_dump(mode="json"), "url": mask_url(w.url)} for w in value]
    if name == "sql_users":
        return [{**u.model_dump(), "password": MASK if u.password else ""} for u in value]
    return value


def sources(config_file: Path | None, flags: dict[str, Any]) -> dict[str, str]:
    """Where each setting's value came from."""
    toml = tomllib.loads(config_file.read_text()) if config_file else {}
    found = {}
    for name in Settings.model_fields:
        if flags.get(name) is not None:
            found[name] = "flag"
        elif f"RUMHOUSE_{name.upper()}" in os.environ:
            found[name] = f"env RUMHOUSE_{name.upper()}"
        elif name in toml:
            found[name] = f"file {config_file}"
        else:
            found[name] = "default"
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def report(settings: Settings, config_file: Path | None, flags: dict[str, Any]) -> str:
    origin = sources(config_file, flags)
    lines = []
    for name in Settings.model_fields:
        value = _plain(_mask(name, getattr(settings, name)))
        shown = json.dumps(value, default=str)
        lines.append(f"{name:<24} {shown:<48} ({origin[name]})")
    return "\n".join(lines)
