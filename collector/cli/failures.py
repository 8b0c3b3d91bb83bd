"""Settings failures as an operator reads them: one line per problem, naming the file and
line, the environment variable or the flag it came from, with "did you mean" for a
misspelled key or value, instead of pydantic's report and a traceback."""

from __future__ import annotations

import difflib
import errno
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from collector.access import SqlUser
from collector.settings import Settings
from collector.sites import Site

ENV_PREFIX = "RUMHOUSE_"
# Variables rumhouse reads besides one per setting.
OTHER_VARIABLES = frozenset({"RUMHOUSE_CONFIG"})


def _close(word: str, choices: Iterable[str]) -> str:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ""


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """A warning for each ``RUMHOUSE_*`` variable that is no setting (it would be ignored)."""
    known = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields} | OTHER_VARIABLES
    return [
        f"rumhouse: warning: {name} is not a setting and is ignored{_close_variable(name, known)}"
        for name in sorted(environ)
        if name.startswith(ENV_PREFIX) and name not in known
    ]


def _close_variable(name: str, known: Iterable[str]) -> str:
    """Compared without the prefix every variable shares (else any name looks close)."""
    bare = {k.removeprefix(ENV_PREFIX): k for k in known}
    match = difflib.get_close_matches(name.removeprefix(ENV_PREFIX), list(bare), n=1, cutoff=0.6)
    return f"; did you mean {bare[match[0]]!r}?" if match else ""


# Settings whose value an error must not repeat: it may be a password (logs keep it).
SECRET = frozenset({"admin_password", "sql_users", "clickhouse_url", "alert_webhooks"})


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel]:
    """The model whose field the last part of ``loc`` names (a site's, a SQL user's, or
    the settings')."""
    nested: dict[str, type[BaseModel]] = {"sites": Site, "sql_users": SqlUser}
    return nested.get(str(loc[0]), Settings) if len(loc) >= 3 else Settings


def _clean(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """The settings' own path: pydantic adds the names of its validators for union types
    (``trusted_proxies[0].lax-or-strict[...]``)."""
    return tuple(p for p in loc if isinstance(p, int) or re.fullmatch(r"[a-z_][a-z0-9_]*", p))


def _dotted(loc: tuple[int | str, ...]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)[1:]


class Sources:
    """Where a setting was given: a flag, a variable, or a line of the settings file."""

    def __init__(self, config_file: Path | None, flags: Mapping[str, Any]) -> None:
        self.file = config_file
        self.flags = {name for name, value in flags.items() if value is not None}
        text = config_file.read_text(errors="replace") if config_file else ""
        self.lines = text.splitlines()

    def where(self, loc: tuple[int | str, ...]) -> str:
        if not loc:  # a rule over several settings
            return str(self.file or "")
        top = str(loc[0])
        if top in self.flags:
            return f"--{top.replace('_', '-')}"
        if f"{ENV_PREFIX}{top.upper()}" in os.environ:
            return f"{ENV_PREFIX}{top.upper()}"
        if self.file is None:
            return ""
        return f"{self.file}{self._line(loc)}"

    def _line(self, loc: tuple[int | str, ...]) -> str:
        """The line of the key ``loc`` ends with (the first one of that name, after the
        ``[[sites]]`` block it belongs to)."""
        key = next((p for p in reversed(loc) if isinstance(p, str)), "")
        start = 0
        if len(loc) >= 2 and loc[0] == "sites" and isinstance(loc[1], int):
            blocks = [i for i, t in enumerate(self.lines) if t.strip() == "[[sites]]"]
            start = blocks[loc[1]] if loc[1] < len(blocks) else 0
        pattern = re.compile(rf"^\s*({re.escape(key)}\s*=|\[\[?\s*{re.escape(key)}\s*\]\]?)")
        for number, text in enumerate(self.lines[start:], start + 1):
            if pattern.match(text):
                return f", line {number}"
        return ""


def _message(error: ErrorDetails) -> str:
    loc, kind = error["loc"], error["type"]
    name = str(loc[-1]) if loc else ""
    if kind in ("tuple_type", "list_type"):
        return _not_a_list(error)
    if kind == "extra_forbidden":
        where = f" in {_dotted(loc[:-1])}" if len(loc) > 1 else ""
        return f"unknown key {name!r}{where}{_close(name, _model_at(loc).model_fields)}"
    if kind == "missing":
        return f"{_dotted(loc)} is required"
    if kind == "literal_error":
        expected = re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", "")))
        got = str(error["input"])
        return f"{_dotted(loc)}: {got!r} is not one of {', '.join(expected)}{_close(got, expected)}"
    said = error["msg"].removeprefix("Value error, ")
    if kind in ("ip_v4_network", "ip_v6_network"):  # pydantic tries both: say it once
        said = "not an IP network like 10.0.0.0/8 or 2001:db8::/32 (the host part all zero)"
    if not loc:
        return said
    got = "" if str(loc[0]) in SECRET else f" (got {error['input']!r})"
    return f"{_dotted(loc)}: {said}{got}"


def _not_a_list(error: ErrorDetails) -> str:
    loc, given = error["loc"], error["input"]
    if loc == ("sites",) and isinstance(given, dict):
        return "sites is a list of tables: write [[sites]] (one block per site), not [sites]"
    if loc == ("sites",):
        return "sites is a list of tables: write one [[sites]] block per site"
    if loc == ("alert_webhooks",):
        return (
            "alert_webhooks is a list of tables: write one [[alert_webhooks]] block per "
            'webhook, with its url = "..."'
        )
    if isinstance(given, str):
        return f"{_dotted(loc)}: a list is needed: write [{given!r}]"
    return f"{_dotted(loc)}: {error['msg']}"


def _superseded(errors: list[ErrorDetails]) -> set[int]:
    """A required key reported missing beside a misspelling of it: only the misspelling."""
    extra = {(e["loc"][:-1], str(e["loc"][-1])) for e in errors if e["type"] == "extra_forbidden"}
    return {
        i
        for i, e in enumerate(errors)
        if e["type"] == "missing"
        and any(
            parent == e["loc"][:-1] and _close(typo, [str(e["loc"][-1])]) for parent, typo in extra
        )
    }


def explain_invalid(exc: ValidationError, sources: Sources) -> str:
    errors = [ErrorDetails(**{**e, "loc": _clean(e["loc"])}) for e in exc.errors()]
    skip = _superseded(errors)
    lines: list[str] = []
    for i, error in enumerate(errors):
        where = sources.where(error["loc"])
        line = f"rumhouse: {where + ': ' if where else ''}{_message(error)}"
        if i not in skip and line not in lines:  # a union's alternatives fail alike
            lines.append(line)
    return "\n".join(lines)


def explain_toml(exc: tomllib.TOMLDecodeError, config_file: Path | None) -> str:
    found = re.search(r"^(.*) \(at line (\d+), column (\d+)\)$", str(exc))
    if not found:
        return f"rumhouse: {config_file}: {exc}"
    what, line, column = found.groups()
    return f"rumhouse: {config_file}, line {line}, column {column}: {what} (TOML syntax)"


def explain_variable(text: str) -> str:
    """pydantic-settings' SettingsError for a variable that is not valid JSON."""
    found = re.search(r'field "(\w+)" from source', text)
    name = f"{ENV_PREFIX}{found[1].upper()}" if found else "a RUMHOUSE_ variable"
    example = ""
    if found and found[1] == "sites":
        example = (
            f""" (for example {name}='[{{"key": "shop", "origins": ["https://shop.example"]}}]')"""
        )
    return f"rumhouse: {name}: not valid JSON; a list or table setting is given as JSON{example}"


def explain(exc: Exception, config_file: Path | None, flags: Mapping[str, Any]) -> str:
    """The lines to print for a failure to load the settings."""
    if isinstance(exc, ValidationError):
        return explain_invalid(exc, Sources(config_file, flags))
    if isinstance(exc, tomllib.TOMLDecodeError):
        return explain_toml(exc, config_file)
    if isinstance(exc, UnicodeDecodeError):
        where = f"{exc.reason} at byte {exc.start}"
        return f"rumhouse: {config_file}: not UTF-8 text ({where}): save it as UTF-8"
    return explain_variable(str(exc))


def explain_bind(exc: OSError, ports: Mapping[int, str]) -> str | None:
    """A listener's address already in use, with the flag that moves it; ``None`` for any
    other failure to start."""
    if exc.errno != errno.EADDRINUSE:
        return None
    found = re.search(r"\('([^']*)', (\d+)\)", str(exc))
    if not found:
        return f"rumhouse: an address is already in use ({exc})"
    host, port = found[1], int(found[2])
    return address_in_use(host, port, ports.get(port, "--port"))


def address_in_use(host: str, port: int, flag: str) -> str:
    return (
        f"rumhouse: {host}:{port} is already in use (another collector, or another program):"
        f" stop it, or choose another port with {flag}"
    )
