"""The one root of every operator-facing failure: ``rumhouse`` prints its message (and
``hint``, what to do) in one place, ``cli.main``, and exits 2."""

from __future__ import annotations


class RumhouseError(Exception):
    """A failure an operator can act on; the message says what is wrong."""

    hint = ""  # what to do about it, printed after the message
