"""Just enough SQL lexing to route a request: statement count, kind, and an INSERT's target.

Strings, quoted identifiers and comments are skipped so that a ``;`` inside them does not
count. Everything else (what a statement may do) is left to the engine, whose read-only
session is the real guard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKENS = re.compile(
    r"""'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`|--[^\n]*|\#[^\n]*|/\*.*?\*/|;|[^'"`;\-#/]+|.""",
    re.S,
)
_INSERT = re.compile(
    r"^\s*INSERT\s+INTO\s+(?:TABLE\s+)?(?P<table>[`\"\w.]+)\s*(?P<columns>\([^)]*\))?\s*"
    r"(?:SETTINGS\s+.*?)?FORMAT\s+(?P<format>\w+)\s*(?P<inline>.*)$",
    re.I | re.S,
)


_INSERT_HEAD = re.compile(r"\s*INSERT\s+INTO\s[^\n]*?\bFORMAT\s+\w+[ \t]*(?:\r?\n|$)", re.I)


def code_parts(sql: str) -> list[str]:
    """The statements of ``sql`` (comments kept), split on top-level semicolons."""
    parts: list[str] = []
    current: list[str] = []
    for token in _TOKENS.findall(sql):
        if token == ";":
            parts.append("".join(current))
            current = []
        else:
            current.append(token)
    parts.append("".join(current))
    return [p for p in parts if strip_comments(p).strip()]


def strip_comments(sql: str) -> str:
    return "".join(t for t in _TOKENS.findall(sql) if not t.startswith(("--", "#", "/*")))


def first_keyword(sql: str) -> str:
    match = re.match(r"[\s(]*([A-Za-z]+)", strip_comments(sql))
    return match[1].upper() if match else ""


@dataclass(frozen=True)
class Insert:
    table: str
    columns: str
    format: str
    inline: str


def split_insert(query: str, body: bytes) -> tuple[Insert, bytes] | None:
    """An INSERT and its data: the statement in ``?query=`` and the data in the body, or both
    in the body (the statement, then a newline, then the data, as clickhouse-connect sends)."""
    if query:
        insert = parse_insert(query)
        return (insert, body) if insert and not insert.inline else None
    head = body[:65536].decode("latin-1")  # one char per byte: offsets stay byte offsets
    match = _INSERT_HEAD.match(head)
    if not match:
        return None
    insert = parse_insert(head[: match.end()])
    return (insert, body[match.end() :]) if insert else None


def parse_insert(sql: str) -> Insert | None:
    """``INSERT INTO t (cols) FORMAT F`` as clients send it with the data in the body."""
    match = _INSERT.match(strip_comments(sql))
    if not match:
        return None
    return Insert(match["table"], match["columns"] or "", match["format"], match["inline"])
