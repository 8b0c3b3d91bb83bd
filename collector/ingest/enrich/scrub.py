"""Personal data out of free text: emails, tokens and long digit runs become placeholders.

Applied to stored URLs and paths, error messages, sources and stacks. Line and column
numbers (short digit runs) survive; ids in paths are also templated in page groups.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_TOKEN = re.compile(
    r"(?<![A-Za-z0-9])(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{24,}"
)
_DIGITS = re.compile(r"\d{9,}")


def scrub(text: str) -> str:
    if not text:
        return text
    if "@" in text:  # every email has one: most texts skip that scan
        text = _EMAIL.sub("[email]", text)
    text = _TOKEN.sub("[token]", text)
    return _DIGITS.sub("[number]", text)
