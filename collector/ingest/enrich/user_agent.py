"""Browser, OS, device class and the bot flag, from the User-Agent and its client hints.

Parsing is done by ua-parser (with its native ``ua-parser-rs`` resolver when installed) and
the result per distinct user agent is cached: a site's traffic has few distinct UAs.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ua_parser import parse

from collector.ingest.events import Agent

_BOT = re.compile(
    r"bot\b|crawl|spider|slurp|headless|lighthouse|pagespeed|phantomjs|puppeteer|playwright"
    r"|selenium|python-requests|curl/|wget/|httpclient",
    re.IGNORECASE,
)
_TABLET = re.compile(r"ipad|tablet|kindle|silk|playbook|(android(?!.*mobile))", re.IGNORECASE)
_MOBILE = re.compile(r"mobi|iphone|ipod|android|windows phone|blackberry|opera mini", re.IGNORECASE)


def device_class(user_agent: str, ua_mobile: bool | None) -> str:
    """``mobile``, ``tablet`` or ``desktop``; the Sec-CH-UA-Mobile hint wins when given."""
    if _TABLET.search(user_agent):
        return "tablet"
    if ua_mobile is True or _MOBILE.search(user_agent):
        return "mobile"
    return "desktop"


@lru_cache(maxsize=4096)
def classify(user_agent: str, ua_mobile: bool | None = None) -> Agent:
    """Classify one user agent string (cached: the same strings repeat all day)."""
    result = parse(user_agent)
    browser = result.user_agent.family if result.user_agent else "Other"
    version = (result.user_agent.major or "") if result.user_agent else ""
    os_family = result.os.family if result.os else "Other"
    spider = result.device is not None and result.device.family == "Spider"
    return Agent(
        browser=browser,
        browser_version=version,
        os=os_family,
        device_class=device_class(user_agent, ua_mobile),
        is_bot=spider or bool(_BOT.search(user_agent)) or not user_agent,
    )
