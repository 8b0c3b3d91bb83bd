"""What ``rumhouse sourcemaps upload`` sends and refuses: maps found with their minified
files, checked, and bounded per file and per release (the release's stored files counted)."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from clickhouse_connect.driver.client import Client

from collector.sourcemaps import upload
from collector.sourcemaps.upload import MAX_FILE_BYTES, MAX_RELEASE_BYTES, BadUpload, Upload
from tests.sourcemaps.bundle import Bundle

MIB = 1024**2


def test_upload_finds_each_map_with_its_minified_file(bundle: Bundle) -> None:
    [found] = upload.find(bundle.folder)
    assert found.file == "assets/app.min.js"
    assert found.source == bundle.script.read_bytes()
    assert found.map == (bundle.folder / "assets" / "app.min.js.map").read_bytes()


def test_upload_takes_the_minified_name_from_the_maps_file_field(
    bundle: Bundle, tmp_path: Path
) -> None:
    """webpack's way: main.js.map whose "file" is main.3f8a.js, beside it."""
    doc = json.loads((bundle.folder / "assets" / "app.min.js.map").read_text())
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "main.js.map").write_text(json.dumps(doc | {"file": "main.3f8a.js"}))
    shutil.copy(bundle.script, tmp_path / "js" / "main.3f8a.js")
    (tmp_path / "up.js.map").write_text(json.dumps(doc | {"file": "../outside.js"}))
    (tmp_path / "cdn.js.map").write_text(json.dumps(doc | {"file": "https://cdn.example/a.js"}))
    found = {u.file: u for u in upload.find(tmp_path)}
    assert sorted(found) == ["cdn.js", "js/main.3f8a.js", "up.js"], "outside or a URL: own name"
    assert found["js/main.3f8a.js"].source == bundle.script.read_bytes()
    assert found["up.js"].source == b""


def _refusal(folder: Path) -> str:
    with pytest.raises(BadUpload) as refused:
        upload.find(folder)
    assert refused.value.exit_code == 2
    return str(refused.value)


def test_upload_refuses_what_is_not_a_build_folder_of_maps(tmp_path: Path) -> None:
    assert "is not a folder" in _refusal(tmp_path / "missing")
    (tmp_path / "app.js").write_text("x")
    assert _refusal(tmp_path) == (
        f"no source maps (*.map) in {tmp_path}: build with source maps on (esbuild --sourcemap,"
        " Vite build.sourcemap, webpack devtool: 'source-map') and upload the folder the build"
        " wrote"
    )
    (tmp_path / "app.js.map").write_text("{not json")
    assert "app.js.map is not JSON" in _refusal(tmp_path)
    (tmp_path / "app.js.map").write_text('{"version": 3, "sources": []}')
    assert 'has no "mappings": not a source map' in _refusal(tmp_path)
    (tmp_path / "app.js.map").write_text('{"version": 3, "sources": [], "mappings": "!!!"}')
    assert _refusal(tmp_path) == (
        f"{tmp_path / 'app.js.map'} cannot be read as a source map:"
        " leftover cur/shift in vlq decode"
    ), "symbolic's reason"


def test_upload_takes_an_index_map_of_sections(bundle: Bundle, tmp_path: Path) -> None:
    """An index map (version 3 "sections", no "mappings" of its own) is a source map too."""
    shutil.copytree(bundle.folder, tmp_path / "dist")
    path = tmp_path / "dist" / "assets" / "app.min.js.map"
    doc = json.loads(path.read_text())
    path.write_text(
        json.dumps({"version": 3, "sections": [{"offset": {"line": 0, "column": 0}, "map": doc}]})
    )
    [found] = upload.find(tmp_path / "dist")
    assert (found.file, found.map) == ("assets/app.min.js", path.read_bytes())


def test_upload_refuses_two_maps_of_one_file(bundle: Bundle, tmp_path: Path) -> None:
    text = (bundle.folder / "assets" / "app.min.js.map").read_text()
    (tmp_path / "app.min.js.map").write_text(text)
    (tmp_path / "other.map").write_text(json.dumps(json.loads(text) | {"file": "app.min.js"}))
    assert "two maps in" in _refusal(tmp_path)
    assert "app.min.js" in _refusal(tmp_path)
    (tmp_path / "b.js.map").write_text(text)
    (tmp_path / "other-b.map").write_text(json.dumps(json.loads(text) | {"file": "b.js"}))
    assert _refusal(tmp_path) == f"two maps in {tmp_path} map the same file: app.min.js, b.js"


def test_upload_refuses_a_map_or_minified_file_over_the_bound(
    bundle: Bundle, tmp_path: Path
) -> None:
    shutil.copytree(bundle.folder, tmp_path / "dist")
    script = tmp_path / "dist" / "assets" / "app.min.js"
    with script.open("ab") as grow:  # a comment line: still the same script
        grow.write(b"\n//" + b"x" * (MAX_FILE_BYTES - script.stat().st_size - 3))
    assert script.stat().st_size == MAX_FILE_BYTES
    assert upload.find(tmp_path / "dist")[0].source.startswith(bundle.minified.encode())
    with script.open("ab") as grow:
        grow.write(b"x")
    assert _refusal(tmp_path / "dist") == (
        f"{script} is 16.0 MiB: a minified file may be at most 16.0 MiB. Split the bundle (code"
        " splitting) or leave this file out of the folder"
    )
    script.unlink()
    huge = tmp_path / "dist" / "assets" / "app.min.js.map"
    huge.write_bytes(huge.read_bytes() + b" " * MAX_FILE_BYTES)
    assert "a source map may be at most 16.0 MiB" in _refusal(tmp_path / "dist")


def _of(file: str, size: int) -> Upload:
    return Upload(file, Path(f"{file}.map"), b"m" * size, b"")


def test_upload_release_bound_counts_what_is_stored_and_not_replaced() -> None:
    stored = {"a.js": 30 * MIB, "b.js": 30 * MIB}
    assert upload.check_release([_of("a.js", 34 * MIB)], stored, "1.0") == MAX_RELEASE_BYTES
    with pytest.raises(BadUpload) as refused:
        upload.check_release([_of("c.js", 4 * MIB + 1)], stored, "1.0")
    assert str(refused.value) == (
        "release 1.0 would hold 64.0 MiB of maps and minified files (60.0 MiB stored already):"
        " at most 64.0 MiB per release. Upload only the maps of the release's own bundles"
    )


def test_upload_send_checks_the_release_stored_in_the_store(
    migrated: Client, bundle: Bundle
) -> None:
    """A release that holds 63.99 MiB already (as its rows say) takes no more."""
    migrated.insert(
        "sourcemaps", [["shop", "1.0", "other.js", "{}", "", MAX_RELEASE_BYTES - 1000, 0]],
        column_names=upload.COLUMNS,
    )  # fmt: skip
    uploads = upload.find(bundle.folder)
    assert uploads[0].size > 1000, "the premise"
    with pytest.raises(BadUpload, match=r"would hold 64\.0 MiB"):
        upload.send(migrated, "shop", "1.0", uploads, lambda _: None)
    sent: list[str] = []
    upload.send(migrated, "shop", "1.1", uploads, lambda u: sent.append(u.file))
    assert sent == ["assets/app.min.js"]
    rows = migrated.query("SELECT release, file FROM sourcemaps FINAL ORDER BY release").result_rows
    assert rows == [("1.0", "other.js"), ("1.1", "assets/app.min.js")]


def test_upload_send_replaces_a_stored_file_of_the_release(
    migrated: Client, bundle: Bundle
) -> None:
    """The file stored already (63.99 MiB, as its row says) is replaced, not added to."""
    migrated.insert(
        "sourcemaps",
        [["shop", "1.0", "assets/app.min.js", "{}", "", MAX_RELEASE_BYTES - 1000, 0]],
        column_names=upload.COLUMNS,
    )
    size = len(bundle.script.read_bytes()) + len(
        (bundle.folder / "assets" / "app.min.js.map").read_bytes()
    )
    assert size > 1000, "the premise: added to, it would be over the bound"
    total = upload.send(migrated, "shop", "1.0", upload.find(bundle.folder), lambda _: None)
    assert total == size


def test_upload_send_stores_invalid_utf8_with_replacement_characters(
    migrated: Client, bundle: Bundle, tmp_path: Path
) -> None:
    """A minified file (or map) with bytes that are not UTF-8 is stored all the same, those
    bytes as U+FFFD; the sizes are the files' own."""
    shutil.copytree(bundle.folder, tmp_path / "dist")
    with (tmp_path / "dist" / "assets" / "app.min.js").open("ab") as latin1:
        latin1.write(b"\n//caf\xe9")
    [found] = upload.find(tmp_path / "dist")
    odd = dataclasses.replace(found, map=found.map.replace(b"negative", b"n\xe9gative"))
    upload.send(migrated, "shop", "1.0", [odd], lambda _: None)
    [(text, source, map_bytes, source_bytes)] = migrated.query(
        "SELECT map, source, map_bytes, source_bytes FROM sourcemaps FINAL"
    ).result_rows
    assert "n\ufffdgative quantity for " in text
    assert source.endswith("\n//caf\ufffd")
    assert (map_bytes, source_bytes) == (len(odd.map), len(bundle.script.read_bytes()) + 7)


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (1331, "1.3 KiB"),
        (4096, "4.0 KiB"),
        (1024 * 1000, "1000.0 KiB"),
        (MIB, "1.0 MiB"),
        (1024 * 1025, "1.0 MiB"),
        (16 * MIB, "16.0 MiB"),
    ],
)
def test_upload_sizes_read_in_kib_below_a_mib(size: int, text: str) -> None:
    assert upload.readable(size) == text
