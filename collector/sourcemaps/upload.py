"""What ``rumhouse sourcemaps upload`` sends: every ``*.map`` under the build's folder, with
the minified file it maps, each checked (a source map that ``symbolic`` reads) and bounded
(``MAX_FILE_BYTES`` per file, ``MAX_RELEASE_BYTES`` per release, counting the files of the
release stored already that this upload does not replace), then one insert per file.

A map's minified file is the one its ``file`` field names (beside the map), else the map's
own name without ``.map``; its path inside the folder (``assets/app.min.js``) is what a
stack's frames are matched against. A map whose minified file is not in the folder is
uploaded alone: its frames get original files and lines, and the stack's (minified)
function names.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from clickhouse_connect.driver.client import Client
from symbolic.exceptions import SymbolicError
from symbolic.sourcemapcache import SourceMapCache

from collector.errors import UsageError

MAX_FILE_BYTES = 16 * 1024**2
MAX_RELEASE_BYTES = 64 * 1024**2
COLUMNS = ("site", "release", "file", "map", "source", "map_bytes", "source_bytes")
STORED = (
    "SELECT file, map_bytes + source_bytes FROM sourcemaps FINAL"
    " WHERE site = {site:String} AND release = {release:String}"
)


class BadUpload(UsageError):
    """A folder, map or size the upload refuses; the message names the file."""


@dataclass(frozen=True)
class Upload:
    file: str  # the minified file's path inside the folder, with "/"
    map_path: Path
    map: bytes
    source: bytes  # the minified file, b"" when it is not in the folder

    @property
    def size(self) -> int:
        return len(self.map) + len(self.source)


def readable(size: int) -> str:
    """``1.3 KiB``, ``16.0 MiB``: sizes as the limits are written."""
    return f"{size / 1024:.1f} KiB" if size < 1024**2 else f"{size / 1024**2:.1f} MiB"


def _read(path: Path, what: str) -> bytes:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise BadUpload(
            f"{path} is {readable(size)}: a {what} may be at most {readable(MAX_FILE_BYTES)}."
            " Split the bundle (code splitting) or leave this file out of the folder"
        )
    return path.read_bytes()


def _minified(folder: Path, map_path: Path, named: object) -> Path:
    """The minified file's path (whether or not it exists): ``file`` beside the map when it
    stays inside the folder, else the map's name without ``.map``."""
    if isinstance(named, str) and named and "://" not in named:
        beside = Path(os.path.normpath(map_path.parent / named))
        if beside.is_relative_to(folder):
            return beside
    return map_path.with_suffix("")


def read_map(folder: Path, map_path: Path) -> Upload:
    data = _read(map_path, "source map")
    try:
        doc = json.loads(data)
    except ValueError as error:
        raise BadUpload(f"{map_path} is not JSON ({error}): not a source map") from None
    if not isinstance(doc, dict) or not ("mappings" in doc or "sections" in doc):
        raise BadUpload(f'{map_path} has no "mappings": not a source map (version 3)')
    minified = _minified(folder, map_path, doc.get("file"))
    source = _read(minified, "minified file") if minified.is_file() else b""
    try:
        SourceMapCache.from_bytes(source, data)
    except SymbolicError as error:
        raise BadUpload(f"{map_path} cannot be read as a source map: {error}") from None
    return Upload(minified.relative_to(folder).as_posix(), map_path, data, source)


def find(folder: Path) -> list[Upload]:
    """Every map under ``folder``, read and checked (nothing is sent before all are)."""
    folder = Path(os.path.normpath(folder))  # the maps' paths below start with it
    if not folder.is_dir():
        raise BadUpload(f"{folder} is not a folder: give the folder the build wrote its files to")
    paths = sorted(p for p in folder.rglob("*.map") if p.is_file())
    if not paths:
        raise BadUpload(
            f"no source maps (*.map) in {folder}: build with source maps on (esbuild"
            " --sourcemap, Vite build.sourcemap, webpack devtool: 'source-map') and upload"
            " the folder the build wrote"
        )
    uploads = [read_map(folder, path) for path in paths]
    files = [u.file for u in uploads]
    twice = sorted({f for f in files if files.count(f) > 1})
    if twice:
        raise BadUpload(f"two maps in {folder} map the same file: {', '.join(twice)}")
    return uploads


def check_release(uploads: list[Upload], stored: dict[str, int], release: str) -> int:
    """The release's size once uploaded (``stored``: bytes per file already stored)."""
    replaced = {u.file for u in uploads}
    kept = sum(size for file, size in stored.items() if file not in replaced)
    total = kept + sum(u.size for u in uploads)
    if total > MAX_RELEASE_BYTES:
        raise BadUpload(
            f"release {release} would hold {readable(total)} of maps and minified files"
            f" ({readable(kept)} stored already): at most {readable(MAX_RELEASE_BYTES)} per"
            " release. Upload only the maps of the release's own bundles"
        )
    return total


def send(
    client: Client, site: str, release: str, uploads: list[Upload],
    progress: Callable[[Upload], None],
) -> int:  # fmt: skip
    """Checks the release's size with what is stored, then inserts each file (one insert
    each: a SQL endpoint's body bound is per request); the release's size in bytes."""
    rows = client.query(STORED, parameters={"site": site, "release": release}).result_rows
    total = check_release(uploads, {str(f): int(n) for f, n in rows}, release)
    for upload in uploads:
        row = [
            site, release, upload.file, upload.map.decode(errors="replace"),
            upload.source.decode(errors="replace"), len(upload.map), len(upload.source),
        ]  # fmt: skip
        client.insert("sourcemaps", [row], column_names=COLUMNS)
        progress(upload)
    return total
