"""Hand-written mutants: the promises that live in SQL, JSON, settings and the beacon, where
mutmut and Stryker do not reach, and the ones an issue named. Each change is made in a
scratch copy of the repository, and the tests named for it must fail there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from mutation import score

ROOT = Path(__file__).resolve().parents[1]
LIST = Path(__file__).with_name("promises.toml")


@dataclass(frozen=True)
class Promise:
    what: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]
    equivalent: str = ""  # why breaking the code this way breaks no promise

    @property
    def beacon(self) -> bool:
        return self.file.startswith("js-beacon/")


def load() -> list[Promise]:
    entries = tomllib.loads(LIST.read_text())["promise"]
    return [Promise(**e | {"tests": tuple(e["tests"])}) for e in entries]


def scratch() -> Path:
    """A copy of the tracked files, the built beacon and the beacon's npm packages."""
    copy = Path(tempfile.mkdtemp(prefix="rumhouse-promises-"))
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        target = copy / name.decode()
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name.decode(), target)
    shutil.copytree(ROOT / "js-beacon" / "dist", copy / "js-beacon" / "dist")
    (copy / "js-beacon" / "node_modules").symlink_to(ROOT / "js-beacon" / "node_modules")
    return copy


def check(copy: Path, p: Promise) -> bool:
    """True when the tests fail with the change made (the mutant is killed)."""
    path = copy / p.file
    original = path.read_text()
    assert p.old in original, f"{p.file} no longer contains {p.old!r}: update promises.toml"
    path.write_text(original.replace(p.old, p.new))
    try:
        if p.beacon:
            js = copy / "js-beacon"
            subprocess.run(["node", "build.mjs"], cwd=js, check=True)
            command = ["node", "scripts/test.mjs"]
            done = subprocess.run(command, cwd=js, capture_output=True, check=False)
        else:
            command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
            env = os.environ | {"PYTHONPATH": str(copy)}  # the copy's collector, also in children
            done = subprocess.run(
                [*command, *p.tests], cwd=copy, env=env, capture_output=True, check=False
            )
        return done.returncode != 0
    finally:
        path.write_text(original)
        if p.beacon:
            subprocess.run(["node", "build.mjs"], cwd=copy / "js-beacon", check=True)


def main() -> bool:
    promises = load()
    print(f"promises: {len(promises)} hand-written mutants, each in a scratch copy ...")
    copy = scratch()
    lines, broken = [], 0
    try:
        for p in promises:
            killed = check(copy, p)
            verdict = "killed" if killed else ("equivalent" if p.equivalent else "SURVIVED")
            broken += verdict == "SURVIVED"
            print(f"  {verdict:<10} {p.what}", flush=True)
            lines.append(f"{verdict}: {p.what} ({p.file})")
            if p.equivalent and not killed:
                lines.append(f"    equivalent: {p.equivalent}")
    finally:
        shutil.rmtree(copy)
    print(f"promises: {len(promises) - broken} of {len(promises)} guarded")
    score.write_survivors("promises", "\n".join(lines))
    return broken == 0
