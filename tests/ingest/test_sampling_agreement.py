"""rum.js and the collector keep the same sessions: the beacon's sampling rule (TypeScript,
``js-beacon/src/ids.ts``) and the collector's (``ingest/admission.py``) fed the same ids."""

from __future__ import annotations

import json
import random
import string
import subprocess
from pathlib import Path

from collector.ingest.admission import sampled

JS = Path(__file__).resolve().parents[2] / "js-beacon"
ENTRY = """
import { keepSession } from '../src/ids';
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', () => {
  const cases = JSON.parse(input);
  process.stdout.write(JSON.stringify(cases.map(([id, rate]) => keepSession(id, rate))));
});
"""


def beacon_rule(cases: list[tuple[str, float]], tmp_path: Path) -> list[bool]:
    entry = JS / ".build" / "sampling-entry.ts"
    entry.parent.mkdir(exist_ok=True)
    entry.write_text(ENTRY)
    bundle = tmp_path / "sampling.mjs"
    subprocess.run(
        [JS / "node_modules" / ".bin" / "esbuild", entry, "--bundle", "--platform=node",
         "--format=esm", f"--outfile={bundle}", "--log-level=warning"],
        check=True, cwd=JS,
    )  # fmt: skip
    done = subprocess.run(
        ["node", bundle], input=json.dumps(cases), capture_output=True, text=True, check=True
    )
    return [bool(x) for x in json.loads(done.stdout)]


def test_sampling_beacon_and_collector_keep_the_same_sessions(tmp_path: Path) -> None:
    alphabet = string.digits + string.ascii_lowercase  # what rum.js's newId writes
    pick = random.Random(7)
    ids = ["m3k2p9xx0000", "m3k2p9xxzzzz", "m3k2p9xx8zzz", "m3k2p9xx9000", "M3K2P9XXAbCd"]
    ids += ["m3k2p9xx" + "".join(pick.choice(alphabet) for _ in range(8)) for _ in range(400)]
    rates = [0.0, 0.001, 0.25, 0.5, 0.9999, 1.0]
    cases = [(i, r) for i in ids for r in rates]
    assert beacon_rule(cases, tmp_path) == [sampled(i, r) for i, r in cases]
    kept = sum(sampled(i, 0.5) for i in ids)
    assert 150 < kept < 250, "the rule keeps about the share asked for"
