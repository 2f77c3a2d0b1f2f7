"""The render cache: a file of the wrong shape is ignored and rewritten, never a crash."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


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


# -- the cached path gives what rendering afresh gives ----------------------------

FAMILIES = [
    ("Liu", "Jie"),
    ("Liu", "Jiaheng"),
    ("Liang", "Jie"),
    ("Wang", "Xintao"),
    ("Dao", "Tri"),
]


@st.composite
def libraries(draw):
    """Small libraries of look-alikes: few names, two years, repeated titles."""
    n = draw(st.integers(2, 7))
    items = []
    for k in range(n):
        authors = draw(st.lists(st.sampled_from(FAMILIES), min_size=1, max_size=4))
        items.append(
            {
                "id": f"item{k}",
                "type": draw(st.sampled_from(["article-journal", "article"])),
                "title": draw(st.sampled_from(["Alpha", "Beta", "Gamma"])),
                "container-title": "Journal",
                "issued": {"date-parts": [[draw(st.sampled_from([2024, 2025]))]]},
                "author": [{"family": f, "given": g} for f, g in authors],
            }
        )
    return items


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=libraries(), data=st.data())
@pytest.mark.parametrize("style_name", ["apa", "harvard-cite-them-right"])
def test_cached_rendering_equals_fresh_rendering(tmp_path_factory, style_name, items, data):
    """Cold, warm and one changed item through the cache print what rendering the
    same items afresh prints (cached cites, orders and entries never go stale)."""
    from difbib.csl import render
    from difbib.csl.rendercache import RenderCache
    from difbib.csl.styles import resolve

    style = resolve(style_name).path
    folder = tmp_path_factory.mktemp("cache")

    def cached(items):
        cache = RenderCache(folder, style, "en-US", "text")
        result = render.cached_bibliography(items, style, "en-US", "text", cache)
        cache.save()
        return result

    fresh = render.bibliography(items, style)
    assert cached(items) == fresh
    assert cached(items) == fresh
    changed = [dict(i) for i in items]
    k = data.draw(st.integers(0, len(items) - 1))
    other = data.draw(st.sampled_from(items))
    changed[k] = {**other, "id": changed[k]["id"]}  # now it looks like another one
    assert cached(changed) == render.bibliography(changed, style)
