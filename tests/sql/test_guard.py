"""The guard's own reading of the parser's tree and of quoted names, line by line (the
hostile queries themselves, through the engine and over HTTP, are in
tests/integration/test_sql_confinement.py)."""

from __future__ import annotations

import pytest

from collector.sql.errors import ClickHouseError
from collector.sql.guard import Guard, Node, parse_tree

UNCHECKED = (
    "Code: 497. DB::Exception: Not enough privileges: the query's structure could not be"
    " checked. (ACCESS_DENIED)\n"
)


def refused(call: object) -> str:
    assert callable(call)
    with pytest.raises(ClickHouseError) as caught:
        call()
    return caught.value.body()


def test_a_tree_is_read_as_nodes_with_their_depth_kind_and_text() -> None:
    tree = "SelectWithUnionQuery (children 1)\n ExpressionList\n  Literal UInt64_1\n Identifier x"
    assert parse_tree(tree) == [
        Node(0, "SelectWithUnionQuery", "(children 1)"),
        Node(1, "ExpressionList", ""),
        Node(2, "Literal", "UInt64_1"),
        Node(1, "Identifier", "x"),
    ]
    assert parse_tree("TableIdentifier rum.events (alias e)")[0].name == "rum.events"


@pytest.mark.parametrize(
    "tree",
    [
        "",  # nothing to check
        "SelectQuery\n!! not a node",  # a line of another shape
        " SelectQuery",  # the root indented
        "SelectQuery\n  Identifier x",  # a child two levels below its parent
        "SelectQuery\n Identifier x\n   Function file",  # and deeper down
    ],
    ids=["empty", "not-a-node", "indented-root", "skipped-level", "skipped-level-deeper"],
)
def test_a_tree_of_any_other_shape_is_refused(tree: str) -> None:
    assert refused(lambda: parse_tree(tree)) == UNCHECKED


@pytest.mark.parametrize(
    "sql",
    ["SELECT 1 AS `\x01a`", "SELECT 1 AS `a\x01`", 'SELECT 1 AS "\na"', "SELECT `a\\`b` FROM t"],
    ids=["control-first", "control-last", "newline-first", "backslash"],
)
def test_quoted_names_that_could_break_a_tree_line_are_refused_wherever_the_character_is(
    sql: str,
) -> None:
    assert "quoted names may not contain control characters or backslashes" in refused(
        lambda: Guard.check_names(sql, {})
    )


def test_quoted_text_and_comments_are_not_names() -> None:
    Guard.check_names("SELECT 'a\\nb', \"ok name\" /* `\x01` */ -- `\x02`\n", {})


def test_identifier_parameters_must_be_plain_names_and_be_given() -> None:
    query = "SELECT * FROM {t:Identifier}"
    Guard.check_names(query, {"t": "rum.page_views"})
    Guard.check_names(query, {"t": "page_views"})
    for value in ("system.users x", "a-b", "rum.`x`"):
        assert "parameter t must be a plain name like `db.table`" in refused(
            lambda v=value: Guard.check_names(query, {"t": v})
        )
    assert "parameter t must be a plain name" in refused(lambda: Guard.check_names(query, {}))
