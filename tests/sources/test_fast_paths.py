"""The reader's fast paths give exactly what the rules they stand for give.

Reading a large list is kept fast by shortcuts (see ``bench/reading_bench.py``): a
link finder whose repeats never give back, quick exits for text that needs no work.
Each is checked here against the plain rule, on text drawn from the characters that
make the rule branch (brackets, parentheses, quotes, newlines, marks, spaces).
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from difbib.sources import readinglist

# Pieces of Markdown links and of what breaks them.
LINK_PIECES = [
    "[", "]", "(", ")", "](", "[[", "]]", "\n", " ", "  ", "a", "Paper", "<", ">", '"', "'",
    "\\", "https://arxiv.org/abs/2405.14867", "x.org/a_(b)", "![", "*", "⭐",
]  # fmt: skip
pieces = st.lists(st.sampled_from(LINK_PIECES), max_size=8).map("".join)
# Whole links ([label](url "title")) with pieces inside, and pieces between them.
links = st.builds("[{}]({}{})".format, pieces, pieces, st.sampled_from(["", ' "t"', " 't' "]))
link_texts = st.lists(st.one_of(pieces, links), max_size=8).map("".join)

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def spans(matches):
    return [(m.span(), m["label"], m["url"]) for m in matches]


@FAST
@given(link_texts)
@example("[[Paper](https://arxiv.org/pdf/2405.14867)] [[Code](https://github.com/a/b)]")
@example('[a [b] c](u) [x](y "t") [unclosed](z')
@example("[" + "[a]" * 301 + "](u) [ok](v)")  # a label of too many parts: no link there
def test_the_link_finder_finds_the_links_of_the_plain_rule(text):
    assert spans(readinglist.md_links(text)) == spans(readinglist._MD_LINK.finditer(text))


@FAST
@given(link_texts)
@example("[[Paper](https://arxiv.org/pdf/2405.14867)]")
def test_possessive_repeats_match_what_backtracking_repeats_match(text):
    # Python 3.10 has no possessive repeats and uses the same pattern without them.
    backtracking = re.compile(readinglist._FAST_PATTERN.replace("}+", "}"))
    assert spans(readinglist._MD_LINK_FAST.finditer(text)) == spans(backtracking.finditer(text))


# Titles and headings: words, spaces of every kind, marks, punctuation, emoji.
TITLE_PIECES = [
    "Paper", "Flow", "Łuczak", "é", "1", "A", "a", " ", "  ", "\t", "\n", "\xa0", "\u2003",
    ":", ".", "..", "-", "–", "_", "*", "`", "\x02", "\x03", "\x04", "<b>", "&amp;", "\\",
    "\\&", '"', "“", "”", "'", "[", "(", ")", "]", "🧪", "\ufe0f", "⭐", ",", "|",
]  # fmt: skip
titles = st.lists(st.sampled_from(TITLE_PIECES), max_size=12).map("".join)


@FAST
@given(titles)
@example("Paper")
@example(" Flow  Matching\xa0 ")
def test_clean_title_quick_exits_change_nothing(text):
    assert readinglist.clean_title(text) == readinglist._clean_title(text)
    spaced = " ".join(text.split())  # the rule's own first step, always taken
    assert readinglist._clean_title(text) == readinglist._clean_title(spaced)


@FAST
@given(titles)
@example("Section 12")
@example("Text-to-Video  Generation")
def test_words_of_a_heading_are_its_runs_of_letters_and_digits(text):
    folded = readinglist.ascii_fold(text).lower()
    assert readinglist.heading_words(text) == re.findall(r"[a-z0-9]+", folded)


class _Everything:
    def __contains__(self, item: object) -> bool:
        return True


VENUE_PIECES = [
    "CVPR", "CVPR 2024", "NeurIPS", "NeurIPS'23", "ICLR", "SIGGRAPH Asia", "T-PAMI", "3DV",
    "PMLR", "Nature", "Oral", "Workshop", " ", "2024", "'24", "(", ")", "*", "[", ":", "-",
    "Paper", "A", "Cv", "pr", "é",
]  # fmt: skip


@FAST
@given(st.lists(st.sampled_from(VENUE_PIECES), max_size=6).map("".join))
@example("**CVPR 2024 Oral**")
@example("Paper: A Study")
def test_the_quick_venue_test_rejects_only_what_the_rule_rejects(text):
    quick = readinglist.is_venue(text)
    saved = readinglist._VENUE_STARTS
    readinglist._VENUE_STARTS = _Everything()  # type: ignore[assignment]
    try:
        assert quick == readinglist.is_venue(text)
    finally:
        readinglist._VENUE_STARTS = saved
