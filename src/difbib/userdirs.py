"""Where difbib keeps what belongs to the user rather than to a project.

A project's files live in its folder, next to the library: the reading list,
``library.bib``, ``arxiv-cache.json``, ``venues-cache.json``, ``styles/``, the
sync record and the Zotero state (see :mod:`difbib.project`). Two things are the
user's, shared by all their projects, and live in the user's own folders:

* the **render cache** of ``difbib format`` and ``difbib cite`` (rendered
  entries: derived data, safe to delete), in the cache folder;
* the **Zotero settings** (``zotero.toml``, which holds the API key), in the
  config folder.

The folders are the platform's own, as `platformdirs
<https://platformdirs.readthedocs.io>`_ names them:

=======  ========================================  =====================================
folder   Linux and other Unix                      macOS / Windows
=======  ========================================  =====================================
cache    ``$XDG_CACHE_HOME/difbib``                ``~/Library/Caches/difbib`` /
         (``~/.cache/difbib``)                     ``%LOCALAPPDATA%\\difbib\\Cache``
config   ``$XDG_CONFIG_HOME/difbib``               ``~/Library/Application Support/difbib``
         (``~/.config/difbib``)                    / ``%LOCALAPPDATA%\\difbib``
=======  ========================================  =====================================

``DIFBIB_CACHE_DIR`` and ``DIFBIB_CONFIG_DIR`` name other folders, on every
platform (the test suite sets both, so that it never touches the user's own).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP = "difbib"


def user_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """The user's cache folder for difbib: ``$DIFBIB_CACHE_DIR``, else the platform's."""
    env = os.environ if env is None else env
    if env.get("DIFBIB_CACHE_DIR"):
        return Path(env["DIFBIB_CACHE_DIR"]).expanduser()
    return Path(platformdirs.user_cache_dir(APP, appauthor=False))


def user_config_dir(env: Mapping[str, str] | None = None) -> Path:
    """The user's config folder for difbib: ``$DIFBIB_CONFIG_DIR``, else the platform's."""
    env = os.environ if env is None else env
    if env.get("DIFBIB_CONFIG_DIR"):
        return Path(env["DIFBIB_CONFIG_DIR"]).expanduser()
    return Path(platformdirs.user_config_dir(APP, appauthor=False))
