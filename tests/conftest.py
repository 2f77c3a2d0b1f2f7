"""Shared fixtures: the local arXiv server, a scratch project, and a CLI runner."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.helpers import (
    SEED,
    SHIPPED_CACHE,
    SHIPPED_LIBRARY,
    SHIPPED_LIST,
    SHIPPED_STATE,
    SHIPPED_TERMS,
    Run,
)
from tests.helpers.arxiv_server import ArxivServer


@pytest.fixture(autouse=True)
def _private_caches(tmp_path_factory, monkeypatch):
    """Tests never write to the user's caches or read their Zotero settings."""
    monkeypatch.setenv("DIFBIB_RENDER_CACHE_DIR", str(tmp_path_factory.mktemp("render-cache")))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))


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
    for var in [v for v in os.environ if v.startswith("DIFBIB_")]:
        monkeypatch.delenv(var)
    return tmp_path


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A scratch copy of the shipped list, library, its sync record and cache; the cwd."""
    for path in (SHIPPED_LIST, SHIPPED_LIBRARY, SHIPPED_STATE, SHIPPED_CACHE, SHIPPED_TERMS):
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.chdir(tmp_path)
    for var in [v for v in os.environ if v.startswith("DIFBIB_")]:
        monkeypatch.delenv(var)
    return tmp_path


@pytest.fixture
def run():
    return Run()


@pytest.fixture
def run_online(arxiv_server):
    """The CLI pointed at the local arXiv server, with no delays between requests or retries."""
    return Run(
        {
            "DIFBIB_ARXIV_URL": arxiv_server.url,
            "DIFBIB_ARXIV_DELAY": "0",
            "DIFBIB_ARXIV_BACKOFF": "0",
        }
    )
