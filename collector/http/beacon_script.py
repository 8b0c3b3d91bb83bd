"""The built beacon (``rum.js``, with its pre-compressed copies) and its loader snippet,
read once at start-up."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

LOADER = "loader.js"
MANIFEST = "manifest.json"  # written by js-beacon/build.mjs: the SHA-256 of each file
# The pre-compressed copies, in the order preferred when a client weighs them alike
# (brotli is the smaller).
SUFFIXES = {"br": ".br", "gzip": ".gz"}
VERSION_CHARS = 12  # hex digits of rum.js's SHA-256 in ?v= and the ETags

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BeaconScript:
    """``rum.js`` in each content coding, its version, and the loader to paste into pages.

    ``version`` is a short hash of rum.js's bytes: the snippet's ``rum.js?v=<version>``
    changes with every build that changes the script. Each representation has its own strong
    ETag, the version plus its coding (``"<version>"``, ``"<version>-gzip"``,
    ``"<version>-br"``): an ETag names one representation, and a cache that holds the gzip
    bytes must not be told by a 304 that they are the brotli ones."""

    body: bytes
    version: str
    encoded: Mapping[str, bytes]  # coding -> bytes, best first; identity is ``body``
    loader: str

    @classmethod
    def load(cls, script: Path) -> BeaconScript | None:
        """``None`` when the beacon has not been built (``make build`` builds it)."""
        loader = script.with_name(LOADER)
        if not script.is_file() or not loader.is_file():
            return None
        body = script.read_bytes()
        digest = _sha256(body)
        return cls(
            body=body,
            version=digest[:VERSION_CHARS],
            encoded=_compressed(script, digest),
            loader=loader.read_text().strip(),
        )

    @property
    def codings(self) -> tuple[str, ...]:
        return tuple(self.encoded)

    def representation(self, coding: str) -> tuple[bytes, str]:
        """The bytes and the ETag of rum.js in ``coding`` (one of ``codings``, or identity)."""
        if coding in self.encoded:
            return self.encoded[coding], f'"{self.version}-{coding}"'
        return self.body, f'"{self.version}"'

    def snippet(
        self, base_url: str, site: str, endpoint: str, sample: float = 1.0, privacy: str = ""
    ) -> str:
        """The ``<script>`` block a site owner pastes into ``<head>``."""
        src = f"{base_url}/rum.js?v={self.version}"
        code = self.loader.replace('"__RUM_SRC__"', _js_string(src))
        code = code.replace('"__RUM_SITE__"', _js_string(site))
        code = code.replace('"__RUM_ENDPOINT__"', _js_string(endpoint))
        code = code.replace('"__RUM_SAMPLE__"', _js_string(f"{sample:g}"))
        code = code.replace('"__RUM_PRIVACY__"', _js_string(privacy))
        return f"<script>{code}</script>"


def _compressed(script: Path, digest: str) -> dict[str, bytes]:
    """The pre-compressed copies made from these very bytes of rum.js, as the build's
    manifest records them. A copy that is missing, or that another build made (a brotli
    file cannot be checked by decoding it: the collector carries no brotli decoder), is left
    out with a warning, and that coding is not offered: it would serve another script."""
    manifest = _manifest(script.with_name(MANIFEST))
    found: dict[str, bytes] = {}
    for coding, suffix in SUFFIXES.items():
        path = script.with_name(script.name + suffix)
        data = path.read_bytes() if path.is_file() else b""
        if manifest.get(script.name) == digest and manifest.get(path.name) == _sha256(data):
            found[coding] = data
        else:
            log.warning("%s is missing or was not built from %s: rum.js is served without "
                        "%s; run `make build`", path, script, coding)  # fmt: skip
    return found


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest(path: Path) -> dict[str, str]:
    try:
        loaded = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}


def _js_string(value: str) -> str:
    """A JS string literal that cannot close the surrounding ``<script>`` element."""
    return json.dumps(value).replace("<", "\\u003c")
