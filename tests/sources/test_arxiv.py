"""What arXiv answers is checked whole; what fails is retried only when it may pass."""

from __future__ import annotations

import socket
import time

import pytest

from difbib.errors import FetchError
from difbib.sources.arxiv import Fetcher, make_client
from difbib.sources.cache import MetadataCache
from difbib.sources.http import RetryPolicy


def fetcher_for(
    server,
    *,
    retries: int = 4,
    timeout: float = 30.0,
    backoff: float = 0,
    messages=None,
    sleep=None,
) -> Fetcher:
    return Fetcher(
        MetadataCache(None),
        client=make_client(base_url=server.url),
        policy=RetryPolicy(retries=retries, backoff=backoff, timeout=timeout, delay=0),
        progress=(messages.append if messages is not None else None),
        sleep=sleep or (lambda s: None),
    )


@pytest.mark.parametrize("fault", ["truncate", "incomplete"])
def test_a_cut_or_incomplete_feed_is_retried_then_accepted_whole(arxiv_server, fault):
    """Issue 15.3: a 200 feed cut 700 bytes short (or lacking authors) is a failed try."""
    arxiv_server.faults.append(fault)
    messages: list[str] = []
    found = fetcher_for(arxiv_server, messages=messages).fetch_ids(["2405.14867"])
    record = found["2405.14867"]
    assert len(arxiv_server.requests) == 2
    assert record.authors[0] == "Tianwei Yin" and record.primary_class == "cs.CV"
    assert any("retrying" in m for m in messages)


@pytest.mark.parametrize("fault", ["truncate", "incomplete"])
def test_a_feed_that_stays_cut_is_reported_and_nothing_cached(arxiv_server, fault, tmp_path):
    arxiv_server.faults.extend([fault] * 5)
    cache = MetadataCache(tmp_path / "arxiv-cache.json")
    fetcher = fetcher_for(arxiv_server)
    fetcher.cache = cache
    with pytest.raises(FetchError, match="after 5 tries"):
        fetcher.fetch_ids(["2405.14867"])
    assert not (tmp_path / "arxiv-cache.json").exists()


def test_sync_never_writes_a_paper_from_a_truncated_answer(project, run_online, arxiv_server):
    arxiv_server.faults.extend(["truncate"] * 5)
    res = run_online("sync")
    assert res.exit_code == 1
    assert res.stderr.strip().splitlines()[-1].startswith("error: arXiv did not answer")
    assert "malformed feed" in res.stderr
    assert not (project / "library.bib").exists()


def test_an_answer_for_another_paper_is_not_counted(arxiv_server):
    """Issue 15.3: '1 of 1 found' must not count an entry for a different id."""
    arxiv_server.faults.append("mismatch")
    messages: list[str] = []
    fetcher = fetcher_for(arxiv_server, messages=messages)
    found = fetcher.fetch_ids(["2405.14867"])
    assert found == {}
    assert fetcher.stats.not_found == ["2405.14867"]
    assert "  batch 1/1: 0 of 1 found" in messages
    assert any("which was not asked for; ignored" in m for m in messages)


def test_add_refuses_an_answer_for_another_paper(shipped, run_online, arxiv_server):
    arxiv_server.faults.append("mismatch")
    before = (shipped / "papers.md").read_bytes()
    res = run_online("add", "2210.02747", "-c", "rl", "--no-sync", "--cache", "fresh.json")
    assert res.exit_code == 1
    assert res.stderr.strip().splitlines()[-1] == (
        "error: arXiv has no paper 2210.02747; check the id"
    )
    assert (shipped / "papers.md").read_bytes() == before
    assert not (shipped / "fresh.json").exists()  # nothing worth caching came


# -- retry only what may pass (issue 10, 6.6) ---------------------------------------------


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/query"


def test_add_without_network_fails_at_once_in_one_line(shipped, run):
    started = time.monotonic()
    res = run(
        "add", "2210.02747", "-c", "rl", "--no-sync", "--cache", "fresh.json",
        env={"DIFBIB_ARXIV_URL": closed_port_url(), "DIFBIB_ARXIV_DELAY": "0"},
    )  # fmt: skip
    assert time.monotonic() - started < 4  # the default backoff alone is 5 s
    assert res.exit_code == 1
    lines = res.stderr.strip().splitlines()
    assert lines[-1].startswith("error: arXiv (http://127.0.0.1:")
    assert "connection refused" in lines[-1] and "--offline" in lines[-1]
    assert "retrying" not in res.stderr


def test_an_unknown_host_fails_at_once(shipped, run):
    res = run(
        "add", "2210.02747", "-c", "rl", "--no-sync", "--cache", "fresh.json",
        env={"DIFBIB_ARXIV_URL": "http://no-such-host.invalid/api/query",
             "DIFBIB_ARXIV_DELAY": "0"},
    )  # fmt: skip
    assert res.exit_code == 1
    assert "retrying" not in res.stderr
    assert "unknown host" in res.stderr.strip().splitlines()[-1]


def test_http_404_is_not_retried_but_429_and_503_are(arxiv_server):
    arxiv_server.faults.extend(["429", "503"])
    assert "2405.14867" in fetcher_for(arxiv_server).fetch_ids(["2405.14867"])
    assert len(arxiv_server.requests) == 3
    bad = Fetcher(
        MetadataCache(None),
        client=make_client(base_url=arxiv_server.url.replace("/api/query", "/nope")),
        policy=RetryPolicy(backoff=0, delay=0),
    )
    with pytest.raises(FetchError, match="HTTP 404"):
        bad.fetch_ids(["2405.14867"])
    assert len(arxiv_server.requests) == 4


# -- timeouts (issue 15.9) ------------------------------------------------------------------


def test_timeout_option_bounds_a_hanging_server(project, run_online, arxiv_server):
    """The server stays silent for 3 s per request; --timeout 0.3 gives up on each try."""
    arxiv_server.faults.extend(["hang"] * 5)
    started = time.monotonic()
    res = run_online("add", "2405.14867", "-c", "rl", "--no-sync", "--timeout", "0.3")
    assert time.monotonic() - started < 6  # 5 tries of 0.3 s, not 5 of 30 s
    assert res.exit_code == 1
    assert "(timed out)" in res.stderr.strip().splitlines()[-1]
    assert res.stderr.count("timed out; retrying") == 4


def test_timeout_comes_from_the_environment_too(project, run_online, arxiv_server):
    arxiv_server.faults.extend(["hang"] * 5)
    res = run_online("sync", env={"DIFBIB_ARXIV_TIMEOUT": "0.3"})
    assert res.exit_code == 1
    assert "timed out" in res.stderr


def test_a_slow_answer_within_the_timeout_is_taken(arxiv_server):
    arxiv_server.faults.append("hang")
    found = fetcher_for(arxiv_server, timeout=10).fetch_ids(["2405.14867"])
    assert "2405.14867" in found
    assert len(arxiv_server.requests) == 1


# -- the one retry policy (issue 16.6) ---------------------------------------------------


def test_retry_after_is_waited_out_instead_of_the_backoff(arxiv_server):
    arxiv_server.faults.extend(["503", "429"])
    arxiv_server.retry_after = "7"
    waits: list[float] = []
    fetcher = fetcher_for(arxiv_server, backoff=2.0, sleep=waits.append)
    assert "2405.14867" in fetcher.fetch_ids(["2405.14867"])
    assert waits == [7.0, 7.0]
    assert len(arxiv_server.requests) == 3 and fetcher.stats.retries == 2


def test_requests_to_arxiv_are_three_seconds_apart(arxiv_server):
    """arXiv's terms: one request every three seconds; the default policy keeps them."""
    waits: list[float] = []
    fetcher = Fetcher(
        MetadataCache(None), client=make_client(base_url=arxiv_server.url), sleep=waits.append
    )
    fetcher.fetch_ids(["2405.14867"])
    fetcher.find_by_title("Flow Matching for Generative Modeling")
    assert len(arxiv_server.requests) == 2
    assert len(waits) == 1 and 2.0 < waits[0] <= 3.0  # 3 s after the first answer came


def test_the_arxiv_package_sends_through_the_session_difbib_configures(arxiv_server):
    """difbib reaches into ``arxiv.Client._session`` (there is no public way to give a
    timeout or check answers): this fails if a new arxiv version stops using it."""
    import arxiv
    import requests

    from difbib.sources.arxiv import arxiv_session

    assert isinstance(arxiv_session(arxiv.Client()), requests.Session)
    fetcher = fetcher_for(arxiv_server)
    fetcher.fetch_ids(["2405.14867"])
    assert fetcher.service.requests == len(arxiv_server.requests) == 1


def test_an_arxiv_client_made_elsewhere_is_checked_too(arxiv_server):
    """A cut feed is a failed try even through an ``arxiv.Client`` not made by make_client."""
    import arxiv

    client = arxiv.Client(delay_seconds=0, num_retries=0)
    client.query_url_format = arxiv_server.url + "?{}"
    arxiv_server.faults.append("truncate")
    fetcher = Fetcher(
        MetadataCache(None), client=client, policy=RetryPolicy(delay=0), sleep=lambda s: None
    )
    assert fetcher.fetch_ids(["2405.14867"])["2405.14867"].primary_class == "cs.CV"
    assert len(arxiv_server.requests) == 2 and fetcher.stats.retries == 1
