"""A normal (non-editable) install works: the wheel carries difbib's own style.

Slow (it builds a wheel and makes a virtual environment), so it runs in CI (``CI``
set, as ``.ci/run`` does) or when ``DIFBIB_TEST_WHEEL`` is set, and skips otherwise.
No network: the wheel is built without build isolation (setuptools comes from the
test extras) and installed without an index; the installed package finds its
dependencies through the test environment's site-packages.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tests.helpers import ROOT, SHIPPED_LIBRARY, SHIPPED_LIST

pytestmark = [
    pytest.mark.wheel,
    pytest.mark.skipif(
        not (os.environ.get("CI") or os.environ.get("DIFBIB_TEST_WHEEL")),
        reason="builds a wheel; set CI or DIFBIB_TEST_WHEEL to run",
    ),
]


def _run(cmd, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False, **kwargs)


def test_wheel_install_finds_difbib_compact_from_any_folder(tmp_path):
    dist = tmp_path / "dist"
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "-w", str(dist), str(ROOT)],
        cwd=tmp_path,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    (wheel,) = dist.glob("difbib-*.whl")
    # PEP 561: the marker that makes type checkers read difbib's annotations
    assert "difbib/py.typed" in zipfile.ZipFile(wheel).namelist()

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / ("Scripts" if os.name == "nt" else "bin") / "python"
    installed = _run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)])
    assert installed.returncode == 0, installed.stderr[-2000:]
    # The dependencies, from the test environment (not its editable difbib: a path in
    # a .pth file is not a site dir, so the editable install's own .pth is not run).
    site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    deps = sysconfig.get_paths()["purelib"]
    Path(site.stdout.strip(), "test-deps.pth").write_text(deps + "\n", encoding="utf-8")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    difbib = env_dir / ("Scripts" if os.name == "nt" else "bin") / "difbib"
    res = _run(
        [str(difbib), "format", "--style", "difbib-compact", "--key", "yin2024improved",
         "--library", str(SHIPPED_LIBRARY), "--list", str(SHIPPED_LIST), "--no-cache"],
        cwd=elsewhere,
        env={**os.environ, "PYTHONPATH": ""},
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("Yin et al. (2024). Improved Distribution Matching")
    where = _run(
        [str(python), "-c", "import difbib.csl.styles as s; print(s.BUNDLED_STYLES)"],
        cwd=elsewhere,
    )
    assert str(env_dir) in where.stdout  # the installed copy, not the source tree
