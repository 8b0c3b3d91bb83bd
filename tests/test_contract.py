"""The wire contract and the artefacts generated from it stay in step."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from collector.contract import Beacon, json_schema
from tests.conftest import beacon

ROOT = Path(__file__).resolve().parent.parent


def test_contract_json_schema_file_matches_the_models() -> None:
    on_disk = json.loads((ROOT / "schema" / "beacon.v1.schema.json").read_text())
    assert on_disk == json_schema(), "run `make schema` and commit the result"


def test_contract_typescript_payload_type_matches_the_schema(tmp_path: Path) -> None:
    out = tmp_path / "payload.ts"
    subprocess.run(
        ["node", "scripts/gen-payload.mjs", str(out)], cwd=ROOT / "js-beacon", check=True
    )
    committed = (ROOT / "js-beacon" / "src" / "payload.ts").read_text()
    assert out.read_text() == committed, "run `make schema` and commit the result"


def test_contract_truncates_long_strings_instead_of_rejecting() -> None:
    parsed = Beacon.model_validate(beacon(url="https://a.example/" + "x" * 5000, label="L" * 500))
    assert len(parsed.url) == 2048
    assert parsed.label == "L" * 128


def test_contract_keeps_unknown_fields_aside_for_counting() -> None:
    parsed = Beacon.model_validate(beacon(added_in_v2=True))
    assert parsed.model_extra == {"added_in_v2": True}
