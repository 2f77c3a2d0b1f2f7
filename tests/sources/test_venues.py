"""The Semantic Scholar + DBLP client against a local server speaking their formats."""

from __future__ import annotations

import json

import pytest

from difbib.errors import DifbibError
from difbib.sources.http import RetryPolicy
from difbib.sources.venues import DblpRecord, VenueCache, VenueLookup
from tests.helpers import DATA
from tests.helpers.venue_server import VenueServer

IDS = [e["arxiv_id"] for e in json.loads((DATA / "venues" / "venues.json").read_text())]


@pytest.fixture
def server():
    with VenueServer() as s:
        yield s


def lookup(server, tmp_path, retries: int = 4, **kw):
    waits: list[float] = []
    cache = VenueCache(tmp_path / "venues-cache.json")
    client = VenueLookup(
        cache,
        s2_url=server.s2_url,
        dblp_url=server.dblp_url,
        sleep=waits.append,
        policy=RetryPolicy(retries=retries, backoff=0.5, delay=0),
        **kw,
    )
    return client, waits


def test_cold_lookup_is_one_batch_plus_one_dblp_request_per_dblp_record(server, tmp_path):
    client, _ = lookup(server, tmp_path)
    result = client.lookup(IDS)
    assert len(IDS) == 33 and not result.unchecked
    assert server.count("POST") == 1  # one batch for 33 ids
    assert server.requests[0][2] == 33
    # DBLP only for the records Semantic Scholar links to a (non-arXiv) DBLP key
    assert server.count("GET") == 2
    published = [e for e in server.truth.values() if e["published"] is True]
    assert server.count("GET") <= len(published) == 20
    assert result.answers["2205.14135"].dblp.key == "conf/nips/DaoFERR22"
    # arXiv's own DBLP records (journals/corr) are never fetched
    assert result.answers["2509.20427"].s2.dblp.startswith("journals/corr/")
    assert not any("corr" in path for _, path, _ in server.requests)


def test_warm_lookup_asks_nothing_and_refresh_asks_again(server, tmp_path):
    client, _ = lookup(server, tmp_path)
    client.lookup(IDS)
    server.requests.clear()
    again, _ = lookup(server, tmp_path)  # a new run, from the saved cache
    result = again.lookup(IDS)
    assert server.requests == [] and result.stats.from_cache == 33
    fresh, _ = lookup(server, tmp_path, refresh=True)
    fresh.lookup(IDS)
    assert server.count("POST") == 1 and server.count("GET") == 2


def test_batches_hold_at_most_500_ids(server, tmp_path):
    ids = [f"2401.{n:05d}" for n in range(501)]
    client, _ = lookup(server, tmp_path)
    result = client.lookup(ids)
    assert [n for _, _, n in server.requests] == [500, 1]
    assert all(result.answers[i].s2 is None for i in ids)  # unknown to S2: cached as such
    assert (
        json.loads((tmp_path / "venues-cache.json").read_text())["semanticscholar"][ids[0]] is None
    )


def test_offline_asks_nothing_and_names_what_it_could_not_check(server, tmp_path):
    client, _ = lookup(server, tmp_path, offline=True)
    result = client.lookup(IDS[:3])
    assert server.requests == []
    assert set(result.unchecked) == set(IDS[:3])
    assert "--offline" in result.unchecked[IDS[0]]


def test_throttling_waits_what_retry_after_says(server, tmp_path):
    server.faults += ["429", "429"]
    server.retry_after = "3"
    client, waits = lookup(server, tmp_path)
    result = client.lookup(IDS)
    assert not result.unchecked
    assert server.count("POST") == 3  # two 429s, then the answer
    assert waits == [3.0, 3.0]  # the server's Retry-After, not the 0.5 s backoff
    assert result.stats.retries == 2


def test_server_errors_back_off_exponentially(server, tmp_path):
    server.faults += ["503", "503", "503"]
    client, waits = lookup(server, tmp_path)
    assert not client.lookup(IDS).unchecked
    assert waits == [0.5, 1.0, 2.0]


def test_a_service_that_stays_down_is_reported_per_paper_and_nothing_is_cached(server, tmp_path):
    server.faults.append("down")
    client, waits = lookup(server, tmp_path, retries=2)
    result = client.lookup(IDS)
    assert server.count("POST") == 3 and len(waits) == 2
    assert set(result.unchecked) == set(IDS) and not result.answers
    assert "Semantic Scholar did not answer after 3 tries (HTTP 503)" in result.unchecked[IDS[0]]
    assert not (tmp_path / "venues-cache.json").exists()


def test_dblp_down_leaves_only_its_papers_unchecked_and_a_rerun_asks_only_dblp(server, tmp_path):
    server.faults += ["", "down"]  # the S2 batch answers; DBLP does not
    client, _ = lookup(server, tmp_path, retries=1)
    result = client.lookup(IDS)
    assert set(result.unchecked) == {"2205.14135", "2307.08691"}
    assert "DBLP did not answer" in result.unchecked["2205.14135"]
    server.down = False
    server.requests.clear()
    again, _ = lookup(server, tmp_path)
    assert not again.lookup(IDS).unchecked
    assert server.count("POST") == 0 and server.count("GET") == 2


def test_a_refused_request_is_not_retried(server, tmp_path):
    client, waits = lookup(server, tmp_path)
    client.s2_url = server.base + "/wrong"
    result = client.lookup(IDS[:2])  # 404 from a wrong endpoint: not JSON of one answer per id
    assert waits == [] and set(result.unchecked) == set(IDS[:2])


def test_dblp_bibtex_is_read_as_dblp_writes_it():
    text = r"""@inproceedings{DBLP:conf/cvpr/RombachBLEO22,
  author       = {Robin Rombach and
                  Andreas Blattmann and
                  Bj{\"{o}}rn Ommer},
  title        = {High-Resolution Image Synthesis with Latent Diffusion Models},
  booktitle    = {{IEEE/CVF} Conference on Computer Vision and Pattern Recognition,
                  {CVPR} 2022, New Orleans, LA, USA, June 18-24, 2022},
  pages        = {10674--10685},
  publisher    = {{IEEE}},
  year         = {2022},
  doi          = {10.1109/CVPR52688.2022.01042},
}
"""
    rec = DblpRecord.from_bibtex("conf/cvpr/RombachBLEO22", text)
    assert rec.entry_type == "inproceedings" and rec.year == 2022
    assert rec.authors == ["Robin Rombach", "Andreas Blattmann", "Björn Ommer"]
    assert rec.booktitle.startswith(
        "IEEE/CVF Conference on Computer Vision and Pattern Recognition, CVPR 2022"
    )
    assert (rec.pages, rec.publisher, rec.doi) == (
        "10674--10685",
        "IEEE",
        "10.1109/CVPR52688.2022.01042",
    )
    with pytest.raises(ValueError):
        DblpRecord.from_bibtex("x", "<html>not bibtex</html>")


def test_a_broken_cache_is_one_clear_error(tmp_path):
    path = tmp_path / "venues-cache.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(DifbibError, match="venues cache"):
        VenueCache(path)


def test_no_network_fails_at_once_without_retries(tmp_path):
    """A refused connection (no network, a closed port) is not retried: one try, no wait."""
    import socket

    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    waits: list[float] = []
    client = VenueLookup(
        VenueCache(tmp_path / "venues-cache.json"),
        s2_url=f"http://127.0.0.1:{port}/graph/v1",
        dblp_url=f"http://127.0.0.1:{port}",
        sleep=waits.append,
        policy=RetryPolicy(delay=0),
    )
    result = client.lookup(IDS)
    assert waits == []
    assert set(result.unchecked) == set(IDS)
    assert "Semantic Scholar: cannot connect" in result.unchecked[IDS[0]]
