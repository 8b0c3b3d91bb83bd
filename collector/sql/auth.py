"""Who is asking: ClickHouse's three ways to pass credentials, checked against the settings."""

from __future__ import annotations

import base64
import binascii
import hmac

from aiohttp import web

from collector.access import SqlUser
from collector.sql.errors import ClickHouseError


def credentials(request: web.Request) -> tuple[str, str]:
    """Basic auth, else ``X-ClickHouse-User``/``-Key``, else ``user``/``password`` in the URL."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ClickHouseError(
                516, "Authentication failed: malformed Authorization header"
            ) from exc
        return user or "default", password
    if "X-ClickHouse-User" in request.headers:
        return request.headers["X-ClickHouse-User"], request.headers.get("X-ClickHouse-Key", "")
    return request.query.get("user", "default"), request.query.get("password", "")


def authenticate(request: web.Request, users: tuple[SqlUser, ...]) -> SqlUser:
    name, password = credentials(request)
    for user in users:
        # Compare every time, so the answer takes as long for a wrong name as a wrong password.
        if hmac.compare_digest(user.password.encode(), password.encode()) and user.name == name:
            return user
    raise ClickHouseError(
        516,
        f"{name}: Authentication failed: password is incorrect, or there is no user with such name",
    )
