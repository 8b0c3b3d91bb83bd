"""``python -m mutation [python|beacon|promises ...] [GLOB ...] [FILE.ts ...] [--report]
[--fresh]``: run the parts (all three by default) and print their scores; ``--report`` reads
the last runs' results without running. Each part runs only what its kept outcomes do not
decide (functions and files changed since, or never run); ``--fresh`` forgets them and runs
everything again. A GLOB (``collector.write.*``) runs only the Python mutants it matches, a
FILE (``src/spa.ts``, or ``src/spa.ts:10-20``) only the beacon's mutants in it. Exits 1 when a
part misses its target or has results missing."""

from __future__ import annotations

import sys

from mutation import beacon, promises, python


def main(argv: list[str]) -> int:
    report = "--report" in argv
    words = [a for a in argv if not a.startswith("--")]
    names = [w for w in words if w.startswith("collector.")]
    files = [w for w in words if w.endswith(".ts") or ".ts:" in w]
    parts = [w for w in words if w not in names + files]
    parts = parts or (["python"] if names else []) + (["beacon"] if files else [])
    parts = parts or ["python", "beacon", "promises"]
    met = True
    for part in parts:
        if part == "python":
            met &= python.main(run=not report, names=names, fresh="--fresh" in argv)
        elif part == "beacon":
            met &= beacon.main(run=not report, files=files, fresh="--fresh" in argv)
        elif part == "promises":
            met &= promises.main()
        else:
            print(f"unknown part {part!r}: python, beacon or promises")
            return 2
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
