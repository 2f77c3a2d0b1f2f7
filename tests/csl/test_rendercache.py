"""The render cache: a file of the wrong shape is ignored and rewritten, never a crash."""

from __future__ import annotations

import json

import pytest


def cache_files(folder):
    return sorted(folder.glob("rendered-*.json"))


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: [1, 2, 3],
        lambda data: {**data, "entries": [1, 2, 3]},
        lambda data: {**data, "entries": {k: 5 for k in data["entries"]}},
        lambda data: {**data, "orders": {k: {"ids": [1, "a"]} for k in data["orders"]}},
        lambda data: {**data, "orders": {k: "a string" for k in data["orders"]}},
        lambda data: {**data, "orders": [1]},
    ],
)
def test_a_damaged_render_cache_is_ignored_and_rewritten(shipped, run, tmp_path, damage):
    folder = tmp_path / "render-cache"
    env = {"DIFBIB_RENDER_CACHE_DIR": str(folder)}
    first = run("format", "--style", "apa", env=env)
    assert first.exit_code == 0, first.stderr
    [path] = cache_files(folder)
    path.write_text(json.dumps(damage(json.loads(path.read_text()))), encoding="utf-8")
    again = run("format", "--style", "apa", env=env)
    assert again.exit_code == 0, again.stderr
    assert again.stdout == first.stdout
    assert json.loads(path.read_text())["entries"]  # rewritten whole
