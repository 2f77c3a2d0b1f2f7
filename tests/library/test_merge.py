"""The sync merge, field by field: difbib's new output against the user's entry.

A field the user never touched takes the new output; a field they edited or removed
stays theirs; the reading list owns ``keywords`` and ``ranking``.
"""

from __future__ import annotations

from bibtexparser.model import Entry

from difbib.library.bibtex import parse_bib
from difbib.library.sync import TYPE_DIGEST, digests, field_digest, merge_entry

WRITTEN = {  # what the last sync wrote
    "author": "Tianwei Yin",
    "title": "Improved Distribution Matching",
    "year": "2024",
    "eprint": "2405.14867",
    "abstract": "Old abstract.",
}
NEW = {  # what difbib writes now (a new release, a new arXiv version)
    "author": "Tianwei Yin and Michaël Gharbi",
    "title": "Improved {Distribution} Matching",
    "year": "2024",
    "eprint": "2405.14867",
    "abstract": "New abstract.",
    "doi": "10.48550/arXiv.2405.14867",
}
CATEGORIES = {"Model Distillation", "Reinforcement Learning"}


def entry(text: str) -> Entry:
    return parse_bib(text).entries[0]


def fields(e: Entry) -> dict[str, str]:
    return {f.key: f.value for f in e.fields}


BASE = digests(WRITTEN)


def merge(current: Entry, base=BASE, list_values=None, new=NEW, **kw) -> Entry:
    return merge_entry(current, dict(new), base, dict(list_values or {}), CATEGORIES, **kw)


AS_WRITTEN = """@misc{yin2024improved,
  author = {Tianwei Yin}, title = {Improved Distribution Matching}, year = {2024},
  eprint = {2405.14867}, abstract = {Old abstract.},
}"""


def test_untouched_fields_take_the_new_output_and_new_fields_are_added():
    merged = merge(entry(AS_WRITTEN))
    assert fields(merged) == NEW
    assert merged.key == "yin2024improved"


def test_edited_fields_stay_the_users():
    edited = AS_WRITTEN.replace("Old abstract.", "My summary.").replace(
        "{Tianwei Yin}", "{Yin, Tianwei}"
    )
    got = fields(merge(entry(edited)))
    assert got["abstract"] == "My summary."
    assert got["author"] == "Yin, Tianwei"
    assert got["title"] == NEW["title"]  # untouched: updated


def test_a_removed_field_stays_removed_but_a_never_written_one_is_added():
    removed = AS_WRITTEN.replace("abstract = {Old abstract.},", "")
    got = fields(merge(entry(removed)))
    assert "abstract" not in got
    assert got["doi"] == NEW["doi"]  # new output, never written before


def test_an_untouched_field_the_new_output_drops_is_dropped():
    new = {k: v for k, v in NEW.items() if k != "abstract"}
    got = fields(merge(entry(AS_WRITTEN), new=new))
    assert "abstract" not in got
    edited = AS_WRITTEN.replace("Old abstract.", "Mine.")
    assert fields(merge(entry(edited), new=new))["abstract"] == "Mine."


def test_without_a_record_every_differing_value_is_the_users_and_gaps_are_filled():
    got = fields(merge(entry(AS_WRITTEN), base=None))
    assert got == {**WRITTEN, "doi": NEW["doi"]}


def test_the_users_spelling_of_a_field_name_is_kept():
    text = AS_WRITTEN.replace("title =", "Title =").replace("abstract =", "ABSTRACT =")
    got = fields(merge(entry(text)))
    assert got["Title"] == NEW["title"]
    assert got["ABSTRACT"] == NEW["abstract"]
    assert "title" not in got and "abstract" not in got


def test_a_macro_value_is_never_overwritten():
    """``journal = pami`` names a @string macro: writing it braced would change it."""
    written = {**WRITTEN, "journal": "pami"}
    text = AS_WRITTEN.replace("year = {2024},", "year = {2024}, journal = pami,")
    got = fields(merge(entry(text), base=digests(written), new={**NEW, "journal": "TPAMI"}))
    assert got["journal"] == "pami"


def test_the_list_owns_keywords_and_ranking_and_user_keywords_survive():
    text = AS_WRITTEN.replace(
        "abstract = {Old abstract.},",
        "Keywords = {Reinforcement Learning, to-read}, Ranking = {rank2}, note = {Mine},",
    )
    got = merge(entry(text), list_values={"keywords": "Model Distillation", "ranking": "rank5"})
    values = fields(got)
    assert values["Keywords"] == "Model Distillation, to-read"
    assert values["Ranking"] == "rank5"
    assert "keywords" not in values and "ranking" not in values
    # the order difbib writes, then the user's own fields
    assert [f.key for f in got.fields][-3:] == ["Keywords", "Ranking", "note"]
    assert [f.key for f in got.fields][:3] == ["author", "title", "year"]


def test_a_rating_or_category_gone_from_the_list_is_gone_from_the_entry():
    text = AS_WRITTEN.replace(
        "abstract = {Old abstract.},", "keywords = {Model Distillation}, ranking = {rank4},"
    )
    values = fields(merge(entry(text), list_values={}))
    assert "ranking" not in values
    assert "keywords" not in values
    values = fields(merge(entry(AS_WRITTEN), list_values={"keywords": "Model Distillation"}))
    assert values["keywords"] == "Model Distillation"
    assert "ranking" not in values


def test_a_category_or_rating_new_in_the_list_reaches_the_entry():
    got = merge(
        entry(AS_WRITTEN), list_values={"keywords": "Model Distillation", "ranking": "rank3"}
    )
    assert fields(got)["keywords"] == "Model Distillation"
    assert fields(got)["ranking"] == "rank3"
    assert [f.key for f in got.fields][-2:] == ["keywords", "ranking"]


def test_entry_type_follows_the_same_rule():
    base = {**digests(WRITTEN), TYPE_DIGEST: field_digest("misc")}
    assert merge(entry(AS_WRITTEN), base=base, new_type="inproceedings").entry_type == (
        "inproceedings"
    )
    # a record without a type was written as @misc
    assert merge(entry(AS_WRITTEN), new_type="article").entry_type == "article"
    upper = AS_WRITTEN.replace("@misc", "@MISC")
    assert merge(entry(upper), base=base, new_type="article").entry_type == "article"
    # a type the user chose stays
    edited = AS_WRITTEN.replace("@misc", "@book")
    assert merge(entry(edited), base=base, new_type="article").entry_type == "book"
    # without a record, nothing is known to be untouched
    assert merge(entry(AS_WRITTEN), base=None, new_type="article").entry_type == "misc"
