"""Operator-facing failures are one line each, with where and what to do, and no traceback:
the real ``rumhouse`` entry point, in this process (settings) or as a child (a busy port)."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from collector.cli.main import main
from tests.cli.test_main import RUMHOUSE


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["config", "check", *argv])
    return code, capsys.readouterr().err


def settings_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "rumhouse.toml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('port = 8080\nhost = "x\n', "line 2, column 10: Illegal character '\\n' (TOML syntax)"),
        (
            '[[sites]]\nkey = "shop"\norgins = ["https://shop.example"]\n',
            "line 3: unknown key 'orgins' in sites[0]; did you mean 'origins'?",
        ),
        (
            '[sites]\nkey = "shop"\n',
            "line 1: sites is a list of tables: write [[sites]] (one block per site), not [sites]",
        ),
        ("prot = 9999\n", "line 1: unknown key 'prot'; did you mean 'port'?"),
        (
            '[[sites]]\nkey = "a"\norigins = ["*"]\n\n[[sites]]\nkey = "b"\norigins = ["ftp://b"]\n',
            "line 7: sites[1].origins: 'ftp://b' is not an origin like https://shop.example"
            " (got ['ftp://b'])",
        ),
        (
            'durability = "durabel"\n',
            "line 1: durability: 'durabel' is not one of memory, durable; did you mean 'durable'?",
        ),
        (
            'trusted_proxies = ["10.0.0.1/8"]\n',
            "line 1: trusted_proxies[0]: not an IP network like 10.0.0.0/8 or 2001:db8::/32"
            " (the host part all zero) (got '10.0.0.1/8')",
        ),
        (
            '[[sql_users]]\nname = "a"\npasword = "x"\n',
            "line 3: unknown key 'pasword' in sql_users[0]; did you mean 'password'?",
        ),
        (
            'sites = "shop"\n',
            "line 1: sites is a list of tables: write one [[sites]] block per site",
        ),
        (
            '[[sites]]\nkey = "a"\norigins = "https://a.example"\n',
            "line 3: sites[0].origins: a list is needed: write ['https://a.example']",
        ),
        (
            'public_url = "rum.example"\n',
            "line 1: public_url: must be an address like https://rum.example.com"
            " (got 'rum.example')",
        ),
        (
            'clickhouse_url = "htps://w:Secret-9@ch/rum"\n',
            "line 1: clickhouse_url: must start with"
            " http:// or https:// (for example https://user:password@clickhouse:8443/rum)",
        ),
    ],
    ids=[
        "toml-syntax",
        "key-typo",
        "single-table",
        "top-level-typo",
        "bad-origin",
        "enum-typo",
        "network-host-bits",
        "sql-user-typo",
        "sites-string",
        "origins-string",
        "public-url",
        "secret-not-echoed",
    ],
)
def test_a_bad_settings_file_is_one_line_naming_file_line_and_fix(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, says: str
) -> None:
    path = settings_file(tmp_path, text)
    assert run(capsys, "--config", path) == (2, f"rumhouse: {path}, {says}\n")


def test_a_bad_variable_names_itself_and_shows_the_json_it_wants(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUMHOUSE_SITES", "shop")
    assert run(capsys) == (
        2,
        "rumhouse: RUMHOUSE_SITES: not valid JSON; a list or table setting is given as JSON"
        ' (for example RUMHOUSE_SITES=\'[{"key": "shop", "origins": ["https://shop.example"]}]\')\n',
    )
    monkeypatch.setenv("RUMHOUSE_SITES", "[]")
    monkeypatch.setenv("RUMHOUSE_PORT", "http")
    assert run(capsys) == (
        2,
        "rumhouse: RUMHOUSE_PORT: port: Input should be a valid integer, unable to parse string"
        " as an integer (got 'http')\n",
    )


def test_a_misspelled_variable_is_warned_about_not_ignored_silently(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUMHOUSE_PROT", "9999")
    monkeypatch.setenv("RUMHOUSE_ZZZ", "1")
    code, err = run(capsys)
    assert code == 0
    assert err == (
        "rumhouse: warning: RUMHOUSE_PROT is not a setting and is ignored;"
        " did you mean 'RUMHOUSE_PORT'?\n"
        "rumhouse: warning: RUMHOUSE_ZZZ is not a setting and is ignored\n"
    )


def test_a_settings_file_that_is_not_utf8_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'host = "\xff"\n')
    assert run(capsys, "--config", str(path)) == (
        2, f"rumhouse: {path}: not UTF-8 text (invalid start byte at byte 8): save it as UTF-8\n",
    )  # fmt: skip


def test_two_listeners_on_one_port_and_a_port_that_is_no_number(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(capsys, "--port", "9000", "--sql-port", "9000") == (
        2, "rumhouse: port and sql_port are both 9000: give each its own\n",
    )  # fmt: skip
    monkeypatch.setenv("RUMHOUSE_CLICKHOUSE_URL", "https://u:p@ch:nine/rum")
    assert run(capsys) == (
        2, "rumhouse: RUMHOUSE_CLICKHOUSE_URL: clickhouse_url: its port is not a number\n",
    )  # fmt: skip


def test_data_that_is_a_file_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "afile").touch()
    assert main(["migrate", "--data", str(tmp_path / "afile")]) == 2
    assert capsys.readouterr().err == (
        f"rumhouse: the data folder {tmp_path / 'afile'} is a file: give --data a folder\n"
    )


def test_usage_mistakes_exit_2_and_say_what_to_change(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(capsys, "--config", str(tmp_path / "nosuch.toml")) == (
        2, f"rumhouse: no settings file at {tmp_path / 'nosuch.toml'} (from --config)\n",
    )  # fmt: skip
    assert main(["migrate", "--data", str(tmp_path / "d"), "--print"]) == 2
    assert capsys.readouterr().err == "rumhouse: --print goes with --cluster NAME\n"


def test_simulate_without_a_collector_is_a_runtime_failure(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port nothing listens on: bound, never listening
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
        assert main(["simulate", "--url", url, "--count", "1"]) == 1
    last = capsys.readouterr().err.split("\n")[-2]  # the progress line ends first
    assert last.startswith(f"rumhouse: cannot reach a collector at {url} (")
    assert last.endswith("); start one with `make run`")


def test_debug_shows_the_traceback(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = settings_file(tmp_path, "prot = 1\n")
    with pytest.raises(Exception, match="prot"):
        main(["config", "check", "--config", path, "--debug"])


def test_a_busy_port_is_one_line_before_any_banner(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for flag in ("--port", "--sql-port", "--admin-port"):
            ports = {"--port": "0", "--sql-port": "0", "--admin-port": "0"} | {flag: str(port)}
            served = subprocess.run(
                [RUMHOUSE, "serve", "--open", "--data", str(tmp_path / "data"),
                 *(x for item in ports.items() for x in item)],
                capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
            assert (served.returncode, served.stdout) == (1, ""), served.stderr
            assert served.stderr == (
                f"rumhouse: 127.0.0.1:{port} is already in use (another collector, or another"
                f" program): stop it, or choose another port with {flag}\n"
            ), "one line, before anything else"
            assert not (tmp_path / "data").exists(), "checked before the store is opened"
