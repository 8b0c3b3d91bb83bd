"""Passwords that deserve the name, for listeners reachable from other machines.

Off loopback, a password is all that stands between the network and the data, so it must
be long (16 characters or more) and hard to guess by the estimate of zxcvbn, the password
strength estimator that knows word lists, names, keyboard patterns and l33t spellings; the
examples printed in rumhouse's own documentation are refused by name.
"""

from __future__ import annotations

from zxcvbn import zxcvbn

MIN_LENGTH = 16
MIN_GUESSES_LOG10 = 12  # about 10^12 guesses: years at an online attack's rate
GENERATE = "python -c 'import secrets; print(secrets.token_urlsafe(24))'"
# Passwords the documentation has shown as examples, in this and earlier versions.
DOCUMENTED = frozenset({
    "a-long-random-secret", "another-long-secret", "correct-horse-battery",
    "correct-horse-battery-staple", "change-me-to-a-long-secret",
})  # fmt: skip


def weakness(password: str, user: str = "") -> str | None:
    """Why ``password`` is too weak to face a network, or None when it is strong enough."""
    if password.lower() in DOCUMENTED:
        return "is an example from rumhouse's documentation"
    if len(password) < MIN_LENGTH:
        return f"is shorter than {MIN_LENGTH} characters"
    estimate = zxcvbn(password[:100], user_inputs=[user, "rumhouse", "clickhouse"])
    if float(estimate["guesses_log10"]) < MIN_GUESSES_LOG10:
        return "is too easy to guess (words, names or patterns)"
    return None


def advice(what: str, why: str) -> str:
    return f"{what} {why}: generate one with {GENERATE}"
