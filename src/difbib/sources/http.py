"""How difbib asks a web service: one retry policy, one timeout, polite spacing.

difbib talks to four services: arXiv (metadata), Semantic Scholar and DBLP
(published versions) and Zotero (``zotero push``). Each client says *what* to ask
and what an answer means; *how* to ask is decided here, once, the same for all:

* **Every request has a timeout** (:attr:`RetryPolicy.timeout`, 30 s): to connect,
  and between two parts of the answer. ``requests`` has none by default, so a
  silent server would hang difbib for ever.
* **Requests are spaced.** The next request starts :attr:`RetryPolicy.delay`
  seconds after the previous answer at the earliest (arXiv asks for 3 s), and a
  server's ``Backoff: SECONDS`` header (Zotero sends it when it is busy) holds
  back the next request that long.
* **A try that may pass when made again is retried**: HTTP 429 (too many
  requests) and 5xx (server trouble), a timeout, a connection dropped in the
  middle of an answer, and whatever a client judges a failed try by raising
  :class:`Retryable` (arXiv's feed cut short, Zotero's 409 "library locked").
* **The wait before a retry** is the server's ``Retry-After`` when it gives one
  (seconds or an HTTP date), else the backoff: :attr:`RetryPolicy.backoff`
  seconds, doubling on each retry (5, 10, 20, 40 s), never more than
  :attr:`RetryPolicy.max_wait`. A longer pause the server asked for wins.
* **A try that cannot pass fails at once**: a refused connection or an unknown
  host (no network, a wrong URL) fails the same way a second time, so it raises
  :class:`Unreachable` without a retry. Other HTTP answers (403, 404, ...) are
  answers: the client decides what they mean.
* **After the last try**, :class:`GaveUp` says how many tries were made and what
  went wrong with the last one.

Use it in two layers. A :class:`Service` owns a ``requests`` session whose
transport does one try as above (timeout, spacing, status, connection errors);
:meth:`Service.call` runs a client's *attempt* (one request and the checks of its
answer) until it succeeds, retrying on :class:`Retryable`::

    service = Service("DBLP", RetryPolicy(delay=1.0))

    def attempt(try_number: int) -> str:
        response = service.session.get("https://dblp.org/rec/conf/cvpr/X.bib")
        if not response.text.startswith("@"):
            raise Retryable("not BibTeX")  # counts as a failed try
        return response.text

    text = service.call(attempt, "DBLP")  # retried, or GaveUp / Unreachable

``sleep`` and ``clock`` are injectable, so tests check the waits without waiting.

Why not urllib3's ``Retry`` (through a ``requests`` ``HTTPAdapter``)? It retries
inside one ``send``, on statuses and connection errors only: it cannot see that
an arXiv answer with status 200 is a feed cut short, so arXiv would need a
second retry loop around it. It also sleeps with ``time.sleep`` and reports
nothing. The loop here is `tenacity <https://tenacity.readthedocs.io>`_'s, which
retries any attempt on any exception, with our wait, sleep and report.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TypeVar

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NameResolutionError, NewConnectionError, ReadTimeoutError

from difbib.errors import FetchError

T = TypeVar("T")

#: The longest wait before a retry (a ``Retry-After`` of an hour is not waited out).
MAX_WAIT = 300.0


@dataclass(frozen=True)
class RetryPolicy:
    """How a service is asked: tries, waits, timeout and spacing (see the module doc)."""

    #: Tries after the first one (4: five tries in all).
    retries: int = 4
    #: Seconds before the first retry without ``Retry-After``; doubles on each retry.
    backoff: float = 5.0
    #: Seconds a request may take to connect, and to send more of its answer.
    timeout: float = 30.0
    #: Seconds from one answer to the next request (arXiv asks for 3).
    delay: float = 0.0
    #: The longest wait before a retry, whatever the server or the backoff says.
    max_wait: float = MAX_WAIT

    def wait(self, retry: int, failure: BaseException | None) -> float:
        """Seconds before retry number ``retry`` (1 for the first) after ``failure``."""
        if isinstance(failure, Retryable) and failure.retry_after is not None:
            return min(failure.retry_after, self.max_wait)
        return min(self.backoff * 2.0 ** (retry - 1), self.max_wait)


class Retryable(Exception):
    """A try that failed in a way that may pass when made again.

    ``reason`` is short and shown to the user (``HTTP 503``, ``timed out``);
    ``retry_after`` is the server's ``Retry-After`` in seconds, if it sent one.
    """

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class Unreachable(FetchError):
    """No connection could be made (refused, unknown host): never retried."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service}: cannot connect ({reason})")
        self.service = service
        self.reason = reason


class GaveUp(FetchError):
    """Every try failed; ``reason`` is what went wrong with the last one."""

    def __init__(self, service: str, tries: int, reason: str) -> None:
        super().__init__(f"{service} did not answer after {tries} tries ({reason})")
        self.service = service
        self.tries = tries
        self.reason = reason


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` (or ``Backoff``) header: seconds or an HTTP date.

    ``None`` when there is no header or it cannot be read; a date in the past is 0.
    """
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def unreachable_reason(err: requests.ConnectionError) -> str | None:
    """``"unknown host"`` or ``"connection refused"`` when no connection could be made.

    ``None`` for a connection that was made and then failed (dropped, reset, timed
    out in the middle of an answer): that one may pass when tried again.
    """
    cause = err.args[0] if err.args else None
    cause = getattr(cause, "reason", cause)  # urllib3's MaxRetryError wraps the cause
    if isinstance(cause, NameResolutionError):
        return "unknown host"
    if isinstance(cause, NewConnectionError):
        return "connection refused"
    if isinstance(err, (requests.exceptions.SSLError, requests.exceptions.ProxyError)):
        return "TLS or proxy error"
    return None


class Service:
    """One web service as difbib asks it: a session, a policy, the pace of requests.

    ``name`` names the service in messages (``Semantic Scholar``); ``progress``
    receives one-line messages for the user (retries, pauses). Requests made through
    :attr:`session` (or any session given to :meth:`attach`) do one try each, with
    the timeout and spacing of ``policy``; :meth:`call` retries.
    """

    def __init__(
        self,
        name: str,
        policy: RetryPolicy | None = None,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.name = name
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.clock = clock
        self.progress: Callable[[str], None] = progress or (lambda message: None)
        #: Tries made through the session, and retries made by :meth:`call`.
        self.requests = 0
        self.retries = 0
        self._ready_at = -math.inf  # no request starts before this clock time
        self._pause_reason: str | None = None  # why, when the server asked for it
        self.session = session or requests.Session()
        self.attach(self.session)

    def attach(self, session: requests.Session) -> None:
        """Send ``session``'s requests the polite way (timeout, spacing, status checks)."""
        adapter = _PoliteAdapter(self)
        session.mount("http://", adapter)
        session.mount("https://", adapter)

    def call(
        self,
        attempt: Callable[[int], T],
        what: str | None = None,
        *,
        on_retry: Callable[[Retryable, float], None] | None = None,
    ) -> T:
        """``attempt(try_number)`` (0 for the first try) until it returns, retrying on
        :class:`Retryable` as the policy says.

        ``what`` names the request in messages (``batch 1/3``; the service's name by
        default); ``on_retry(failure, wait)`` is called before each retry. Raises
        :class:`GaveUp` after the last try; any other exception of ``attempt``
        (:class:`Unreachable` among them) goes through at once.
        """
        import tenacity  # here: only a run that asks a service pays for its import

        label = what or self.name
        tries = iter(range(self.policy.retries + 1))

        def wait(state: tenacity.RetryCallState) -> float:
            failure = state.outcome.exception() if state.outcome else None
            # A longer pause already due (the delay, a Backoff header) wins.
            return max(self.policy.wait(state.attempt_number, failure), self._pending())

        def report(state: tenacity.RetryCallState) -> None:
            failure = state.outcome.exception() if state.outcome else None
            seconds = state.next_action.sleep if state.next_action else 0.0
            assert isinstance(failure, Retryable)
            self.retries += 1
            self.progress(f"{label}: {failure.reason}; retrying in {seconds:g}s")
            if on_retry is not None:
                on_retry(failure, seconds)

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.policy.retries + 1),
            retry=tenacity.retry_if_exception_type(Retryable),
            wait=wait,
            sleep=self._pause,
            before_sleep=report,
        )
        try:
            return retrying(lambda: attempt(next(tries)))
        except tenacity.RetryError as err:
            last = err.last_attempt.exception()
            reason = last.reason if isinstance(last, Retryable) else "no answer"
            raise GaveUp(label, self.policy.retries + 1, reason) from None

    # -- the pace of requests --------------------------------------------------------

    def _pending(self) -> float:
        return max(0.0, self._ready_at - self.clock())

    def _pause(self, seconds: float) -> None:
        """A retry's wait; it includes any pause already due (see :meth:`call`)."""
        if seconds > 0:
            self.sleep(seconds)
        self._ready_at = -math.inf
        self._pause_reason = None

    def _wait_turn(self) -> None:
        """Wait until the next request may start (delay, Backoff, a retry's wait)."""
        remaining = self._pending()
        if remaining > 0:
            if self._pause_reason:
                self.progress(f"{self.name} {self._pause_reason}; waiting {remaining:g}s")
            self.sleep(remaining)
        self._ready_at = -math.inf
        self._pause_reason = None
        self.requests += 1

    def _answered(self, headers: Mapping[str, str] | None) -> None:
        """A request is over: the delay runs from now, and so does a ``Backoff``."""
        now = self.clock()
        self._ready_at = max(self._ready_at, now + self.policy.delay)
        backoff = parse_retry_after((headers or {}).get("Backoff"))
        if backoff:
            if now + backoff > self._ready_at:
                self._pause_reason = "asked for a pause (Backoff)"
            self._ready_at = max(self._ready_at, now + min(backoff, self.policy.max_wait))


class _PoliteAdapter(HTTPAdapter):
    """The transport of a :class:`Service`'s sessions: one try, as the module doc says."""

    def __init__(self, service: Service) -> None:
        super().__init__()
        self._service = service

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: None | float | tuple[float, float] | tuple[float, None] = None,
        verify: bool | str = True,
        cert: None | bytes | str | tuple[bytes | str, bytes | str] = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        service = self._service
        service._wait_turn()
        headers: Mapping[str, str] | None = None
        try:
            response = super().send(
                request,
                stream=stream,
                timeout=timeout or service.policy.timeout,
                verify=verify,
                cert=cert,
                proxies=proxies,
            )
            headers = response.headers
            if not stream:
                response.content  # noqa: B018 - the whole answer, or a failed try here
        except requests.Timeout:
            raise Retryable("timed out") from None
        except requests.ConnectionError as err:
            reason = unreachable_reason(err)
            if reason:
                raise Unreachable(service.name, reason) from None
            cause = err.args[0] if err.args else None
            raise Retryable(
                "timed out" if isinstance(cause, ReadTimeoutError) else "connection dropped"
            ) from None
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
            raise Retryable("answer cut short") from None
        finally:
            service._answered(headers)
        if response.status_code == 429 or response.status_code >= 500:
            raise Retryable(
                f"HTTP {response.status_code}",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        return response
