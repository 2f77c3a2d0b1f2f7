"""The one retry policy every client uses (arXiv, Semantic Scholar and DBLP, Zotero)."""

from __future__ import annotations

import socket

import pytest

from difbib.sources.http import (
    GaveUp,
    Retryable,
    RetryPolicy,
    Service,
    Unreachable,
    parse_retry_after,
)


def test_retry_after_in_seconds_or_as_a_date():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 2.5 ") == 2.5
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_backoff_doubles_and_retry_after_wins_both_capped():
    policy = RetryPolicy(backoff=5.0, max_wait=300.0)
    assert [policy.wait(n, Retryable("HTTP 503")) for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert policy.wait(1, Retryable("HTTP 429", retry_after=7)) == 7
    assert policy.wait(1, Retryable("HTTP 429", retry_after=100000)) == 300
    assert policy.wait(10, Retryable("HTTP 503")) == 300


def service_for(**policy) -> tuple[Service, list[float], list[str]]:
    waits: list[float] = []
    messages: list[str] = []
    service = Service(
        "Test",
        RetryPolicy(**policy),
        sleep=waits.append,
        clock=lambda: 100.0,
        progress=messages.append,
    )
    return service, waits, messages


def test_requests_are_spaced_by_the_delay(arxiv_server):
    service, waits, _ = service_for(delay=3.0)
    for _ in range(3):
        assert service.session.get(arxiv_server.url).status_code == 200
    assert waits == [3.0, 3.0] and len(arxiv_server.requests) == 3


def test_server_trouble_is_retried_then_given_up_with_the_last_reason(arxiv_server):
    service, waits, messages = service_for(retries=2, backoff=1.0)
    arxiv_server.faults.extend(["503", "429", "503"])
    with pytest.raises(GaveUp) as err:
        service.call(lambda n: service.session.get(arxiv_server.url), "asking")
    assert (err.value.tries, err.value.reason) == (3, "HTTP 503")
    assert len(arxiv_server.requests) == 3 and waits == [1.0, 2.0]
    assert messages == ["asking: HTTP 503; retrying in 1s", "asking: HTTP 429; retrying in 2s"]


def test_a_failed_check_of_the_answer_is_a_failed_try(arxiv_server):
    service, waits, _ = service_for(backoff=1.0)

    def attempt(try_number: int) -> int:
        service.session.get(arxiv_server.url)
        if try_number < 2:
            raise Retryable("cut short")
        return try_number

    assert service.call(attempt) == 2
    assert len(arxiv_server.requests) == 3 and waits == [1.0, 2.0] and service.retries == 2


def test_other_errors_and_http_answers_are_not_retried(arxiv_server):
    service, waits, _ = service_for()
    response = service.call(lambda n: service.session.get(arxiv_server.base + "/nope"))
    assert response.status_code == 404
    with pytest.raises(ZeroDivisionError):
        service.call(lambda n: 1 // 0)
    assert waits == [] and len(arxiv_server.requests) == 1


def test_a_refused_connection_fails_at_once():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    service, waits, _ = service_for()
    with pytest.raises(Unreachable, match="connection refused"):
        service.call(lambda n: service.session.get(f"http://127.0.0.1:{port}/"))
    assert waits == [] and service.requests == 1
