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


# -- incremental runs print what a cold run prints, on varied libraries --------------

#: Look-alike people: namesakes with the same initials, the same given name under
#: two families, a group author.
PEOPLE = [
    "Liu, Jie",
    "Liu, Jiaheng",
    "Liu, J.",
    "Liang, Jie",
    "Chen, Junsong",
    "Chen, Junyu",
    "Dao, Tri",
    "Dao, Tao",
    "van den Oord, Aaron",
    "{Black Forest Labs}",
]
TITLES = [
    "Flow Matching for Generative Modeling",
    "{FLUX}.1 Kontext: In-Context Editing",
    "One-Step Diffusion",
    "Flow Matching, Revisited",
]


@st.composite
def bib_entries(draw):
    """One BibTeX entry of a small look-alike world (fields; the key is added later)."""
    kind = draw(st.sampled_from(["article", "misc", "inproceedings"]))
    fields = {
        "author": " and ".join(draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=4))),
        "title": "{" + draw(st.sampled_from(TITLES)) + "}",
        "year": str(draw(st.sampled_from([2024, 2025]))),
    }
    if kind == "article":
        fields["journal"] = "Journal of Flows"
    elif kind == "inproceedings":
        fields["booktitle"] = "ICLR"
    else:
        fields["eprint"] = f"24{draw(st.integers(10, 12))}.0{draw(st.integers(1000, 1003))}"
        fields["archiveprefix"] = "arXiv"
    return kind, fields


def bib_text(entries) -> str:
    return "".join(
        f"@{kind}{{{key},\n" + "".join(f"  {k} = {{{v}}},\n" for k, v in fields.items()) + "}\n\n"
        for key, (kind, fields) in entries.items()
    )


@st.composite
def edits(draw, keys):
    """One change to a library: a field of one entry, one entry copied over another
    (now a look-alike), an entry removed or added."""
    key = draw(st.sampled_from(keys))
    what = draw(st.sampled_from(["title", "author", "year", "copy", "remove", "add"]))
    if what == "title":
        return what, key, "{" + draw(st.sampled_from(TITLES)) + "}"
    if what == "author":
        return (
            what,
            key,
            " and ".join(draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=4))),
        )
    if what == "year":
        return what, key, str(draw(st.sampled_from([2023, 2024, 2025])))
    if what == "copy":
        return what, key, draw(st.sampled_from(keys))
    if what == "add":
        return what, f"new{draw(st.integers(0, 99))}", draw(bib_entries())
    return what, key, None


def apply_edit(entries, edit):
    what, key, value = edit
    entries = dict(entries)
    if what in ("title", "author", "year"):
        kind, fields = entries[key]
        entries[key] = (kind, {**fields, what: value})
    elif what == "copy":
        entries[key] = entries[value]
    elif what == "remove" and len(entries) > 1:
        del entries[key]
    elif what == "add":
        entries[key] = value
    return entries


#: In-text styles of each kind of disambiguation (APA 7: given names by primary name
#: with initials; APA 6: its bibliography reads the name register, fix 23; Harvard:
#: by cite; Chicago: primary name), a numbered one, and one with
#: subsequent-author-substitute (MLA).
INCREMENTAL_STYLES = [
    "apa",
    "apa-6th-edition",
    "harvard-cite-them-right",
    "chicago-author-date",
    "ieee",
    "modern-language-association",
]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    start=st.lists(bib_entries(), min_size=2, max_size=7),
    data=st.data(),
)
@pytest.mark.parametrize("style_name", INCREMENTAL_STYLES)
def test_an_incremental_run_prints_what_a_cold_run_prints(
    tmp_path_factory, style_name, start, data
):
    """``difbib format`` through the render cache, after each of a few single-entry
    edits (some changing what disambiguation decides), prints exactly what a run
    without the cache prints on the same library."""
    from difbib.csl.bibformat import format_bibliography
    from difbib.csl.styles import resolve
    from difbib.library.queries import Library

    style = resolve(style_name)
    folder = tmp_path_factory.mktemp("lib")
    cache = folder / "cache"
    entries = {f"key{k}": entry for k, entry in enumerate(start)}

    def check(entries):
        path = folder / "library.bib"
        path.write_text(bib_text(entries), encoding="utf-8")
        papers = Library.load(path).papers
        cold = format_bibliography(papers, style)
        assert format_bibliography(papers, style, cache_dir=cache) == cold
        return cold

    check(entries)
    for _ in range(3):
        entries = apply_edit(entries, data.draw(edits(sorted(entries))))
        check(entries)


def test_two_runs_saving_at_once_keep_each_others_entries(tmp_path):
    """A run saves its cache under a lock, adding what another run saved meanwhile
    (and reads the file again only when it changed since it was read)."""
    from difbib.csl import render
    from difbib.csl.rendercache import RenderCache, item_digest
    from difbib.csl.styles import resolve

    style = resolve("apa").path
    one = [{"id": "a", "type": "book", "title": "Alpha", "author": [{"family": "Dao"}]}]
    two = [{"id": "b", "type": "book", "title": "Beta", "author": [{"family": "Liu"}]}]
    first, second = (RenderCache(tmp_path, style, "en-US", "text") for _ in range(2))
    render.cached_bibliography(one, style, "en-US", "text", first)
    render.cached_bibliography(two, style, "en-US", "text", second)
    first.save()
    second.save()  # the file changed since `second` read it: read again, merged
    again = RenderCache(tmp_path, style, "en-US", "text")
    for items in (one, two):
        hashes = [item_digest(items[0])]
        from_cache = render.cached_entries([items[0]["id"]], hashes, again)
        assert from_cache == render.bibliography(items, style)
