"""Property test over generated lists in every layout (``tests/sources/listgen.py``).

Whatever the mix of layouts, noise, comments and heading structure:

* every arXiv id that appears in a paper item is recognised, exactly once;
* no id is attached to another item's title;
* every category that holds papers is found, and each paper has its categories;
* ids that appear only inside HTML comments are not found.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from difbib.sources.readinglist import normalize_title, parse_list
from tests.sources.listgen import LAYOUTS, NOISE, PAPERS, Section, render

HEADINGS = ["Sampling", "Distillation", "Video Generation", "Image Editing", "Flow Matching"]


@st.composite
def reading_lists(draw):
    pool = draw(st.permutations(range(len(PAPERS))))
    n_sections = draw(st.integers(1, len(HEADINGS)))
    sections = []
    used = 0
    for k in range(n_sections):
        layout = draw(st.sampled_from(LAYOUTS))
        # Headings as titles are a layout when there are two of them (one alone is
        # read as a section whose paper lost its title).
        count = draw(st.integers(2 if layout == "heading" else 1, 5))
        chosen = [PAPERS[i] for i in pool[used : used + count]]
        used += count
        hidden = [PAPERS[i] for i in pool[used : used + draw(st.integers(0, 2))]]
        used += len(hidden)
        if not chosen:
            break
        sections.append(
            Section(
                HEADINGS[k],
                layout,
                chosen,
                noise=draw(st.lists(st.integers(0, len(NOISE) - 1), max_size=3)),
                commented=hidden,
                sub=draw(st.sampled_from([None, "Earlier work"])),
            )
        )
    # The same paper under a second heading: one paper, two categories.
    if len(sections) > 1 and draw(st.booleans()):
        sections[-1].papers.append(sections[0].papers[0])
    # '#' categories need two of them: a lone '#' heading is the list's title.
    return render(sections, h1_categories=len(sections) > 1 and draw(st.booleans()))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reading_lists())
def test_every_id_of_a_paper_item_is_found_once_with_its_own_title(generated):
    text, truth = generated
    reading = parse_list(text)
    found = [p.arxiv_id for p in reading.papers if p.arxiv_id]
    assert sorted(found) == sorted(truth.ids), text
    for paper in reading.papers:
        assert paper.arxiv_id in truth.ids, (paper, text)
        assert normalize_title(paper.title) == normalize_title(truth.ids[paper.arxiv_id]), text
        assert paper.categories == truth.categories[paper.arxiv_id], text
        assert not paper.other_ids
    holding = {c for cats in truth.categories.values() for c in cats}
    assert {c.heading for c in reading.categories} == holding
    assert not truth.hidden & set(found)
