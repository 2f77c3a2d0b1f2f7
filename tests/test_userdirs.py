"""The user's own folders (render cache, Zotero settings) come from platformdirs."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs
import pytest

from difbib.csl.rendercache import default_dir
from difbib.userdirs import user_cache_dir, user_config_dir
from difbib.zotero.api import config_path


def test_the_environment_names_both_folders_on_every_platform(tmp_path):
    env = {"DIFBIB_CACHE_DIR": str(tmp_path / "c"), "DIFBIB_CONFIG_DIR": str(tmp_path / "k")}
    assert user_cache_dir(env) == tmp_path / "c"
    assert user_config_dir(env) == tmp_path / "k"
    assert config_path(env) == tmp_path / "k" / "zotero.toml"
    assert config_path({**env, "DIFBIB_ZOTERO_CONFIG": str(tmp_path / "z.toml")}) == (
        tmp_path / "z.toml"
    )


def test_without_them_the_platforms_own_folders(monkeypatch):
    monkeypatch.delenv("DIFBIB_CACHE_DIR")
    monkeypatch.delenv("DIFBIB_CONFIG_DIR")
    assert user_cache_dir() == Path(platformdirs.user_cache_dir("difbib", appauthor=False))
    assert user_config_dir() == Path(platformdirs.user_config_dir("difbib", appauthor=False))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG folders are Linux's")
def test_on_linux_the_xdg_folders(monkeypatch, tmp_path):
    monkeypatch.delenv("DIFBIB_CACHE_DIR")
    monkeypatch.delenv("DIFBIB_CONFIG_DIR")
    monkeypatch.delenv("DIFBIB_RENDER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert default_dir() == tmp_path / "cache" / "difbib"
    assert config_path() == tmp_path / "config" / "difbib" / "zotero.toml"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_dir() == tmp_path / "home" / ".cache" / "difbib"


def test_format_caches_in_the_user_cache_folder(shipped, run, monkeypatch, tmp_path):
    monkeypatch.delenv("DIFBIB_RENDER_CACHE_DIR")
    monkeypatch.setenv("DIFBIB_CACHE_DIR", str(tmp_path / "user-cache"))
    res = run("format", "--style", "apa", "-k", "yin2024improved")
    assert res.exit_code == 0, res.stderr
    assert list((tmp_path / "user-cache").glob("*.json"))


def test_a_config_file_where_older_difbib_looked_is_still_found(monkeypatch, tmp_path):
    """On macOS and Windows the config folder moved from ~/.config/difbib."""
    monkeypatch.delenv("DIFBIB_CONFIG_DIR")
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    platform_dir = tmp_path / "Library" / "Application Support" / "difbib"
    monkeypatch.setattr(platformdirs, "user_config_dir", lambda *a, **k: str(platform_dir))
    assert config_path() == platform_dir / "zotero.toml"  # nothing anywhere: the new place
    legacy = tmp_path / ".config" / "difbib" / "zotero.toml"
    legacy.parent.mkdir(parents=True)
    legacy.write_text('api_key = "x"\n')
    assert config_path() == legacy
    platform_dir.mkdir(parents=True)
    (platform_dir / "zotero.toml").write_text('api_key = "y"\n')
    assert config_path() == platform_dir / "zotero.toml"  # the new place wins
