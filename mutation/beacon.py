"""Stryker over js-beacon/src: each mutant is built into rum.js and run through the node and
chromium tests (js-beacon/stryker.config.json); outcomes are read from its JSON reports.

A whole run takes hours on two cores, so a run may be given files (``src/spa.ts``), or some
lines of one (``src/nav.ts:30-37``, to run a survivor's mutants again after a new test): each
run's outcomes are kept in ``mutation/beacon-runs/`` (committed, so that later runs, on
this machine or another, go on from them), and a file's outcomes are those of the newest
run made from the file as it is now. A file changed since its last run counts as
not run, as mutmut does with a changed function, and a run given no files runs only those."""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

from mutation import equivalent, score

ROOT = Path(__file__).resolve().parents[1]
JS = ROOT / "js-beacon"
REPORT = JS / "reports" / "mutation" / "mutation.json"
PARTS = ROOT / "mutation" / "beacon-runs"
# What a kept run holds of each mutant (Stryker's report also has the tests' output).
KEPT = ("id", "mutatorName", "replacement", "location", "status")
TARGET = 80.0
KILLED = {"Killed", "Timeout", "CompileError", "RuntimeError"}


def name(path: str, mutant: dict[str, object]) -> str:
    """A mutant's stable name: file, line and what the mutator did."""
    start = mutant["location"]["start"]  # type: ignore[index]
    return f"{path}:{start['line']}:{start['column']} {mutant['mutatorName']}"


def run_stryker(files: list[str]) -> None:
    which = ", ".join(files) if files else "js-beacon/src"
    print(f"Stryker: mutating {which} and running the beacon's tests ...", flush=True)
    REPORT.unlink(missing_ok=True)
    command = ["npx", "stryker", "run", *(["--mutate", ",".join(files)] if files else [])]
    subprocess.run(command, cwd=JS, check=False)
    if REPORT.exists():  # kept beside the earlier runs' outcomes
        PARTS.mkdir(parents=True, exist_ok=True)
        report = json.loads(REPORT.read_text())
        outcomes = {
            path: {"source": entry["source"],
                   "mutants": [{k: m[k] for k in KEPT if k in m} for m in entry["mutants"]]}
            for path, entry in report["files"].items()
        }  # fmt: skip
        kept = json.dumps({"files": outcomes}, indent=1, sort_keys=True)
        (PARTS / f"{time.time_ns()}.json").write_text(kept + "\n")


def mutated() -> list[str]:
    """The files Stryker mutates (its ``mutate`` globs), relative to js-beacon."""
    globs = json.loads((JS / "stryker.config.json").read_text())["mutate"]
    keep = {p for g in globs if not g.startswith("!") for p in JS.glob(g)}
    drop = {p for g in globs if g.startswith("!") for p in JS.glob(g[1:])}
    return sorted(str(p.relative_to(JS)) for p in keep - drop)


def _key(mutant: dict[str, Any]) -> str:
    where = mutant["location"]
    return f"{where['start']} {where['end']} {mutant['mutatorName']} {mutant.get('replacement')}"


def latest() -> dict[str, dict[str, Any]]:
    """Each mutated file's mutants as the newest runs made from its current source left
    them: a run of some lines of a file (``src/nav.ts:30-37``) updates those mutants only."""
    found: dict[str, dict[str, Any]] = {}
    for report in sorted(PARTS.glob("*.json"), key=lambda p: int(p.stem)):
        for path, entry in json.loads(report.read_text())["files"].items():
            source = JS / path
            if source.is_file() and source.read_text() == entry["source"]:
                kept = found.setdefault(path, {"source": entry["source"], "by_key": {}})
                kept["by_key"].update({_key(m): m for m in entry["mutants"]})
    return {
        path: {"source": kept["source"], "mutants": list(kept["by_key"].values())}
        for path, kept in found.items()
    }


def to_run(files: list[str], fresh: bool, kept: dict[str, Any]) -> list[str] | None:
    """What a run mutates: the files (or lines) asked for, else (every file with ``fresh``)
    the files with no ``kept`` outcomes of their current source; None when nothing is to
    run. Lines of a file count only beside a whole run of its current source, so the lines
    asked for must belong to a file already run whole."""
    if fresh:
        return files
    if not files:
        return [path for path in mutated() if path not in kept] or None
    partial = sorted({f.split(":")[0] for f in files if ":" in f} - set(kept))
    if partial:
        raise SystemExit(
            f"no whole run of the current source of {', '.join(partial)}: run the whole "
            f"file first (`python -m mutation beacon {' '.join(partial)}`)"
        )
    return files


def main(run: bool = True, files: list[str] | None = None, fresh: bool = False) -> bool:
    results = latest()
    which = to_run(files or [], fresh, results) if run else None
    if which is not None:
        run_stryker(which)
        results = latest()
    elif run:
        print("Stryker: every file has kept outcomes of its current source, nothing to run "
              "(`--fresh` runs them all again)")  # fmt: skip
    missing = [path for path in mutated() if path not in results]
    if missing:
        print("no Stryker results for these files as they are now: " + ", ".join(missing))
        print("run them with `python -m mutation beacon " + " ".join(missing) + "`")
    if not results:
        return False
    known = equivalent.load("beacon")
    tallies: dict[str, score.Tally] = {path: score.Tally(unchecked=1) for path in missing}
    statuses: Counter[str] = Counter()
    body: list[str] = []
    seen: set[str] = set()
    for path, entry in sorted(results.items()):
        t = tallies.setdefault(path, score.Tally())
        lines = entry["source"].splitlines()
        for mutant in entry["mutants"]:
            statuses[mutant["status"]] += 1
            key = name(path, mutant)
            seen.add(key)
            if mutant["status"] in KILLED:
                t.killed += 1
            elif key in known:
                t.equivalent += 1
            else:
                t.survived.append(key)
                line = mutant["location"]["start"]["line"]
                replacement = mutant.get("replacement", "")
                body += [f"{key} ({mutant['status']})", f"    {lines[line - 1].strip()}",
                         f"    -> {replacement}"]  # fmt: skip
    text, met = score.table("Beacon (Stryker)", tallies, TARGET)
    print(f"\n{text}\noutcomes: {score.outcomes(statuses)}")
    stale = sorted(k for k in set(known) - seen if k.split(":")[0] in results)
    if stale:
        print("equivalent.toml names mutants that no longer exist: " + ", ".join(stale))
    body += ["", "marked equivalent:"] + [f"  {n}: {r}" for n, r in sorted(known.items())]
    score.write_survivors("beacon", f"{score.outcomes(statuses)}\n\n" + "\n".join(body))
    return met and not stale
