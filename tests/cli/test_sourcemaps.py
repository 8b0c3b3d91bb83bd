"""``rumhouse sourcemaps upload`` and ``list`` in real processes: into a data folder, then
read back by ``rumhouse report``; and what they tell an operator when they cannot."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from collector.store import owner
from tests.cli.test_main import RUMHOUSE, sql
from tests.sourcemaps.bundle import (
    CALL,
    CART,
    MAIN,
    MESSAGE,
    THROW,
    Bundle,
    build,
    position,
    v8_stack,
)

ANALYSTS = '[[sql_users]]\nname = "default"\n'
WRITERS = ANALYSTS + '[[sql_users]]\nname = "maps"\npassword = "M4ps-upl0ad-42"\nrole = "writer"\n'


def rumhouse(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RUMHOUSE, *map(str, args)], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    return build(tmp_path_factory.mktemp("app"))


def test_sourcemaps_upload_list_and_report_read_them(tmp_path: Path, bundle: Bundle) -> None:
    data = tmp_path / "data"
    done = rumhouse("sourcemaps", "upload", "--data", data, "--site", "shop", "--release",
                    "2026.12.1", bundle.folder)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"uploading 1 source map into the data folder {data}" in done.stderr
    assert "  assets/app.min.js: 1.3 KiB map, 0.4 KiB minified" in done.stderr.splitlines()
    assert done.stdout.startswith("1 source map uploaded for site shop, release 2026.12.1;")
    again = rumhouse("sourcemaps", "upload", "--data", data, "--site", "shop", "--release",
                     "2026.12.1", bundle.folder)  # fmt: skip
    assert again.returncode == 0, again.stderr
    listed = rumhouse("sourcemaps", "list", "--data", data, "--site", "shop")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count("assets/app.min.js") == 1, "uploaded again: replaced"
    assert "2026.12.1" in listed.stdout
    assert rumhouse("sourcemaps", "list", "--data", data, "--site", "blog").stdout == (
        "no source maps uploaded yet\n"
    )

    stack = v8_stack(bundle, "https://shop.example/assets/app.min.js")
    insert = sql(data, "INSERT INTO errors (ts, site, release, error_type, message, stack, count)"
                 " SELECT now(), 'shop', '2026.12.1', 'RangeError', {m:String}, {s:String}, 1",
                 "--write", "--param", f"m={MESSAGE}", "--param", f"s={stack}")  # fmt: skip
    assert insert.returncode == 0, insert.stderr
    report = rumhouse("report", "--data", data)
    assert report.returncode == 0, report.stderr
    after = report.stdout.split("Example stacks\n", 1)[1]
    line, column = position(CART, THROW)
    assert f"  at computeTotal (src/cart.js:{line}:{column})" in after.splitlines()
    assert f"  > {line} | {CART.splitlines()[line - 1]}" in after.splitlines()
    assert f"  at checkout (src/main.js:{position(MAIN, CALL)[0]}:" in after


def test_sourcemaps_upload_refusals_say_what_to_do(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (tmp_path / "dist").mkdir()
    cases = {
        (tmp_path / "dist",): "no source maps (*.map) in",
        (tmp_path / "nowhere",): "is not a folder",
    }
    for (folder,), told in cases.items():
        done = rumhouse("sourcemaps", "upload", "--data", data, "--site", "shop", "--release",
                        "1", folder)  # fmt: skip
        assert done.returncode == 2
        assert done.stderr.startswith("rumhouse: ")
        assert told in done.stderr
        assert "Traceback" not in done.stderr
    empty = rumhouse("sourcemaps", "upload", "--data", data, "--site", " ", "--release", "1",
                     tmp_path)  # fmt: skip
    assert (empty.returncode, empty.stderr) == (
        2, "rumhouse: --site and --release may not be empty: the pages' site key and release\n"
    )  # fmt: skip
    missing = rumhouse("sourcemaps", "upload", "--data", data, "--site", "shop", tmp_path)
    assert missing.returncode == 2
    assert "the following arguments are required: --release" in missing.stderr
    assert not data.exists(), "nothing opened for a refused upload"


@pytest.fixture
def held(tmp_path: Path) -> Iterator[Path]:
    """A data folder held as a collector holds it, whose SQL endpoint is gone (a port bound
    then closed: nothing listens there)."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    ownership = owner.acquire(tmp_path / "data", sql=f"http://127.0.0.1:{port}")
    yield tmp_path / "data"
    ownership.release()


def test_sourcemaps_upload_through_a_collector_needs_a_writer_and_its_endpoint(
    held: Path, tmp_path: Path, bundle: Bundle
) -> None:
    analysts, writers = tmp_path / "analysts.toml", tmp_path / "writers.toml"
    analysts.write_text(ANALYSTS)
    writers.write_text(WRITERS)
    args = ("--data", held, "--site", "shop", "--release", "1", bundle.folder)
    refused = rumhouse("sourcemaps", "upload", "--config", analysts, *args)
    assert refused.returncode == 2
    assert "in use by a rumhouse collector" in refused.stderr
    assert "takes inserts only from a writer" in refused.stderr
    assert 'role = "writer"' in refused.stderr
    down = rumhouse("sourcemaps", "upload", "--config", writers, *args)
    assert down.returncode == 1
    assert "does not answer" in down.stderr
    assert "Run this again once `rumhouse serve` is up" in down.stderr
    assert "Traceback" not in down.stderr
