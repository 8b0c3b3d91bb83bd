"""mutmut over the Python modules that carry promises (``[tool.mutmut]`` in pyproject.toml).

mutmut runs, for each mutant, the tests that reached its function; the outcome of each
mutant is read from its ``mutants/*.meta`` file afterwards. Those outcomes, with the hash of
each function they were decided on, are kept in ``mutation/python-runs/`` (committed): a
clean clone starts from them, and mutmut runs again only the mutants of functions changed
since (its own incremental rule). ``--fresh`` forgets them and runs every mutant.
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from mutmut.configuration import config
from mutmut.stats import status_by_exit_code

from mutation import equivalent, score

ROOT = Path(__file__).resolve().parents[1]
TARGET = 90.0
KILLED = {"killed", "timeout", "caught by type check", "segfault"}
COPY = ROOT / "mutants"
KEPT = ROOT / "mutation" / "python-runs"
# What a kept outcome holds of mutmut's .meta (it also has durations, which change each run).
KEPT_KEYS = ("exit_code_by_key", "hash_by_function_name")


def restore() -> None:
    """Give mutmut the kept outcomes (a clean clone); where this machine has outcomes of its
    own, fill those it never decided from the kept ones decided on the same function."""
    timings = ("type_check_error_by_key", "durations_by_key", "estimated_durations_by_key")
    for kept in KEPT.rglob("*.py.meta"):
        meta = COPY / kept.relative_to(KEPT)
        data = json.loads(kept.read_text())
        if meta.exists():
            data = _fill(json.loads(meta.read_text()), data)
        else:
            data |= {key: {} for key in timings}
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps(data))


def _fill(local: dict[str, Any], kept: dict[str, Any]) -> dict[str, Any]:
    """``local`` with its undecided mutants taken from ``kept`` where the function is the same."""
    same = {
        f for f, h in local["hash_by_function_name"].items()
        if kept["hash_by_function_name"].get(f) == h
    }  # fmt: skip
    codes = local["exit_code_by_key"]
    for key, code in kept["exit_code_by_key"].items():
        function = key.rsplit("__mutmut_", 1)[0].rsplit(".", 1)[1]
        if codes.get(key, 0) is None and code is not None and function in same:
            codes[key] = code
    return local


def keep() -> None:
    """Copy this run's outcomes into the committed folder, for the modules still mutated."""
    shutil.rmtree(KEPT, ignore_errors=True)
    for meta in sorted((COPY / "collector").rglob("*.py.meta")):
        module = meta.relative_to(COPY)
        if not (ROOT / str(module)[: -len(".meta")]).exists():
            continue
        data = json.loads(meta.read_text())
        kept = {key: dict(sorted(data[key].items())) for key in KEPT_KEYS}
        (KEPT / module).parent.mkdir(parents=True, exist_ok=True)
        (KEPT / module).write_text(json.dumps(kept, indent=1) + "\n")


def forget_removed() -> None:
    """mutmut copies the project into mutants/ but never deletes there: a test file removed
    from the project would still be collected (and fail to import)."""
    for folder in ("tests", "collector"):
        for path in (COPY / folder).rglob("*.py") if (COPY / folder).is_dir() else ():
            if not (ROOT / path.relative_to(COPY)).exists():
                path.unlink()


def keep_across_new_selection() -> None:
    """mutmut sets every outcome back to undecided when its test selection
    (``pytest_add_cli_args_test_selection``) changes, as when a test file is added to it:
    hours of running again. Here its statistics are dropped instead, so that it collects them
    again from every selected test and keeps the outcomes (a test added can only kill more;
    after a test is taken out of it, run with ``--fresh``; a change to how the tests run
    still resets them all)."""
    stats = COPY / "mutmut-stats.json"
    try:
        old = json.loads(stats.read_text()).get("config_fingerprint", {})
    except (FileNotFoundError, json.JSONDecodeError):
        return
    with contextlib.chdir(ROOT):  # mutmut reads its settings from the working folder
        new = config().config_fingerprint()
    changed = {group for group, value in new.items() if old.get(group) != value}
    if changed == {"test_selection"}:
        print("mutmut's test selection changed: collecting its statistics again, outcomes kept")
        stats.unlink()


def run_mutmut(names: list[str], fresh: bool) -> None:
    """The mutants not yet decided, or those ``names`` match (globs such as
    ``collector.write.spool.*``), the other outcomes kept."""
    mutmut = Path(sys.executable).with_name("mutmut")
    which = ", ".join(names) if names else "the promise modules"
    print(f"mutmut: mutating {which} and running their tests ...", flush=True)
    esbuild = str(ROOT / "js-beacon/node_modules/.bin/esbuild")
    # type_check_command names `mypy`: the venv's, found on PATH
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = os.environ | {"PYTHONDONTWRITEBYTECODE": "1", "BEACON_ESBUILD": esbuild, "PATH": path}
    if fresh:
        shutil.rmtree(COPY, ignore_errors=True)
    else:
        restore()
        keep_across_new_selection()
    forget_removed()
    command = [str(mutmut), "run", "--max-children", "2", *names]
    try:
        subprocess.run(command, cwd=ROOT, env=env, check=False)
    finally:  # a run cut short keeps what it decided
        keep()


def results() -> dict[str, dict[str, str]]:
    """``{module path: {mutant: status}}`` from the last run."""
    found: dict[str, dict[str, str]] = {}
    folder = COPY if (COPY / "collector").is_dir() else KEPT
    for meta in sorted((folder / "collector").rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        module = str(meta.relative_to(folder))[: -len(".meta")]
        found[module] = {name: status_by_exit_code[code] for name, code in codes.items()}
    return found


def _functions(module: str) -> dict[str, str]:
    """The source of every function in a mutated module (mutmut keeps the original of each
    as ``<name>__mutmut_orig`` beside its mutants)."""
    path = COPY / module
    if not path.exists():  # outcomes read from the kept folder: no mutants to diff
        return {}
    text = path.read_text()
    return {
        node.name: ast.get_source_segment(text, node) or ""
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def diff(module: str, mutant: str, functions: dict[str, str]) -> str:
    """The lines a mutant changed, against the original function."""
    name = mutant.rsplit(".", 1)[1]
    original = functions.get(name.rsplit("__mutmut_", 1)[0] + "__mutmut_orig", "")
    changed = difflib.unified_diff(
        original.splitlines(), functions.get(name, "").splitlines(), lineterm="", n=0
    )
    lines = [
        line
        for line in changed
        if line[:1] in "+-" and line[:3] not in ("+++", "---") and "__mutmut_" not in line
    ]
    return "\n".join(f"    {line.strip()[:1]} {line[1:].strip()}" for line in lines)


def tally() -> tuple[dict[str, score.Tally], Counter[str], list[str]]:
    known = equivalent.load("python")
    tallies: dict[str, score.Tally] = {}
    statuses: Counter[str] = Counter()
    for module, mutants in results().items():
        t = tallies.setdefault(module, score.Tally())
        for name, status in mutants.items():
            statuses[status] += 1
            if status in KILLED:
                t.killed += 1
            elif status == "not checked":  # a run cut short: neither killed nor survived
                t.unchecked += 1
            elif name in known:
                t.equivalent += 1
            else:
                t.survived.append(f"{name} ({status})")
    seen = {name for mutants in results().values() for name in mutants}
    stale = sorted(set(known) - seen)
    return tallies, statuses, stale


def main(run: bool = True, names: list[str] | None = None, fresh: bool = False) -> bool:
    if run:
        run_mutmut(names or [], fresh)
    tallies, statuses, stale = tally()
    text, met = score.table("Python (mutmut)", tallies, TARGET)
    print(f"\n{text}\noutcomes: {score.outcomes(statuses)}")
    known = equivalent.load("python")
    body = [f"{score.outcomes(statuses)}", ""]
    for module, t in sorted(tallies.items()):
        functions = _functions(module) if t.survived else {}
        for entry in t.survived:
            name = entry.split(" ")[0]
            body += [f"{module}: {entry}", diff(module, name, functions)]
    body += ["", "marked equivalent:"] + [f"  {n}: {r}" for n, r in sorted(known.items())]
    if stale:
        print("equivalent.toml names mutants that no longer exist: " + ", ".join(stale))
    score.write_survivors("python", "\n".join(body))
    return met and not stale
