"""difbib is a typed package (PEP 561): type checkers read its annotations.

The wheel's contents are checked in ``test_wheel.py`` (slow, CI only); this checks
the installed package, which in the test environment is the editable install.
"""

from __future__ import annotations

import sys
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

from tests.helpers import ROOT


def test_installed_package_has_the_py_typed_marker():
    # Without it, mypy and pyright ignore difbib's annotations in a user's project.
    assert resources.files("difbib").joinpath("py.typed").is_file()


def test_the_marker_is_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "py.typed" in config["tool"]["setuptools"]["package-data"]["difbib"]
