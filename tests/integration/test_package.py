"""The built wheel is the product: installed into a fresh virtual environment, outside the
repository, it serves the beacon and applies its migrations with nothing of the checkout."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import sysconfig
import urllib.request
from collections.abc import Callable
from pathlib import Path

import brotli
import orjson

from tests.cli.test_main import listening, post, wait_healthy
from tests.conftest import beacon
from tests.http.test_rum_js import built

REPO = Path(__file__).resolve().parents[2]
IGNORED = shutil.ignore_patterns("__pycache__")
DECODE: dict[str, Callable[[bytes], bytes]] = {
    "br": brotli.decompress, "gzip": gzip.decompress, "identity": lambda body: body,
}  # fmt: skip


def _run(*args: str | Path, cwd: Path) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


def _sources(tmp_path: Path) -> Path:
    """What the wheel is built from, copied out of the checkout: without the checkout's
    build/ and rumhouse.egg-info/, whose lists of files from earlier builds would put into
    the wheel what the package data leaves out."""
    sources = tmp_path / "sources"
    for part in ("pyproject.toml", "README.md", "collector", "schema", "js-beacon/dist"):
        (sources / part).parent.mkdir(parents=True, exist_ok=True)
        if (REPO / part).is_dir():
            shutil.copytree(REPO / part, sources / part, ignore=IGNORED)
        else:
            shutil.copy2(REPO / part, sources / part)
    return sources


def _venv_with_the_wheel(tmp_path: Path) -> Path:
    """A new venv holding only the wheel; its dependencies are read from this venv's
    site-packages (a path in a .pth file, whose own .pth files are not run: this venv's
    editable install of the checkout stays out)."""
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp_path / "wheel",
         _sources(tmp_path), cwd=tmp_path)  # fmt: skip
    wheel = next((tmp_path / "wheel").glob("rumhouse-*.whl"))
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    purelib = Path(sysconfig.get_paths(vars={"base": str(venv), "platbase": str(venv)})["purelib"])
    (purelib / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q",
         "--no-deps", wheel, cwd=tmp_path)  # fmt: skip
    return venv


def test_package_wheel_installs_and_serves_outside_the_repo(tmp_path: Path) -> None:
    venv = _venv_with_the_wheel(tmp_path)
    where = _run(venv / "bin" / "python", "-c", "import collector; print(collector.__file__)",
                 cwd=tmp_path)  # fmt: skip
    assert where.startswith(str(venv)), where
    harness = subprocess.run(
        [venv / "bin" / "python", "-c", "import bench"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert harness.returncode != 0, "the benchmark harness is not part of the package"
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        serve = subprocess.Popen(
            [venv / "bin" / "rumhouse", "serve", "--open", "--port", "0", "--sql-port", "0",
             "--admin-port", "0"],
            cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT, text=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("RUMHOUSE_")},
        )  # fmt: skip
    try:
        url = listening(log, serve).url
        wait_healthy(url, serve)
        for coding, decode in DECODE.items():  # the wheel carries the compressed copies too
            asked = urllib.request.Request(f"{url}/rum.js", headers={"Accept-Encoding": coding})
            with urllib.request.urlopen(asked, timeout=5) as response:
                assert response.headers.get("Content-Encoding", "identity") == coding
                assert decode(response.read()) == built()
        assert post(url, orjson.dumps(beacon(page_view_id="wheelinstalled01"))) == 204
    finally:
        serve.terminate()
        serve.wait(timeout=60)
    output = log.read_text()
    assert serve.returncode == 0, output
    assert "applied migration 0006" in output
    assert (tmp_path / "data").is_dir(), "the store is in the directory it was started from"
    stored = _run(venv / "bin" / "rumhouse", "sql", "SELECT page_view_id FROM page_views",
                  "--format", "TSV", cwd=tmp_path)  # fmt: skip
    assert stored == "wheelinstalled01\n"
