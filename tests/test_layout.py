"""The layout's rules, read from the imports themselves (in the spirit of httpx's
``test_exported_members.py``): who may depend on whom."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "collector"
# package -> what its modules may not import (prefixes of module names)
FORBIDDEN = {
    "ingest": ("aiohttp", "chdb", "clickhouse_connect", "collector.http", "collector.store",
               "collector.write", "collector.sql", "collector.cli"),
    # The handlers know the Store interface (collector.store) and the folder's owner file,
    # not ClickHouse.
    "http": ("chdb", "clickhouse_connect", "collector.store.client", "collector.store.server",
             "collector.store.migrate", "collector.store.cluster", "collector.store.reader"),
    "store": ("aiohttp", "collector.http", "collector.cli", "collector.write"),
    "write": ("aiohttp", "chdb", "clickhouse_connect", "collector.http", "collector.cli"),
    "sql": ("collector.store", "collector.write", "collector.cli"),
}  # fmt: skip


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth of the file (lazy imports too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layout_dependency_direction(package: str) -> None:
    broken = {
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in sorted((PACKAGE / package).rglob("*.py"))
        for name in imports(path)
        if name.startswith(FORBIDDEN[package])
    }
    assert broken == set()


def test_layout_serve_never_imports_the_benchmark_harness() -> None:
    broken = {
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        if any(name == "bench" or name.startswith("bench.") for name in imports(path))
    }
    assert broken == set()


def test_layout_no_module_is_a_hub() -> None:
    """Small modules, each with one responsibility: none over 300 lines."""
    sizes = {
        str(path.relative_to(PACKAGE.parent)): len(path.read_text().splitlines())
        for path in sorted([*PACKAGE.rglob("*.py"), *(PACKAGE.parent / "bench").glob("*.py")])
    }
    assert {name: n for name, n in sizes.items() if n > 300} == {}
