"""HTTP plumbing of the online resolvers: one session, a rate limit, retries with exponential back-off.

Transient failures (HTTP 429 and 5xx, time-outs, dropped connections) are retried with exponential
back-off; a ``Retry-After`` header is honoured when it asks for longer. Other 4xx answers are permanent
(:class:`PermanentHTTPError`). When the retries run out a :class:`ResolverError` stops the stage; the
cache keeps every finished batch, so the rerun resumes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from rnainteract_builder.resolve.base import ResolverError

USER_AGENT = "rnainteract-builder (https://github.com/rnainteract/rnainteract)"


class TransientHTTPError(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentHTTPError(ResolverError):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class RateLimiter:
    """At most ``rate`` requests per second: each request waits until ``1/rate`` s after the previous one."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self._clock, self._sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            if now < self._next:
                self._sleep(self._next - now)
                now = self._next
            self._next = now + self.interval


@dataclass
class RetryPolicy:
    attempts: int = 6
    #: First back-off in seconds; doubles on every retry up to ``max_wait``.
    initial_wait: float = 1.0
    max_wait: float = 60.0
    timeout: float = 60.0


@dataclass
class HttpClient:
    """requests sessions with a rate limit and retries; counts requests and retries (for reports/tests).

    Safe to share between threads: each thread gets its own session (requests does not promise that one
    session is thread-safe), while the rate limiter and the counters are shared, so the limit holds for
    all of them together.
    """

    rate: float
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    requests_sent: int = 0
    retries: int = 0

    def __post_init__(self) -> None:
        self.limiter = RateLimiter(self.rate, sleep=self.sleep)
        self._local = threading.local()
        self._count_lock = threading.Lock()

    @property
    def session(self) -> requests.Session:
        """This thread's session (created on first use)."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
        return session

    def _wait(self, state: RetryCallState) -> float:
        backoff = min(self.retry.initial_wait * 2 ** (state.attempt_number - 1), self.retry.max_wait)
        error = state.outcome.exception() if state.outcome else None
        retry_after = getattr(error, "retry_after", None) or 0.0
        return max(backoff, min(retry_after, self.retry.max_wait))

    def _count_retry(self, state: RetryCallState) -> None:
        with self._count_lock:
            self.retries += 1

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        retrying = Retrying(
            stop=stop_after_attempt(self.retry.attempts),
            wait=self._wait,
            retry=retry_if_exception_type(TransientHTTPError),
            before_sleep=self._count_retry,
            sleep=self.sleep,
            reraise=True,
        )
        try:
            return retrying(self._send, method, url, **kwargs)
        except TransientHTTPError as err:
            raise ResolverError(
                f"{url}: still failing after {self.retry.attempts} attempts ({err}); "
                "rerun later - finished batches are cached and will not be asked again"
            ) from err

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        self.limiter.wait()
        with self._count_lock:
            self.requests_sent += 1
        try:
            response = self.session.request(method, url, timeout=self.retry.timeout, **kwargs)
        except (requests.Timeout, requests.ConnectionError) as err:
            raise TransientHTTPError(f"{type(err).__name__}: {err}") from err
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientHTTPError(
                f"HTTP {response.status_code}", _retry_after(response.headers)
            )
        if response.status_code >= 400:
            raise PermanentHTTPError(
                f"{url}: HTTP {response.status_code}: {response.text[:200]}", response.status_code
            )
        return response


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
