"""The one root of every operator-facing failure: ``rumhouse`` prints its message (and
``hint``, what to do) in one place, ``cli.main``, and exits with the error's code: 2 when the
command or its settings must change (usage), 1 when the command was right but could not be
done now (runtime: a folder in use, a server down)."""

from __future__ import annotations


class RumhouseError(Exception):
    """A failure an operator can act on; the message says what is wrong."""

    hint = ""  # what to do about it, printed after the message
    exit_code = 1


class UsageError(RumhouseError):
    """The command, a flag or a setting must change."""

    exit_code = 2
