"""Stryker over js-beacon/src: each mutant is built into rum.js and run through the node and
chromium tests (js-beacon/stryker.config.json); outcomes are read from its JSON report."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

from mutation import equivalent, score

ROOT = Path(__file__).resolve().parents[1]
JS = ROOT / "js-beacon"
REPORT = JS / "reports" / "mutation" / "mutation.json"
TARGET = 80.0
KILLED = {"Killed", "Timeout", "CompileError", "RuntimeError"}


def name(path: str, mutant: dict[str, object]) -> str:
    """A mutant's stable name: file, line and what the mutator did."""
    start = mutant["location"]["start"]  # type: ignore[index]
    return f"{path}:{start['line']}:{start['column']} {mutant['mutatorName']}"


def run_stryker() -> None:
    print("Stryker: mutating js-beacon/src and running the beacon's tests ...", flush=True)
    subprocess.run(["npx", "stryker", "run"], cwd=JS, check=False)


def main(run: bool = True) -> bool:
    if run:
        run_stryker()
    if not REPORT.exists():
        print(f"no Stryker report at {REPORT}: the run failed")
        return False
    known = equivalent.load("beacon")
    files = json.loads(REPORT.read_text())["files"]
    tallies: dict[str, score.Tally] = {}
    statuses: Counter[str] = Counter()
    body: list[str] = []
    seen: set[str] = set()
    for path, entry in sorted(files.items()):
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
    stale = sorted(set(known) - seen)
    if stale:
        print("equivalent.toml names mutants that no longer exist: " + ", ".join(stale))
    body += ["", "marked equivalent:"] + [f"  {n}: {r}" for n, r in sorted(known.items())]
    score.write_survivors("beacon", f"{score.outcomes(statuses)}\n\n" + "\n".join(body))
    return met and not stale
