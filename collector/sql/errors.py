"""ClickHouse exceptions as the HTTP interface reports them.

The body is ``Code: N. DB::Exception: message. (NAME)``, the code is repeated in the
``X-ClickHouse-Exception-Code`` header, and the HTTP status follows ClickHouse's own mapping
(clients read the code, not the status). A query refused for what it asks (its memory,
its result size, a function outside the data) answers 4xx: it is the query's doing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# code → (name, HTTP status) for the errors this endpoint raises itself or maps specially.
KNOWN: dict[int, tuple[str, int]] = {
    36: ("BAD_ARGUMENTS", 400),
    47: ("UNKNOWN_IDENTIFIER", 404),
    60: ("UNKNOWN_TABLE", 404),
    62: ("SYNTAX_ERROR", 400),
    73: ("UNKNOWN_FORMAT", 404),
    81: ("UNKNOWN_DATABASE", 404),
    115: ("UNKNOWN_SETTING", 404),
    159: ("TIMEOUT_EXCEEDED", 408),
    164: ("READONLY", 403),
    194: ("REQUIRED_PASSWORD", 401),
    202: ("TOO_MANY_SIMULTANEOUS_QUERIES", 429),
    209: ("SOCKET_TIMEOUT", 408),
    241: ("MEMORY_LIMIT_EXCEEDED", 400),
    307: ("TOO_MANY_BYTES", 413),
    336: ("UNKNOWN_COMPRESSION_METHOD", 400),
    354: ("CANNOT_DECOMPRESS", 400),
    396: ("TOO_MANY_ROWS_OR_BYTES", 400),
    497: ("ACCESS_DENIED", 403),
    516: ("AUTHENTICATION_FAILED", 403),
}
_ENGINE_ERROR = re.compile(
    r"Code: (\d+)\. DB::Exception: (.*?)(?: \(([A-Z_0-9]+)\))?(?: \(version [^)]*\))?\.?\s*$", re.S
)


@dataclass  # not frozen: raising sets __traceback__ on it
class ClickHouseError(Exception):
    code: int
    message: str
    name: str = ""

    @property
    def status(self) -> int:
        return KNOWN.get(self.code, ("", 500))[1]

    def body(self) -> str:
        name = self.name or KNOWN.get(self.code, ("UNKNOWN", 500))[0]
        return f"Code: {self.code}. DB::Exception: {self.message}. ({name})\n"

    @classmethod
    def from_engine(cls, exc: BaseException) -> ClickHouseError:
        """The engine's own error, re-read so that its code and name survive."""
        text = str(exc).strip()
        match = _ENGINE_ERROR.search(text)
        if not match:
            return cls(1001, text or type(exc).__name__, "STD_EXCEPTION")
        message = match[2].removeprefix("default: ").rstrip(".")
        return cls(int(match[1]), message, match[3] or "")


def readonly(message: str) -> ClickHouseError:
    return ClickHouseError(164, message)
