"""Reading the curated list: the seed as received, and messy lists users write."""

from __future__ import annotations

import pytest

from difbib.errors import ListError
from difbib.sources.ids import InvalidArxivId, arxiv_id_from_url, parse_arxiv_id
from difbib.sources.readinglist import decode_list_bytes, parse_list, read_list, repair_mojibake
from tests.helpers import SEED, SEED_HEADINGS, SHIPPED_LIST


@pytest.fixture(scope="module")
def seed():
    return read_list(SEED)


def test_seed_has_33_papers_in_8_categories(seed):
    assert len(seed.papers) == 33
    assert [c.heading for c in seed.categories] == SEED_HEADINGS


def test_seed_encoding_is_repaired_and_reported(seed):
    assert seed.repaired_encoding
    assert any("Mac Roman" in n.message for n in seed.notices)
    titles = [p.title for p in seed.papers]
    assert "Timestep Embedding Tells: It’s Time to Cache for Video Diffusion Model" in titles
    assert all("‚" not in t and "Ô" not in t for t in titles)


def test_seed_ratings_are_star_counts(seed):
    by_title = {p.title: p for p in seed.papers}
    assert (
        by_title["FireFlow: Fast Inversion of Rectified Flow for Image Semantic Editing"].rating
        == 1
    )
    assert by_title["Qwen-Image"].rating == 4
    assert by_title["FLOW MATCHING FOR GENERATIVE MODELING"].rating == 5
    assert all(p.rating for p in seed.papers)


def test_paper_under_two_headings_is_one_paper_with_two_categories(seed):
    zimage = [p for p in seed.papers if p.title.startswith("Z-Image")]
    assert len(zimage) == 1
    assert zimage[0].categories == ["Milestone Models", "Flow Matching Concepts"]
    dmdr = [p for p in seed.papers if p.arxiv_id == "2511.13649"]
    assert len(dmdr) == 1
    assert dmdr[0].categories == ["Model Distillation", "Reinforcement Learning"]


def test_papers_without_arxiv_link_and_malformed_id_are_reported(seed):
    no_id = {p.title.split(":")[0]: p for p in seed.papers if p.arxiv_id is None}
    assert set(no_id) == {"FlashAttention-2", "FlashAttention-3", "WithAnyone", "FluxSpace"}
    flux = no_id["FluxSpace"]
    assert [(line, raw) for line, raw, _ in flux.bad_ids] == [(175, "2412.096118")]
    messages = [str(n) for n in seed.notices]
    assert any(m.startswith("line 175: malformed arXiv id '2412.096118'") for m in messages)
    assert any(m.startswith("line 167:") and "no arXiv link" in m for m in messages)


def test_contents_and_rating_blocks_are_not_papers(seed):
    titles = " ".join(p.title for p in seed.papers)
    assert "Rating" not in [c.heading for c in seed.categories]
    assert "Contents" not in [c.heading for c in seed.categories]
    assert "Note" not in titles


def test_slugs_and_aliases_users_type(seed):
    cats = {c.heading: c for c in seed.categories}
    assert cats["Model Distillation"].slug == "distillation"
    assert "acceleration" in cats["Inference Acceleration"].aliases
    rl = cats["Reinforcement Learning"]
    assert rl.slug == "reinforcement" and "rl" in rl.aliases
    assert len({c.slug for c in seed.categories}) == 8


def test_shipped_list_is_the_seed_with_repaired_encoding():
    text, _, repaired = decode_list_bytes(SEED.read_bytes())
    assert repaired
    assert SHIPPED_LIST.read_text(encoding="utf-8") == text
    shipped = read_list(SHIPPED_LIST)
    assert not shipped.repaired_encoding
    assert len(shipped.papers) == 33


def test_mojibake_repair_fixes_four_byte_emoji_and_keeps_correct_text():
    broken = "## \uf8ffüß™ Model Distillation ‚≠ê‚≠ê — Michaël"
    # The run "‚≠ê‚≠ê" and the emoji are broken; "Michaël" and "—" are real text, so the
    # whole-text round trip fails and each run is repaired on its own.
    fixed, count = repair_mojibake(broken)
    assert fixed == "## 🧪 Model Distillation ⭐⭐ — Michaël"
    assert count == 2
    assert repair_mojibake("Ré and Michaël")[1] == 0


LIST_HEAD = "# My list\n\n"


def test_crlf_bom_nested_lists_and_missing_ratings():
    text = (
        "\ufeff# Reading\r\n\r\n## Distillation\r\n\r\n"
        "- **Improved Distribution Matching Distillation** ⭐⭐⭐ [[Paper](https://arxiv.org/abs/2405.14867v2)]\r\n"
        "  * **One-step Diffusion with DMD** \r\n"
        "    [[Paper](http://arxiv.org/pdf/2311.18828v4.pdf)]\r\n"
        "1. **Old style paper** ⭐ <https://arxiv.org/abs/hep-th/9901001>\r\n"
    )
    text, _, _ = decode_list_bytes(text.encode("utf-8"))
    reading = parse_list(text)
    got = [(p.title, p.rating, p.arxiv_id) for p in reading.papers]
    assert got == [
        ("Improved Distribution Matching Distillation", 3, "2405.14867"),
        ("One-step Diffusion with DMD", None, "2311.18828"),
        ("Old style paper", 1, "hep-th/9901001"),
    ]
    assert any(n.line == 6 and "no ⭐ rating" in n.message for n in reading.notices)


def test_stars_before_the_title_count_too():
    reading = parse_list(
        LIST_HEAD
        + "## A\n\n- ⭐⭐⭐ **Some Paper Title Here** [x](https://arxiv.org/abs/2412.08629)\n"
    )
    assert [(p.title, p.rating) for p in reading.papers] == [("Some Paper Title Here", 3)]


def test_paper_with_no_links_is_kept_for_a_title_search():
    reading = parse_list(LIST_HEAD + "## Editing\n\n**A Paper Without Any Link** ⭐⭐\n")
    [paper] = reading.papers
    assert paper.arxiv_id is None and paper.links == [] and paper.rating == 2
    assert any("no arXiv link" in n.message for n in reading.notices)


def test_subsections_belong_to_their_category_and_other_levels_work():
    text = (
        LIST_HEAD
        + "## Acceleration\n\n### Caching\n\n**TeaCache** ⭐⭐ [[P](https://arxiv.org/abs/2411.19108)]\n"
        + "#### Deeper\n\n**MagCache** ⭐ [[P](https://arxiv.org/abs/2506.09045)]\n"
    )
    reading = parse_list(text)
    assert [c.heading for c in reading.categories] == ["Acceleration"]
    assert [p.categories for p in reading.papers] == [["Acceleration"], ["Acceleration"]]

    only_h3 = LIST_HEAD + "### Editing\n\n**FlowEdit** ⭐ [[P](https://arxiv.org/abs/2412.08629)]\n"
    assert [c.heading for c in parse_list(only_h3).categories] == ["Editing"]


def test_paper_before_any_category_is_reported_not_lost_silently():
    text = "**Stray Paper Title Here** ⭐⭐ [[P](https://arxiv.org/abs/2412.08629)]\n\n## A\n"
    reading = parse_list(text)
    assert reading.papers == []
    assert any("under no category" in n.message for n in reading.notices)


def test_unreadable_lists_raise_one_line_errors(tmp_path):
    with pytest.raises(ListError, match="not found"):
        read_list(tmp_path / "missing.md")
    with pytest.raises(ListError, match="is a folder"):
        read_list(tmp_path)
    binary = tmp_path / "list.md"
    binary.write_bytes(b"\x00\x01\x02PNG")
    with pytest.raises(ListError, match="binary"):
        read_list(binary)
    empty = tmp_path / "empty.md"
    empty.write_text("# Nothing here\n\nJust prose.\n")
    with pytest.raises(ListError, match="no papers found"):
        read_list(empty)


def test_latin1_list_is_read_with_a_notice(tmp_path):
    path = tmp_path / "list.md"
    path.write_bytes(b"## Caf\xe9\n\n**Some Paper** [[P](https://arxiv.org/abs/2412.08629)]\n")
    reading = read_list(path)
    assert reading.categories[0].heading == "Café"
    assert any("not valid UTF-8" in n.message for n in reading.notices)


@pytest.mark.parametrize(
    "url, raw",
    [
        ("https://arxiv.org/abs/2412.09611", "2412.09611"),
        ("https://arxiv.org/abs/2412.09611v2", "2412.09611v2"),
        ("https://arxiv.org/pdf/2412.09611", "2412.09611"),
        ("https://arxiv.org/pdf/2412.09611v1.pdf", "2412.09611v1"),
        ("http://export.arxiv.org/html/2412.09611v1", "2412.09611v1"),
        ("https://arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("https://doi.org/10.48550/arXiv.2412.09611", "2412.09611"),
        ("https://tridao.me/publications/flash2/flash2.pdf", None),
        ("https://github.com/Doby-Xu/WithAnyone", None),
    ],
)
def test_arxiv_ids_in_urls(url, raw):
    assert arxiv_id_from_url(url) == raw


@pytest.mark.parametrize(
    "raw, why",
    [
        ("2412.096118", "5 digits after the dot, this one has 6"),
        ("1312.12345", "4 digits"),
        ("2413.09611", "month 13"),
        ("0612.1234", "start in 0704"),
        ("flash2", "not an arXiv id"),
    ],
)
def test_malformed_ids_say_why(raw, why):
    with pytest.raises(InvalidArxivId, match=why):
        parse_arxiv_id(raw)


def test_valid_ids_keep_their_version_apart():
    aid = parse_arxiv_id("arXiv:2205.14135v2")
    assert (aid.id, aid.version) == ("2205.14135", 2)
    assert parse_arxiv_id("math.GT/0309136").id == "math.GT/0309136"
