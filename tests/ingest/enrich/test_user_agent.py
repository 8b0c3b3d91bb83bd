from __future__ import annotations

import pytest

from collector.ingest.enrich.user_agent import classify
from tests.conftest import DESKTOP_CHROME, IPHONE

IPAD = "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"  # noqa: E501
ANDROID_TABLET = "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"  # noqa: E501
ANDROID_PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"  # noqa: E501
FIREFOX_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:132.0) Gecko/20100101 Firefox/132.0"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
HEADLESS = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36"  # noqa: E501


@pytest.mark.parametrize(
    ("ua", "device", "browser", "os"),
    [
        (DESKTOP_CHROME, "desktop", "Chrome", "Windows"),
        (IPHONE, "mobile", "Mobile Safari", "iOS"),
        (IPAD, "tablet", "Mobile Safari", "iOS"),
        (ANDROID_TABLET, "tablet", "Chrome", "Android"),
        (ANDROID_PHONE, "mobile", "Chrome Mobile", "Android"),
        (FIREFOX_MAC, "desktop", "Firefox", "Mac OS X"),
    ],
)
def test_user_agent_gives_device_class_browser_and_os(
    ua: str, device: str, browser: str, os: str
) -> None:
    agent = classify(ua)
    assert (agent.device_class, agent.browser, agent.os, agent.is_bot) == (
        device,
        browser,
        os,
        False,
    )
    assert agent.browser_version.isdigit()


def test_user_agent_mobile_client_hint_marks_a_phone_mobile() -> None:
    assert classify(DESKTOP_CHROME, True).device_class == "mobile"


@pytest.mark.parametrize("ua", [GOOGLEBOT, HEADLESS, "curl/8.5.0", ""])
def test_user_agent_flags_bots_and_headless_browsers(ua: str) -> None:
    assert classify(ua).is_bot
