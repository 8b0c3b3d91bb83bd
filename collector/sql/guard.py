"""What an endpoint query may touch: rumhouse's database and the metadata clients read.

chDB's read-only session refuses writes, but not reads outside the data: the scalar
``file('/etc/shadow')`` answers, ``SELECT ... INTO OUTFILE`` writes, and chDB's
``user_files_path`` does not confine either. So every query is checked before it runs,
on the tree the engine's own parser builds (``EXPLAIN AST``, which parses and substitutes
``{name:Type}`` parameters but reads and runs nothing):

- the statement is one of the read kinds (SELECT, EXPLAIN, DESCRIBE, SHOW TABLES, ...),
  else READONLY (164), as ClickHouse answers a read-only user;
- no function reaches outside the query: table functions come from an allow-list (numbers,
  values, view, ...) and every other one the engine knows is refused; scalar functions that
  read files, dictionaries, join tables, the network or the server (``file``,
  ``filesystem*``, ``dictGet*``, ``joinGet``, ``AI*``, ...) are refused;
- every table named, in FROM, JOIN, IN or a compound identifier, is in rumhouse's database,
  an allowed system table, or INFORMATION_SCHEMA;
- no ``INTO OUTFILE``.
A writer may also roll up hours (``INSERT INTO vitals_hourly_data ... SELECT``, as
``rumhouse simulate --days`` does after writing a history): the target must be one of
``ROLLUP_TABLES``, the SELECT passes the checks above, and no SETTINGS clause may lift the
limits of the writer's session, which is not read-only.

Why quoting, comments, aliases, WITH clauses, subqueries and parameters cannot hide a call:
the check reads the parser's tree, not the text. Comments are gone, quoted names are
unquoted, parameters are substituted, and every function call, lambda body, CTE and
subquery is a node of its own, whatever alias or WITH name it is reached through (a
function's name cannot be computed at run time). The tree is printed one node per line
with string literals escaped; the only raw text in it is identifiers, so identifiers that
could break a line (a quoted name with a control character or a backslash escape) are
refused before parsing. Names are compared case-insensitively, as the engine resolves many
of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from collector.sql.errors import ClickHouseError, readonly

# Statements that only read (the first word of the tree's root node).
STATEMENTS = frozenset({
    "SelectWithUnionQuery", "SelectIntersectExceptQuery", "Explain", "DescribeQuery",
    "ShowTables", "ShowColumns", "ShowFunctions", "ShowEngineQuery", "ShowCreateTableQuery",
    "ShowCreateDatabaseQuery", "ShowCreateViewQuery", "ExistsTableQuery", "ExistsDatabaseQuery",
    "ExistsViewQuery",
})  # fmt: skip
# Table functions that make rows from their arguments alone.
TABLE_FUNCTIONS = frozenset({
    "numbers", "numbers_mt", "zeros", "zeros_mt", "generate_series", "generateseries",
    "primes", "values", "null", "view", "format", "generaterandom",
})  # fmt: skip
# Scalar functions that read outside the query: files, dictionaries (their sources may be
# files, URLs or databases), Join tables named by a string, the server's own settings and
# memory, and the AI functions that call out to a model provider.
FUNCTIONS = re.compile(
    r"file|filesystem\w*|dict\w*|joinget\w*|ai[a-z]\w*|catboostevaluate|modelevaluate"
    r"|hascolumnintable|getserversetting|getmergetreesetting|getclienthttpheader"
    r"|addressto\w*|demangle|logtrace|__\w*"
)
# System tables that standard clients read at start-up (settings, version, schema); query
# logs, processes, users, disks and the rest stay out of reach.
SYSTEM_TABLES = frozenset({
    "one", "numbers", "numbers_mt", "zeros", "zeros_mt", "settings", "functions",
    "table_functions", "formats", "data_type_families", "databases", "tables", "columns",
    "build_options", "time_zones", "collations", "aggregate_function_combinators",
    "table_engines", "contributors", "licenses", "keywords", "merge_tree_settings",
    "data_skipping_indices",
})  # fmt: skip
METADATA_DATABASES = frozenset({"information_schema"})
# Where a writer's INSERT ... SELECT may write: the hourly rollups of vitals and sessions,
# and the sessions they are summed from.
ROLLUP_TABLES = frozenset(
    {"vitals_hourly_data", "vitals_hourly_pages_data", "sessions_data", "sessions_hourly_data"}
)
_INSERT_PARTS = frozenset({"Identifier", "ExpressionList", "SelectWithUnionQuery"})
_NODE = re.compile(r"( *)([A-Za-z_][A-Za-z0-9_]*)(?: (.*))?")
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Read left to right, so that a quote inside a string, a comment or a name is just text.
_LEXEMES = re.compile(
    r"'(?:[^'\\]|\\.|'')*'|--[^\n]*|\#[^\n]*|/\*.*?\*/"
    r"|(?P<name>`(?:[^`\\]|\\.)*`|\"(?:[^\"\\]|\\.)*\")",
    re.S,
)
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\\]")
_IDENTIFIER_PARAM = re.compile(r"\{\s*(\w+)\s*:\s*Identifier\s*\}", re.I)


def denied(message: str) -> ClickHouseError:
    return ClickHouseError(497, f"Not enough privileges: {message}")  # named by KNOWN


@dataclass(frozen=True)
class Node:
    depth: int
    kind: str
    text: str  # the rest of the line: a name, then "(alias x)" and "(children n)"

    @property
    def name(self) -> str:
        return self.text.split(" (", 1)[0].strip()


def parse_tree(explained: str) -> list[Node]:
    """The lines of ``EXPLAIN AST`` as nodes; a line of any other shape is refused."""
    nodes: list[Node] = []
    for line in explained.splitlines():
        match = _NODE.fullmatch(line)
        # a child is one level deeper than the node before it, at most; the root at 0
        if match is None or len(match[1]) > (nodes[-1].depth + 1 if nodes else 0):
            raise denied("the query's structure could not be checked")
        nodes.append(Node(len(match[1]), match[2], match[3] or ""))
    if not nodes:
        raise denied("the query's structure could not be checked")
    return nodes


class Guard:
    """The check, with the engine's own lists of table functions and databases."""

    def __init__(self, database: str, table_functions: Iterable[str], databases: Iterable[str]):
        self.database = database
        self.refused_table_functions = frozenset(
            name.lower() for name in table_functions if name.lower() not in TABLE_FUNCTIONS
        )
        self.databases = frozenset(name.lower() for name in databases) | METADATA_DATABASES

    @staticmethod
    def check_names(sql: str, params: dict[str, str]) -> None:
        """Refuse quoted identifiers and Identifier parameters that could break a tree line
        (run before the query is parsed)."""
        for lexeme in _LEXEMES.finditer(sql):
            if lexeme["name"] and _UNSAFE_NAME.search(lexeme["name"][1:-1]):
                raise denied("quoted names may not contain control characters or backslashes")
        for name in _IDENTIFIER_PARAM.findall(sql):
            if not all(_PLAIN.fullmatch(part) for part in params.get(name, "").split(".")):
                raise denied(f"parameter {name} must be a plain name like `db.table`")

    def check(self, explained: str) -> None:
        """Refuse the query whose ``EXPLAIN AST`` text is ``explained``."""
        nodes = parse_tree(explained)
        if nodes[0].kind not in STATEMENTS:  # what a read-only user is told by ClickHouse
            raise readonly(f"Cannot execute query in readonly mode ({nodes[0].kind})")
        for node in nodes:
            self._check_node(node)

    def check_rollup(self, explained: str) -> None:
        """Refuse a writer's INSERT ... SELECT unless it rolls up hours (see above)."""
        nodes = parse_tree(explained)
        if any(node.kind == "Set" for node in nodes):  # first: a clause anywhere, told plainly
            raise denied("a writer's INSERT ... SELECT may not carry SETTINGS")
        top = [node for node in nodes if node.depth == 1]
        names = [node.name for node in top if node.kind == "Identifier"]
        database = names[0] if len(names) == 2 else self.database
        if (
            nodes[0].kind != "InsertQuery"
            or not all(node.kind in _INSERT_PARTS for node in top)
            or top[-1].kind != "SelectWithUnionQuery"
            or database != self.database
            or not names
            or names[-1] not in ROLLUP_TABLES
        ):
            allowed = ", ".join(sorted(ROLLUP_TABLES))
            raise denied(f"a writer may INSERT ... SELECT only into {allowed}")
        for node in nodes[1:]:
            if not (node.depth == 1 and node.kind == "Identifier"):
                self._check_node(node)

    def _check_node(self, node: Node) -> None:
        if node.kind == "Function":
            self._check_function(node.name)
        elif node.kind == "TableIdentifier":
            self._check_table(node.name.split(" ")[0], bare_is_table=True)
        elif node.kind == "Identifier" and "." in node.name:
            self._check_table(node.name.split(" ")[0], bare_is_table=False)
        elif node.kind == "Literal" and node.depth == 1:
            raise denied("INTO OUTFILE is not allowed: results are only sent to the client")

    def _check_function(self, name: str) -> None:
        lowered = name.lower()
        if lowered in self.refused_table_functions or FUNCTIONS.fullmatch(lowered):
            raise denied(f"function {name} reaches outside rumhouse's data")

    def _check_table(self, dotted: str, bare_is_table: bool) -> None:
        parts = dotted.split(".")
        if not all(_PLAIN.fullmatch(part) for part in parts):
            if bare_is_table:
                raise denied(f"table {dotted} must be a plain name")
            return
        if len(parts) == 1 or parts[0].lower() not in self.databases:
            if bare_is_table and len(parts) > 2:
                raise denied(f"table {dotted} is not a table of {self.database}")
            return
        database, table = parts[0], parts[1]
        if database == self.database or database.lower() in METADATA_DATABASES:
            return
        if database.lower() == "system" and table.lower() in SYSTEM_TABLES:
            return
        raise denied(f"{database}.{table} is outside rumhouse's data")
