from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from collector.settings import load_settings


def test_settings_defaults_are_embedded_on_loopback() -> None:
    settings = load_settings()
    assert (settings.host, settings.port, settings.embedded) == ("127.0.0.1", 8080, True)
    assert settings.flush_interval == 1.0
    assert settings.max_body_bytes == 64 * 1024


def test_settings_precedence_defaults_toml_env_flags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = tmp_path / "rumhouse.toml"
    toml.write_text('port = 9000\nflush_interval = 2.5\nhost = "0.0.0.0"\n')
    assert load_settings(toml).port == 9000
    monkeypatch.setenv("RUMHOUSE_PORT", "9100")
    settings = load_settings(toml)
    assert (settings.port, settings.flush_interval, settings.host) == (9100, 2.5, "0.0.0.0")
    assert load_settings(toml, port=9200).port == 9200


def test_settings_unknown_key_is_an_error(tmp_path: Path) -> None:
    toml = tmp_path / "rumhouse.toml"
    toml.write_text("prot = 9000\n")
    with pytest.raises(ValidationError, match="prot"):
        load_settings(toml)


def test_settings_clickhouse_url_selects_server_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUMHOUSE_CLICKHOUSE_URL", "https://u:p@ch.example:8443/rum")
    assert not load_settings().embedded
    monkeypatch.setenv("RUMHOUSE_CLICKHOUSE_URL", "tcp://ch.example:9000")
    with pytest.raises(ValidationError, match="http:// or https://"):
        load_settings()


def test_settings_refuse_sql_listener_off_loopback_without_passwords() -> None:
    with pytest.raises(ValidationError, match="give every user in sql_users a password"):
        load_settings(sql_host="0.0.0.0")
    settings = load_settings(
        sql_host="0.0.0.0", sql_users=({"name": "analyst", "password": "long-random-secret"},)
    )
    assert settings.sql_host == "0.0.0.0"


def test_settings_placeholder_password_is_an_error() -> None:
    with pytest.raises(ValidationError, match="placeholder"):
        load_settings(sql_users=({"name": "default", "password": "changeme"},))


def test_settings_sites_from_the_toml_file_as_in_the_readme(tmp_path: Path) -> None:
    toml = tmp_path / "rumhouse.toml"
    toml.write_text(
        '[[sites]]\nkey = "shop"\norigins = ["https://shop.example", "https://www.shop.example"]\n'
        "sample_rate = 0.5\nrespect_gpc = true\n"
    )
    [site] = load_settings(toml).sites
    assert (site.key, site.origins, site.sample_rate, site.respect_gpc) == (
        "shop", ("https://shop.example", "https://www.shop.example"), 0.5, True,
    )  # fmt: skip


def test_settings_site_origin_must_be_an_origin(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="is not an origin"):
        load_settings(sites=({"key": "shop", "origins": ["shop.example/path"]},))
