"""One webhook target's queue and the task that posts from it, so that a target that is
down or slow holds up nothing but its own queue.

- ``put`` never waits: the queue is bounded, and a full queue drops its oldest post
  (outcome ``queue_full``, logged).
- A post is retried, with exponential backoff and jitter, on a connection error, a timeout,
  a 5xx or a 429 (whose ``Retry-After`` is respected, up to ``Backoff.max_retry_after``);
  after ``Backoff.attempts`` tries it is given up (``failed``). Any other status is final:
  2xx ``sent``, anything else ``rejected`` (logged with its status, never retried).
- ``close`` stops the retries and gives what is queued one try each within its bound; what
  is left then is counted as ``shutdown``.

Log lines and metric labels show the target's URL masked (``mask.mask_url``) or its host.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import aiohttp

from collector.alerts.mask import host_of, mask_url
from collector.alerts.settings import AlertWebhook
from collector.metrics import Metrics

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
HEADERS = {"Content-Type": "application/json", "User-Agent": "rumhouse"}


@dataclass(frozen=True)
class Backoff:
    """How one post is retried: the n-th retry waits between half and all of
    ``min(cap, first * 2**(n-1))`` seconds (the jitter keeps collectors that lost the same
    target from coming back at the same instant)."""

    first: float = 1.0
    cap: float = 60.0
    attempts: int = 6  # tries of one post, the first included
    max_retry_after: float = 300.0

    def delay(self, retry: int) -> float:
        """The wait before retry number ``retry`` (1 for the first)."""
        bound = min(self.cap, self.first * 2.0 ** (retry - 1))
        return bound / 2 + random.uniform(0, bound / 2)


@dataclass(frozen=True)
class Post:
    body: bytes
    what: str  # for the log: "firing lcp_regression on shop (2 alerts)"


@dataclass(frozen=True)
class Attempt:
    """One try's result: ``sent``, ``rejected`` or ``retry`` (with the server's wait)."""

    outcome: str
    reason: str
    retry_after: float | None = None


class Delivery:
    """The queue of one target and its worker task (started by ``start``)."""

    def __init__(
        self,
        target: AlertWebhook,
        index: int,
        metrics: Metrics,
        *,
        backoff: Backoff,
        max_queued: int,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.target = target
        self.shown = mask_url(target.url)
        self._labels = {"target": host_of(target.url), "index": str(index)}
        self._metrics = metrics
        self._backoff = backoff
        self._sleep = sleep
        self._queue: deque[Post] = deque()
        self._max_queued = max_queued
        self._wake = asyncio.Event()
        self._closing = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._inflight: Post | None = None

    def count(self, outcome: str, posts: int = 1) -> None:
        self._metrics.alert_notifications.labels(outcome=outcome, **self._labels).inc(posts)

    def put(self, post: Post) -> None:
        if self._closing.is_set():
            self.count("shutdown")
            log.warning("alerts: closing; not posting %s to %s", post.what, self.shown)
            return
        if len(self._queue) >= self._max_queued:
            oldest = self._queue.popleft()
            self.count("queue_full")
            log.warning(
                "alerts: queue of %s full (%d posts): dropped the oldest, %s",
                self.shown, self._max_queued, oldest.what,
            )  # fmt: skip
        self._queue.append(post)
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self, timeout: float) -> None:
        """Queued posts get one try each within ``timeout`` seconds; then the worker stops."""
        self._closing.set()
        self._wake.set()
        if self._task is not None:
            await asyncio.wait({self._task}, timeout=timeout)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        left = len(self._queue) + (self._inflight is not None)
        if left:
            self.count("shutdown", left)
            log.warning("alerts: %d posts to %s not sent before shutdown", left, self.shown)
        self._queue.clear()

    async def _run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self.target.timeout)
        async with aiohttp.ClientSession(timeout=timeout, headers=HEADERS) as session:
            while self._queue or not self._closing.is_set():
                if not self._queue:
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                self._inflight = self._queue.popleft()
                try:
                    await self._deliver(session, self._inflight)
                except Exception as exc:  # a bug here must not stop this target for good
                    self.count("failed")
                    log.error("alerts: posting to %s failed: %s", self.shown, type(exc).__name__)
                self._inflight = None

    async def _deliver(self, session: aiohttp.ClientSession, post: Post) -> None:
        for tried in range(1, self._backoff.attempts + 1):
            attempt = await self._try(session, post)
            if attempt.outcome != "retry":
                return self._settle(post, attempt)
            if self._closing.is_set() or tried == self._backoff.attempts:
                break
            wait = self._wait(tried, attempt.retry_after)
            self._metrics.alert_notification_retries.labels(**self._labels).inc()
            log.warning(
                "alerts: posting %s to %s failed (%s); retry %d of %d in %.1f s",
                post.what, self.shown, attempt.reason, tried, self._backoff.attempts - 1, wait,
            )  # fmt: skip
            await self._pause(wait)
        self.count("failed")
        log.error(
            "alerts: gave up posting %s to %s after %d tries (%s)",
            post.what, self.shown, tried, attempt.reason,
        )  # fmt: skip
        return None

    def _settle(self, post: Post, attempt: Attempt) -> None:
        self.count(attempt.outcome)
        if attempt.outcome == "sent":
            log.info("alerts: posted %s to %s (%s)", post.what, self.shown, attempt.reason)
        else:
            log.error(
                "alerts: %s refused %s with %s (not retried)",
                self.shown, post.what, attempt.reason,
            )  # fmt: skip

    async def _try(self, session: aiohttp.ClientSession, post: Post) -> Attempt:
        try:
            async with session.post(self.target.url, data=post.body) as response:
                said = (await response.content.read(200)).decode(errors="replace")
                retry_after = response.headers.get("Retry-After")
                return judge(response.status, retry_after, self._scrub(said))
        except TimeoutError:
            return Attempt("retry", f"no answer within {self.target.timeout:g} s")
        except (aiohttp.ClientError, OSError) as exc:
            return Attempt("retry", self._scrub(f"{type(exc).__name__}: {exc}"))

    def _wait(self, tried: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self._backoff.max_retry_after)
        return self._backoff.delay(tried)

    async def _pause(self, seconds: float) -> None:
        """Sleep between tries, cut short by ``close``."""
        sleeping = asyncio.ensure_future(self._sleep(seconds))
        closing = asyncio.ensure_future(self._closing.wait())
        await asyncio.wait({sleeping, closing}, return_when=asyncio.FIRST_COMPLETED)
        for task in (sleeping, closing):
            task.cancel()

    def _scrub(self, text: str) -> str:
        """An error's text without the URL's secrets, should it quote the URL."""
        return text.replace(self.target.url, self.shown)


def judge(status: int, retry_after: str | None, said: str) -> Attempt:
    """A response's outcome: 2xx sent; 429 and 5xx retried; anything else refused."""
    if 200 <= status < 300:
        return Attempt("sent", f"HTTP {status}")
    if status == 429 or status >= 500:
        return Attempt("retry", f"HTTP {status}", parse_retry_after(retry_after))
    return Attempt("rejected", f"HTTP {status}: {said.strip()}")


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After``: seconds, or an HTTP date (RFC 9110, 10.2.3); ``None`` if neither."""
    if not value:
        return None
    seconds = value.strip()
    if seconds.isascii() and seconds.isdigit():  # str.isdigit() alone takes "²", "١٢"
        return float(seconds)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
