"""Shared fixtures: the local arXiv server, a scratch project, and a CLI runner."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.helpers import (
    NO_VENUE_NETWORK,
    SEED,
    SHIPPED_CACHE,
    SHIPPED_LIBRARY,
    SHIPPED_LIST,
    SHIPPED_STATE,
    SHIPPED_TERMS,
    SHIPPED_VENUE_CACHE,
    Run,
)
from tests.helpers.arxiv_server import ArxivServer
from tests.helpers.venue_server import VenueServer

#: Set for every test (the user's own folders are never touched); kept by the fixtures below.
PRIVATE_DIRS = ("DIFBIB_CACHE_DIR", "DIFBIB_CONFIG_DIR", "DIFBIB_RENDER_CACHE_DIR")


def _clear_difbib_env(monkeypatch) -> None:
    """No DIFBIB_* setting of the caller's, except the test folders and closed venue ports."""
    keep = {*NO_VENUE_NETWORK, *PRIVATE_DIRS}
    for var in [v for v in os.environ if v.startswith("DIFBIB_") and v not in keep]:
        monkeypatch.delenv(var)


@pytest.fixture(autouse=True)
def _private_caches(tmp_path_factory, monkeypatch):
    """Tests never write to the user's caches or read their Zotero settings."""
    monkeypatch.setenv("DIFBIB_CACHE_DIR", str(tmp_path_factory.mktemp("user-cache")))
    monkeypatch.setenv("DIFBIB_CONFIG_DIR", str(tmp_path_factory.mktemp("user-config")))
    monkeypatch.setenv("DIFBIB_RENDER_CACHE_DIR", str(tmp_path_factory.mktemp("render-cache")))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))


@pytest.fixture(autouse=True)
def _no_venue_network(monkeypatch):
    for name, value in NO_VENUE_NETWORK.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def venue_server():
    """A local Semantic Scholar + DBLP built from tests/data/venues/venues.json."""
    with VenueServer() as server:
        yield server


@pytest.fixture
def arxiv_server():
    """A local arXiv API serving the recorded responses; counts requests."""
    with ArxivServer() as server:
        yield server


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A scratch folder holding the seed list as papers.md; the cwd of the test."""
    shutil.copy(SEED, tmp_path / "papers.md")
    shutil.copy(SHIPPED_TERMS, tmp_path / SHIPPED_TERMS.name)
    monkeypatch.chdir(tmp_path)
    _clear_difbib_env(monkeypatch)
    return tmp_path


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A scratch copy of the shipped list, library, its sync record, caches, terms; the cwd."""
    for path in (
        SHIPPED_LIST,
        SHIPPED_LIBRARY,
        SHIPPED_STATE,
        SHIPPED_CACHE,
        SHIPPED_TERMS,
        SHIPPED_VENUE_CACHE,
    ):
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.chdir(tmp_path)
    _clear_difbib_env(monkeypatch)
    return tmp_path


@pytest.fixture
def run():
    return Run()


@pytest.fixture
def run_online(arxiv_server, venue_server):
    """The CLI pointed at the local arXiv, Semantic Scholar and DBLP servers, without waits."""
    return Run(
        {
            "DIFBIB_ARXIV_URL": arxiv_server.url,
            "DIFBIB_ARXIV_DELAY": "0",
            "DIFBIB_ARXIV_BACKOFF": "0",
            **venue_server.env,
        }
    )
