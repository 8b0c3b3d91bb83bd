"""Conversions are marked as events arrive, by the `conversions` setting of the beacon's site:
a listed site's own, the top-level one for any other key (open mode, simulated histories)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from collector.ingest.enrich import Client, Enricher
from collector.ingest.enrich.geo import CountryLookup
from collector.ingest.outcomes import Drops
from collector.ingest.validate import parse_beacon
from collector.settings import load_settings
from tests.conftest import beacon

EVENTS = [
    {"name": "purchase", "value": 49.9},
    {"name": "signup"},
    {"name": "add_to_cart", "value": 12.0},
    {"name": "Purchase", "value": 5.0},  # names are compared exactly
]
SHOP = {"key": "shop", "origins": ["*"], "conversions": ["signup", "add_to_cart"]}


def marks(site: str, **settings: Any) -> list[tuple[str, bool]]:
    enricher = Enricher(CountryLookup(), load_settings(open_mode=True, **settings))
    body = parse_beacon(orjson.dumps(beacon(site=site, events=EVENTS)), Drops())
    view, _ = enricher.enrich(body, Client("203.0.113.1", ""), datetime.now(UTC))
    return [(event.name, event.conversion) for event in view.events]


def test_conversions_default_to_purchase_for_any_site() -> None:
    assert marks("anything") == [
        ("purchase", True), ("signup", False), ("add_to_cart", False), ("Purchase", False),
    ]  # fmt: skip


def test_conversions_of_a_listed_site_are_its_own() -> None:
    assert marks("shop", sites=(SHOP,)) == [
        ("purchase", False), ("signup", True), ("add_to_cart", True), ("Purchase", False),
    ]  # fmt: skip


def test_conversions_of_an_unlisted_key_are_the_top_level_setting() -> None:
    assert marks("demo", sites=(SHOP,), conversions=("signup",)) == [
        ("purchase", False), ("signup", True), ("add_to_cart", False), ("Purchase", False),
    ]  # fmt: skip


def test_conversions_none_marks_nothing() -> None:
    assert not any(mark for _, mark in marks("demo", conversions=()))


@pytest.mark.parametrize("names", [("",), ("x" * 65,)])
def test_conversions_names_that_could_never_match_are_refused(names: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError, match="conversions"):
        load_settings(conversions=names)
    with pytest.raises(ValidationError, match="conversions"):
        load_settings(sites=({**SHOP, "conversions": list(names)},))
