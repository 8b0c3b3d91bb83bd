from __future__ import annotations

from collector.ingest.enrich.geo import CountryLookup


def test_geo_gives_country_code_for_a_public_address() -> None:
    lookup = CountryLookup()
    assert lookup.country("8.8.8.8") == "US"
    assert lookup.country("81.2.69.160") == "GB"


def test_geo_gives_empty_country_for_private_or_malformed_addresses() -> None:
    lookup = CountryLookup()
    for address in ("127.0.0.1", "10.1.2.3", "not an ip", "999.1.1.1"):
        assert lookup.country(address) == ""
