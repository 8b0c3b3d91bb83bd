"""``rumhouse sourcemaps upload --site S --release R DIR``: a build's source maps into the
store (``collector.sourcemaps.upload``), through ``open_target`` (the server, the data
folder, or the running collector's SQL endpoint as a writer); ``rumhouse sourcemaps list``:
what is stored, per file."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from clickhouse_connect.driver.client import Client

from collector.errors import UsageError
from collector.settings import Settings
from collector.sourcemaps import upload
from collector.store.reader import open_reader
from collector.store.target import open_target

QueryResult = tuple[Sequence[str], list[tuple[Any, ...]]]
LIST = """
SELECT site, release, file, formatReadableSize(map_bytes) AS map,
       formatReadableSize(source_bytes) AS minified, uploaded_at
FROM sourcemaps FINAL
WHERE {site:String} = '' OR site = {site:String}
ORDER BY site, release, file
LIMIT 1000
"""
HELP = f"""\
upload: every *.map under DIR (a build's output folder) with its minified file, for the
pages of site S that set rumhouse('set', 'release', R). A stack's frames are matched to the
minified files by their paths in DIR; uploading a file again replaces it. At most
{upload.MAX_FILE_BYTES // 1024**2} MiB per map or minified file and \
{upload.MAX_RELEASE_BYTES // 1024**2} MiB per release.
list: the stored maps (of site S).
"""


def add_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> list[argparse.ArgumentParser]:
    """``sourcemaps upload`` and ``sourcemaps list``: the parsers that take the common flags."""
    parser = commands.add_parser(
        "sourcemaps", help="upload a release's source maps, list them",
        description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    actions = parser.add_subparsers(dest="action", required=True)
    up = actions.add_parser("upload", help="the maps under DIR, for site S and release R")
    up.add_argument("folder", type=Path, metavar="DIR", help="the folder the build wrote")
    up.add_argument("--site", required=True, help="the site key")
    up.add_argument("--release", required=True, help="the release the pages set")
    listing = actions.add_parser("list", help="the stored maps")
    listing.add_argument("--site", default="", help="one site key (default: all)")
    return [up, listing]


def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "list":
        return show(settings, args.site)
    if not args.site.strip() or not args.release.strip():
        raise UsageError("--site and --release may not be empty: the pages' site key and release")
    return send(settings, args.site, args.release, args.folder)


def send(settings: Settings, site: str, release: str, folder: Path) -> int:
    uploads = upload.find(folder)  # read and checked before anything is opened or sent
    client, where = open_target(settings)
    _check_table(client)
    maps = f"{len(uploads)} source map{'s' if len(uploads) > 1 else ''}"
    print(f"uploading {maps} into {where}", file=sys.stderr)
    total = upload.send(client, site, release, uploads, _progress)
    alone = sum(1 for u in uploads if not u.source)
    print(
        f"{maps} uploaded for site {site}, release {release}"
        + (f" ({alone} without its minified file: minified function names)" if alone else "")
        + f"; the release holds {upload.readable(total)}"
    )
    return 0


def _progress(done: upload.Upload) -> None:
    minified = (
        f"{upload.readable(len(done.source))} minified" if done.source else "no minified file"
    )
    print(f"  {done.file}: {upload.readable(len(done.map))} map, {minified}", file=sys.stderr)


def _check_table(client: Client) -> None:
    """A store migrated before source maps existed: say how to bring it up to date."""
    found = client.query("EXISTS TABLE sourcemaps").result_rows
    if not found[0][0]:
        raise UsageError(
            "the store has no sourcemaps table yet: restart the collector on this version,"
            " or run `rumhouse migrate`, then run this again"
        )


def show(settings: Settings, site: str) -> int:
    reader = open_reader(settings)
    out = reader.client.raw_query(
        LIST, parameters={"site": site}, fmt="PrettyCompactMonoBlock",
        settings=reader.settings(False),
    )  # fmt: skip
    sys.stdout.write(out.decode(errors="replace") or "no source maps uploaded yet\n")
    return 0
