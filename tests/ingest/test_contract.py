"""The wire contract and the artefacts generated from it stay in step."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from pydantic import ValidationError

from collector.ingest.contract import Beacon, json_schema
from collector.ingest.outcomes import Drops, ItemDrop
from tests.conftest import beacon

ROOT = Path(__file__).resolve().parents[2]


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


def test_contract_truncates_long_strings_in_json_and_in_dict_keys() -> None:
    body = beacon(
        site="s" * 100, dims={"k" * 70: "v" * 300}, metrics=[{"name": "LCP" * 5, "value": 1}]
    )
    parsed = Beacon.model_validate_json(json.dumps(body))
    assert parsed.site == "s" * 64
    assert parsed.dims == {"k" * 64: "v" * 256}
    assert parsed.metrics[0].name == "LCPLCPLC"


def test_contract_string_field_given_a_number_fails_at_the_field_as_a_plain_str() -> None:
    with pytest.raises(ValidationError) as caught:
        Beacon.model_validate_json(json.dumps(beacon(url=5, nav={"protocol": []})))
    errors = [(e["loc"], e["type"], e["msg"]) for e in caught.value.errors()]
    assert errors == [
        (("url",), "string_type", "Input should be a valid string"),
        (("nav", "protocol"), "string_type", "Input should be a valid string"),
    ]


@pytest.mark.parametrize("absurd", ["1e300", "-1e300", "NaN", "Infinity", '"1e300"', '"nan"'])
def test_contract_absurd_durations_become_null_and_are_counted(absurd: str) -> None:
    drops = Drops()
    body = json.dumps(beacon(nav={"dns": 0, "tls": 12.5})).replace('"dns": 0', f'"dns": {absurd}')
    parsed = Beacon.model_validate_json(body, context={"drops": drops})
    assert parsed.nav is not None
    assert (parsed.nav.dns, parsed.nav.tls) == (None, 12.5)
    assert drops.counts == {ItemDrop.INVALID_VALUE: 1}


def test_contract_duration_of_the_wrong_type_fails_as_a_plain_float() -> None:
    with pytest.raises(ValidationError) as caught:
        Beacon.model_validate(beacon(nav={"dns": "slow", "tls": [1]}))
    errors = [(e["loc"], e["type"]) for e in caught.value.errors()]
    assert errors == [(("nav", "dns"), "float_parsing"), (("nav", "tls"), "float_type")]
