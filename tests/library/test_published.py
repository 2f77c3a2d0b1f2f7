"""Deciding a paper's published version, and writing it into (and out of) an entry.

Records are built from the curated truth (tests/data/venues/venues.json) and the
recorded arXiv feeds, in Semantic Scholar's and DBLP's formats (tests.helpers.venue_server).
"""

from __future__ import annotations

import json

import pytest
from bibtexparser.model import Entry, Field

from difbib.library.bibtex import arxiv_fields, make_entry
from difbib.library.published import (
    as_preprint,
    decide,
    generated_fields,
    is_pinned,
    titles_agree,
    with_venue_names,
)
from difbib.sources.record import ArxivRecord
from difbib.sources.venuenames import VenueTable
from difbib.sources.venues import DblpRecord, S2Paper, VenueAnswer
from tests.helpers import DATA
from tests.helpers.venue_server import arxiv_metadata, dblp_bibtex, s2_record

TRUTH = {e["arxiv_id"]: e for e in json.loads((DATA / "venues" / "venues.json").read_text())}
TABLE = VenueTable()


def record(aid: str, **changes) -> ArxivRecord:
    title, authors, year = arxiv_metadata(aid)
    fields = dict(
        id=aid,
        version=1,
        title=title,
        authors=authors,
        abstract="",
        published=f"{year}-06-01",
        updated=f"{year}-06-01",
        primary_class="cs.CV",
    )
    return ArxivRecord(**{**fields, **changes})


def answer(aid: str, **s2_changes) -> VenueAnswer:
    """What the services say of a paper, per venues.json (with changes to the S2 record)."""
    data = {**s2_record(TRUTH[aid]), **s2_changes}
    s2 = S2Paper.from_api(data)
    dblp = None
    if s2.dblp and TRUTH[aid].get("dblp_key") == s2.dblp:
        dblp = DblpRecord.from_bibtex(s2.dblp, dblp_bibtex(TRUTH[aid]))
    return VenueAnswer(s2, dblp)


@pytest.mark.parametrize("aid", sorted(TRUTH))
def test_every_paper_gets_the_venue_and_year_the_truth_gives(aid):
    truth = TRUTH[aid]
    d = decide(record(aid), answer(aid), TABLE)
    if truth["published"] is True and truth["confidence"] in ("verified", "stated"):
        assert d.status == "published", d.notes
        assert d.version.venue == f"{truth['venue_short']} {truth['year']}"
        assert d.version.entry_type == "inproceedings"
        assert d.version.container == TABLE.by_abbr(truth["venue_short"]).full
    else:  # unknown: the candidate_venue of third parties is never used
        assert d.status == "preprint" and d.version is None


def test_svdquant_one_letter_title_difference_is_the_same_paper():
    d = decide(record("2411.05007"), answer("2411.05007"), TABLE)
    assert d.version.venue == "ICLR 2025"
    assert any("Low-Rank Component for" in n and "keeps arXiv's" in n for n in d.notes)


def test_sageattention_venue_lists_other_authors_the_library_keeps_arxivs():
    rec = record("2410.02367")
    assert len(rec.authors) == 6
    d = decide(rec, answer("2410.02367"), TABLE)
    assert d.status == "published"
    assert "Semantic Scholar lists 5 authors, arXiv 6; the library keeps arXiv's list" in d.notes
    _, fields = generated_fields(arxiv_fields(rec), d.version)
    assert "Haofeng Huang" in fields["author"]


def test_a_workshop_paper_with_the_same_title_is_not_the_conference():
    venue = "2024 IEEE/CVF Conference on Computer Vision and Pattern Recognition Workshops (CVPRW)"
    d = decide(
        record("2311.18828"),
        answer("2311.18828", venue=venue, publicationVenue={"name": venue}, journal=None),
        TABLE,
    )
    assert d.status == "preprint" and d.version is None
    assert any("workshop" in n for n in d.notes)


def test_a_dblp_workshop_record_against_a_conference_claim_keeps_the_preprint():
    """S2 says CVPR, but the DBLP record it links is the workshop paper: they disagree."""
    rec = record("2311.18828")
    s2 = S2Paper.from_api(
        {**s2_record(TRUTH["2311.18828"]), "externalIds": {"DBLP": "conf/cvpr/YinW24"}}
    )
    title, authors, _ = arxiv_metadata("2311.18828")
    dblp = DblpRecord(
        "conf/cvpr/YinW24",
        "inproceedings",
        title,
        authors,
        2024,
        booktitle="IEEE/CVF Conference on Computer Vision and Pattern Recognition, "
        "CVPR 2024 - Workshops",
    )
    d = decide(rec, VenueAnswer(s2, dblp), TABLE)
    assert d.status == "conflict" and d.version is None
    assert any("workshop" in w for w in d.warnings)


def test_a_record_older_than_arxiv_v1_is_another_paper():
    d = decide(record("2210.02747"), answer("2210.02747", year=2021), TABLE)
    assert d.version is None
    assert any("2021 is before arXiv's v1 (2022)" in n for n in d.notes)


def test_a_similar_title_by_other_authors_is_never_taken():
    d = decide(
        record("2210.02747"),
        answer(
            "2210.02747",
            title="Flow Matching for Generative Modelling",
            authors=[{"name": "Ricky T. Q. Chen"}, {"name": "Yaron Lipman"}],
        ),
        TABLE,
    )
    assert d.version is None
    assert any("first author 'Ricky T. Q. Chen'" in n for n in d.notes)


def test_titles_with_other_numbers_are_other_papers():
    assert titles_agree("SVDQuant: ... Low-Rank Components", "SVDQuant: ... Low-Rank Component")
    assert not titles_agree(
        "SageAttention2: Efficient Attention", "SageAttention3: Efficient Attention"
    )
    assert not titles_agree("4-Bit Diffusion Models", "8-Bit Diffusion Models")
    assert not titles_agree(
        "Flow Matching for Generative Modeling", "Flow Matching in Latent Space"
    )


def test_arxivs_own_journal_ref_and_doi_are_a_source_without_any_request():
    rec = record("2210.02747", journal_ref="ICLR 2023 (notable top 25%)", doi="10.5555/x.1")
    d = decide(rec, None, TABLE)
    assert d.version.venue == "ICLR 2023" and d.version.source == "arXiv journal_ref"
    assert d.version.doi == "10.5555/x.1"


def test_sources_that_disagree_keep_the_preprint_and_say_so():
    rec = record("2311.18828", journal_ref="NeurIPS 2024")
    d = decide(rec, answer("2311.18828"), TABLE)
    assert d.status == "conflict" and d.version is None
    assert d.warnings == [
        "the sources disagree (arXiv journal_ref: NeurIPS 2024; Semantic Scholar: CVPR 2024); "
        "kept as a preprint"
    ]


def test_a_reading_list_hint_is_confirmed_or_reported_never_used():
    rec, ans = record("2311.18828"), answer("2311.18828")
    assert decide(rec, ans, TABLE, hint="CVPR 2024").warnings == []
    d = decide(rec, ans, TABLE, hint="ICCV 2025")
    assert d.version.venue == "CVPR 2024"
    assert d.warnings == [
        "the reading list says 'ICCV 2025', but the published version is CVPR 2024"
    ]
    d = decide(record("2509.20427"), answer("2509.20427"), TABLE, hint="NeurIPS 2025")
    assert d.version is None
    assert "no published version was found" in d.warnings[0]


def test_a_pinned_paper_stays_a_preprint():
    d = decide(record("2311.18828"), answer("2311.18828"), TABLE, pinned=True)
    assert d.status == "pinned" and d.version is None
    entry = Entry("misc", "k", [Field("difbib", "preprint")])
    assert is_pinned(entry) and not is_pinned(Entry("misc", "k", []))


def test_a_journal_paper_becomes_an_article_with_volume():
    d = decide(
        record("2311.18828"),
        answer(
            "2311.18828",
            venue="IEEE Transactions on Pattern Analysis and Machine Intelligence",
            publicationVenue={
                "name": "IEEE Transactions on Pattern Analysis and Machine Intelligence",
                "type": "journal",
            },
            journal={
                "name": "IEEE Transactions on Pattern Analysis and Machine Intelligence",
                "volume": "47",
                "pages": "1-14",
            },
            year=2025,
        ),
        TABLE,
    )
    kind, fields = generated_fields(arxiv_fields(record("2311.18828")), d.version)
    assert kind == "article"
    assert fields["journal"] == "IEEE Transactions on Pattern Analysis and Machine Intelligence"
    assert (fields["volume"], fields["pages"], fields["year"]) == ("47", "1--14", "2025")


def test_an_unknown_venue_needs_the_projects_venues_file(tmp_path):
    changes = dict(
        venue="Learning for Dynamics and Control",
        publicationVenue={"name": "Learning for Dynamics and Control"},
        journal=None,
    )
    d = decide(record("2311.18828"), answer("2311.18828", **changes), TABLE)
    assert d.version is None and any("difbib-venues.toml" in n for n in d.notes)
    path = tmp_path / "difbib-venues.toml"
    path.write_text(
        '[venues.L4DC]\nfull = "Proceedings of the Learning for Dynamics and Control Conference"\n'
        'aliases = ["Learning for Dynamics and Control"]\n',
        encoding="utf-8",
    )
    d = decide(record("2311.18828"), answer("2311.18828", **changes), TABLE.with_file(path))
    assert d.version.container == "Proceedings of the Learning for Dynamics and Control Conference"
    assert TABLE.with_file(path).by_abbr("L4DC").short == "Proc. L4DC"


def test_published_fields_keep_the_preprint_one_click_away_and_drop_arxivs_doi():
    rec = record("2412.08629")
    d = decide(rec, answer("2412.08629"), TABLE)
    kind, fields = generated_fields(arxiv_fields(rec), d.version)
    assert kind == "inproceedings"
    assert (
        fields["booktitle"]
        == "Proceedings of the IEEE/CVF International Conference on Computer Vision"
    )
    assert (fields["year"], fields["pages"]) == ("2025", "19721--19730")
    assert fields["eprint"] == "2412.08629" and fields["archivePrefix"] == "arXiv"
    assert fields["url"] == "https://arxiv.org/abs/2412.08629" and fields["primaryClass"]
    assert "doi" not in fields  # arXiv's DOI is the preprint's, not the paper's


def test_as_preprint_gives_back_the_arxiv_entry():
    rec = record("2412.08629")
    plain = make_entry("kulikov2024flowedit", arxiv_fields(rec))
    kind, fields = generated_fields(
        arxiv_fields(rec), decide(rec, answer("2412.08629"), TABLE).version
    )
    published = make_entry("kulikov2024flowedit", fields, kind)
    back = as_preprint(published)
    assert back.entry_type == "misc"
    assert [(f.key, f.value) for f in back.fields] == [(f.key, f.value) for f in plain.fields]
    hand = Entry("inproceedings", "x", [Field("title", "No arXiv"), Field("booktitle", "CVPR")])
    assert as_preprint(hand) is hand  # without an eprint there is no preprint to go back to


def test_venue_names_full_or_short():
    entry = Entry(
        "inproceedings",
        "x",
        [
            Field(
                "booktitle",
                "Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition",
            )
        ],
    )
    assert with_venue_names(entry, TABLE, "short").fields[0].value == "Proc. CVPR"
    hand = Entry("inproceedings", "y", [Field("booktitle", "NeurIPS")])
    assert (
        with_venue_names(hand, TABLE, "full").fields[0].value
        == "Advances in Neural Information Processing Systems"
    )
    other = Entry("inproceedings", "z", [Field("booktitle", "A Workshop on Things")])
    assert with_venue_names(other, TABLE, "short").fields[0].value == "A Workshop on Things"


def test_scholar_keys_of_published_entries_keep_arxivs_v1_year():
    """difbib rekey --all gives what a fresh sync gives, also for ICLR 2024's FlashAttention-2."""
    from difbib.library.rekey import scheme_key

    fields = {"author": "Tri Dao", "title": "{FlashAttention-2}: Faster Attention", "year": "2024"}
    assert scheme_key({**fields, "eprint": "2307.08691"}) == "dao2023flashattention"
    assert scheme_key(fields) == "dao2024flashattention"  # no arXiv id: the entry's year
