"""``sync`` of a long list in an awesome-list layout: few requests, a progress bar with the
time left, and an interrupted run that loses nothing."""

from __future__ import annotations

import json
import shutil

import pytest

from difbib.outputs.progress import RequestBar
from tests.helpers import DATA
from tests.helpers.arxiv_server import ArxivRecordings, ArxivServer

N_IDS = 250
SEARCHED = ["Synthetic Searched Paper Number 0", "Synthetic Searched Paper Number 1"]


@pytest.fixture
def big_project(tmp_path, monkeypatch):
    """A list of 250 link items with arXiv ids and 2 without; arXiv knows all of them."""
    folder = tmp_path / "recordings"
    (folder / "errors").mkdir(parents=True)
    shutil.copy(DATA / "arxiv" / "errors" / "malformed-id.xml", folder / "errors")
    template = (DATA / "arxiv" / "2412.07517.xml").read_text(encoding="utf-8")
    old_title = "FireFlow: Fast Inversion of Rectified Flow for Image Semantic Editing"

    def record(aid: str, title: str) -> None:
        text = template.replace("2412.07517", aid).replace(old_title, title)
        (folder / f"{aid}.xml").write_text(text, encoding="utf-8")

    lines = ["# Awesome Synthetic Diffusion\n", "## Sampling\n"]
    for n in range(N_IDS):
        aid, title = f"2401.{n:05d}", f"Synthetic Paper Number {n} About Diffusion"
        record(aid, title)
        if n == N_IDS // 2:
            lines.append("## Distillation\n")
        lines.append(f"- [{title}](https://arxiv.org/abs/{aid}), CVPR 2024")
    for n, title in enumerate(SEARCHED):
        record(f"2402.{n:05d}", title)
        lines.append(f"- {title} [[pdf](https://example.org/paper{n}.pdf)]")
    project = tmp_path / "project"
    project.mkdir()
    (project / "papers.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.chdir(project)
    with ArxivServer(ArxivRecordings(folder)) as server:
        env = {
            "DIFBIB_ARXIV_URL": server.url,
            "DIFBIB_ARXIV_DELAY": "0",
            "DIFBIB_ARXIV_BACKOFF": "0",
        }
        yield project, server, env


def cached_ids(project) -> set[str]:
    path = project / "arxiv-cache.json"
    return set(json.loads(path.read_text())["papers"]) if path.exists() else set()


def test_sync_makes_one_request_per_100_ids_and_one_per_title_search(big_project, run):
    project, server, env = big_project
    res = run("sync", env=env)
    assert res.exit_code == 0, res.stderr
    assert len(server.id_requests) == 3  # ceil(250 / 100)
    assert len(server.search_requests) == 2
    assert len(server.requests) == 5
    assert len(cached_ids(project)) == N_IDS + 2
    # The progress bar: how far, and how long is left at arXiv's pace.
    assert "arXiv [" in res.stderr and "0/5 requests, about" in res.stderr
    assert "5/5 requests, done" in res.stderr


def test_an_interrupted_sync_keeps_what_it_fetched_and_the_next_asks_only_the_rest(
    big_project, run
):
    project, server, env = big_project
    server.faults += ["", "503", "503", "503", "503", "503"]  # the 2nd batch never answers
    res = run("sync", env=env)
    assert res.exit_code == 1 and "error:" in res.stderr
    assert len(cached_ids(project)) == 100  # the first batch was saved as it came
    assert not (project / "library.bib").exists()
    server.requests.clear()
    res = run("sync", env=env)
    assert res.exit_code == 0, res.stderr
    assert len(server.id_requests) == 2  # the 150 ids left, no more
    assert len(cached_ids(project)) == N_IDS + 2


def test_ctrl_c_during_sync_is_one_message_and_keeps_the_cache(big_project, run, monkeypatch):
    project, server, env = big_project
    original = RequestBar.step

    def interrupt_after_first(self):
        original(self)
        raise KeyboardInterrupt

    monkeypatch.setattr(RequestBar, "step", interrupt_after_first)
    res = run("sync", env=env)
    assert res.exit_code == 130
    assert "interrupted" in res.stderr and "Traceback" not in res.stderr
    assert len(cached_ids(project)) == 100


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_time_left_is_at_arxivs_pace_or_slower(capsys):
    import sys

    clock = FakeClock()
    bar = RequestBar(sys.stderr, delay=3.0, clock=clock)
    bar.plan(40)
    assert bar.line().endswith(" 0/40 requests, about 2 min 00 s left")  # 40 x 3 s
    clock.now = 20.0
    bar.step()
    bar.step()  # 10 s per request so far: slower than the delay
    assert bar.line().endswith(" 2/40 requests, about 6 min 20 s left")
    bar.plan(41)  # a title search more
    assert "2/41" in bar.line()
    for _ in range(39):
        bar.step()
    assert bar.line().endswith("41/41 requests, done")
    err = capsys.readouterr().err
    assert err.count("\n") <= 12  # not a terminal: a line per tenth, not per request
