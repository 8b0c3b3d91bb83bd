"""The built beacon (``rum.js``) and its loader snippet, read once at start-up."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

LOADER = "loader.js"


@dataclass(frozen=True)
class BeaconScript:
    """``rum.js`` bytes with their ETag, and the loader to paste into pages."""

    body: bytes
    etag: str
    loader: str

    @classmethod
    def load(cls, script: Path) -> BeaconScript | None:
        """``None`` when the beacon has not been built (``make build`` builds it)."""
        loader = script.with_name(LOADER)
        if not script.is_file() or not loader.is_file():
            return None
        body = script.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        return cls(body=body, etag=etag, loader=loader.read_text().strip())

    def snippet(
        self, base_url: str, site: str, endpoint: str, sample: float = 1.0, privacy: str = ""
    ) -> str:
        """The ``<script>`` block a site owner pastes into ``<head>``."""
        code = self.loader.replace('"__RUM_SRC__"', _js_string(f"{base_url}/rum.js"))
        code = code.replace('"__RUM_SITE__"', _js_string(site))
        code = code.replace('"__RUM_ENDPOINT__"', _js_string(endpoint))
        code = code.replace('"__RUM_SAMPLE__"', _js_string(f"{sample:g}"))
        code = code.replace('"__RUM_PRIVACY__"', _js_string(privacy))
        return f"<script>{code}</script>"


def _js_string(value: str) -> str:
    """A JS string literal that cannot close the surrounding ``<script>`` element."""
    return json.dumps(value).replace("<", "\\u003c")
