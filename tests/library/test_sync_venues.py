"""difbib sync with published versions: the seed list against local arXiv, S2 and DBLP.

The local Semantic Scholar and DBLP answer from tests/data/venues/venues.json: 12
verified and 8 stated papers are published, 13 unknown ones stay preprints.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import bibtexparser
import pytest

from tests.helpers import DATA, SHIPPED_CACHE, SHIPPED_LIST, SHIPPED_VENUE_CACHE
from tests.helpers.venue_server import arxiv_metadata

TRUTH = {e["arxiv_id"]: e for e in json.loads((DATA / "venues" / "venues.json").read_text())}
PUBLISHED = {a for a, e in TRUTH.items() if e["published"] is True}
SUMMARY = "20 published, 13 preprints (no published version found)"


def entries(path="library.bib") -> dict[str, tuple[str, dict[str, str]]]:
    """Entries by eprint: (type, fields)."""
    lib = bibtexparser.parse_file(str(path))
    assert not lib.failed_blocks
    return {
        e.fields_dict["eprint"].value.strip("{}"): (
            e.entry_type,
            {f.key: f.value.strip("{}") for f in e.fields},
        )
        for e in lib.entries
    }


def edit(old: str, new: str, path="library.bib") -> None:
    text = Path(path).read_text(encoding="utf-8")
    assert old in text, old
    Path(path).write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def synced(project, run_online, arxiv_server, venue_server):
    res = run_online("sync")
    assert res.exit_code == 0, res.stderr
    arxiv_server.requests.clear()
    venue_server.requests.clear()
    return res


def test_cold_sync_is_one_batch_plus_one_request_per_dblp_record(synced, venue_server):
    assert synced.stderr.strip().splitlines()[-1] == SUMMARY
    assert "1 Semantic Scholar and 2 DBLP request(s), 0 from the cache" in synced.stderr


def test_cold_sync_request_count(project, run_online, venue_server):
    assert run_online("sync").exit_code == 0
    assert venue_server.count("POST") == 1  # <= one per 500 papers
    assert venue_server.count("GET") <= len(PUBLISHED)  # <= one per published paper
    assert venue_server.count("GET") == 2


def test_warm_sync_asks_nothing(synced, run_online, venue_server):
    res = run_online("sync")
    assert res.exit_code == 0 and venue_server.requests == []
    assert "0 Semantic Scholar and 0 DBLP request(s), 33 from the cache" in res.stderr
    assert res.stderr.strip().endswith(SUMMARY)


def test_library_reaches_the_truth_and_every_paper_keeps_its_eprint(synced):
    lib = entries()
    assert len(lib) == 33 and set(lib) == set(TRUTH)
    for aid, (kind, f) in lib.items():
        truth = TRUTH[aid]
        assert f["eprint"] == aid and f["archivePrefix"] == "arXiv"
        assert f["url"] == f"https://arxiv.org/abs/{aid}"
        if aid in PUBLISHED:
            assert kind == "inproceedings", aid
            assert truth["venue_short"] in {"CVPR", "ICCV", "ICLR", "ICML", "NeurIPS"}
            assert f["year"] == str(truth["year"]), aid
            assert "doi" not in f  # no publisher DOI in the truth; arXiv's is not the paper's
            if truth["pages"]:
                assert f["pages"] == truth["pages"]
        else:
            assert kind == "misc", aid
            assert f["doi"] == f"10.48550/arXiv.{aid}"
            assert f["year"] == str(arxiv_metadata(aid)[2])
    cvpr = lib["2311.18828"][1]
    assert cvpr["booktitle"] == (
        "Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition"
    )
    keys = bibtexparser.parse_file("library.bib").entries
    assert "yin2023one" in {e.key for e in keys}  # the key never changes (CVPR 2024)


def test_sageattention_keeps_arxivs_six_authors(synced, run_online):
    fields = entries()["2410.02367"][1]
    assert fields["author"].count(" and ") == 5 and "Haofeng Huang" in fields["author"]
    res = run_online("sync", "--dry-run", "--refresh")
    assert "arXiv:2410.02367: Semantic Scholar lists 5 authors, arXiv 6" in res.stderr


def test_dry_run_shows_each_change_with_its_source_and_writes_nothing(
    project, run_online, venue_server
):
    shutil.copy(SHIPPED_CACHE, "arxiv-cache.json")
    res = run_online("sync", "--offline")  # a library of preprints, no venue cache
    assert "could not check 33 paper(s)" in res.stderr
    before = Path("library.bib").read_bytes()
    res = run_online("sync", "--dry-run")
    assert res.exit_code == 0, res.stderr
    assert Path("library.bib").read_bytes() == before
    assert not Path("venues-cache.json").exists()
    out = res.stderr
    assert "  yin2023one: @misc -> @inproceedings  [Semantic Scholar]" in out
    assert "      year: 2023 -> 2024" in out
    assert "      doi: 10.48550/arXiv.2311.18828 -> -" in out
    assert (
        "      booktitle: - -> Proceedings of the IEEE/CVF Conference on Computer Vision and "
        "Pattern Recognition"
    ) in out
    assert "  dao2022flashattention: @misc -> @inproceedings  [DBLP conf/nips/DaoFERR22]" in out
    assert out.count(" -> @inproceedings  [") == 20
    assert "(20 entries would change)" in out


def test_offline_without_a_venue_cache_says_what_it_could_not_check(project, run):
    shutil.copy(SHIPPED_CACHE, "arxiv-cache.json")
    res = run("sync", "--offline")
    assert res.exit_code == 0, res.stderr
    assert (
        "could not check 33 paper(s) for a published version (not in the venues cache "
        "(--offline)); they keep what the library had"
    ) in res.stderr
    assert res.stderr.strip().endswith("0 published, 33 preprints (not checked)")


def test_offline_from_the_committed_caches_rebuilds_with_20_published(project, run):
    for path in (SHIPPED_LIST, SHIPPED_CACHE, SHIPPED_VENUE_CACHE):
        shutil.copy(path, path.name)
    res = run("sync", "--offline")
    assert res.exit_code == 0, res.stderr
    assert res.stderr.strip().endswith(SUMMARY)
    kinds = [kind for kind, _ in entries().values()]
    assert kinds.count("inproceedings") == 20 and kinds.count("misc") == 13


def test_hand_edits_win_over_the_venue(synced, run_online, venue_server):
    edit(
        "booktitle     = {Proceedings of the IEEE/CVF Conference on Computer Vision and "
        "Pattern Recognition},\n  year          = {2024},",
        "booktitle     = {CVPR},\n  year          = {2024},",
    )
    # the venue's record changes: pages appear for both ICCV papers and for One-step
    for aid, pages in (("2311.18828", "6613-6623"), ("2503.16418", "10898-10907")):
        venue_server.s2[aid]["journal"]["pages"] = pages
    res = run_online("sync", "--refresh")
    assert res.exit_code == 0, res.stderr
    lib = entries()
    assert lib["2311.18828"][1]["booktitle"] == "CVPR"  # edited by hand: kept
    assert lib["2311.18828"][1]["pages"] == "6613--6623"  # not edited: follows the venue
    assert lib["2503.16418"][1]["pages"] == "10898--10907"


def test_a_type_changed_by_hand_is_kept(synced, run_online):
    edit("@inproceedings{lipman2022flow,", "@article{lipman2022flow,")
    edit("@misc{cai2025hidream,", "@inproceedings{cai2025hidream,")
    assert run_online("sync", "--refresh").exit_code == 0
    lib = entries()
    assert lib["2210.02747"][0] == "article" and lib["2505.22705"][0] == "inproceedings"


def test_the_preprint_marker_pins_a_published_paper(synced, run_online):
    edit("@inproceedings{yin2023one,", "@inproceedings{yin2023one,\n  difbib = {preprint},")
    res = run_online("sync")
    assert res.exit_code == 0, res.stderr
    kind, f = entries()["2311.18828"]
    assert kind == "misc" and f["year"] == "2023" and f["doi"] == "10.48550/arXiv.2311.18828"
    assert "booktitle" not in f and f["difbib"] == "preprint"
    assert res.stderr.strip().endswith(
        "19 published, 14 preprints (13 no published version found, 1 pinned)"
    )
    before = Path("library.bib").read_bytes()
    assert run_online("sync").exit_code == 0
    assert Path("library.bib").read_bytes() == before
    edit("  difbib        = {preprint},\n", "")  # unpinned: published again
    assert run_online("sync").exit_code == 0
    kind, f = entries()["2311.18828"]
    assert kind == "inproceedings" and f["year"] == "2024" and "doi" not in f


def test_a_service_that_is_down_leaves_the_library_untouched(synced, run_online, venue_server):
    before = Path("library.bib").read_bytes()
    cache = Path("venues-cache.json").read_bytes()
    mtime = os.stat("library.bib").st_mtime_ns
    venue_server.faults.append("down")
    res = run_online("sync", "--refresh")
    assert res.exit_code == 0, res.stderr
    assert Path("library.bib").read_bytes() == before
    assert os.stat("library.bib").st_mtime_ns == mtime
    assert Path("venues-cache.json").read_bytes() == cache
    assert (
        "could not check 33 paper(s) for a published version (Semantic Scholar did not "
        "answer after 5 tries (HTTP 503)); they keep what the library had"
    ) in res.stderr
    assert venue_server.count("POST") == 5 and venue_server.count("GET") == 0


def test_a_service_that_is_down_on_a_first_sync_adds_preprints_and_says_so(
    project, run_online, venue_server
):
    venue_server.faults.append("down")
    res = run_online("sync")
    assert res.exit_code == 0, res.stderr
    assert "could not check 33 paper(s)" in res.stderr
    assert {kind for kind, _ in entries().values()} == {"misc"}
    assert not Path("venues-cache.json").exists()


def test_throttling_is_waited_out(project, run_online, venue_server):
    venue_server.faults += ["429", "429"]
    res = run_online("sync")
    assert res.exit_code == 0, res.stderr
    assert "Semantic Scholar: HTTP 429; retrying in 0s" in res.stderr
    assert venue_server.count("POST") == 3
    assert res.stderr.strip().endswith(SUMMARY)


@pytest.mark.parametrize("how", ["option", "env"])
def test_venue_timeout_bounds_a_silent_service(project, run_online, venue_server, how):
    """Semantic Scholar stays silent for 1 s per request: a 0.2 s timeout gives up on each."""
    venue_server.faults += ["hang"] * 2
    args, env = (["--venue-timeout", "0.2"], {}) if how == "option" else (
        [], {"DIFBIB_VENUES_TIMEOUT": "0.2"})  # fmt: skip
    res = run_online("sync", *args, env={"DIFBIB_VENUES_BACKOFF": "0", **env})
    assert res.exit_code == 0, res.stderr
    assert "Semantic Scholar: timed out; retrying in 0s" in res.stderr
    assert venue_server.count("POST") == 3  # two silent tries, then the answer
    assert res.stderr.strip().endswith(SUMMARY)


def test_a_venue_written_in_the_list_is_confirmed_or_reported(project, run_online):
    text = Path("papers.md").read_bytes()
    marker = b"**One-step Diffusion with Distribution Matching Distillation**"
    assert marker in text
    Path("papers.md").write_bytes(text.replace(marker, marker + b" (ICCV 2025)", 1))
    res = run_online("sync")
    assert res.exit_code == 0, res.stderr
    assert (
        "arXiv:2311.18828: the reading list says 'ICCV 2025', but the published version is "
        "CVPR 2024"
    ) in res.stderr
    assert entries()["2311.18828"][1]["year"] == "2024"  # a hint, never a source


# -- outputs -------------------------------------------------------------------------


def test_export_prefer_preprint_gives_33_arxiv_entries(synced, run):
    res = run("export", "--prefer", "preprint")
    assert res.exit_code == 0, res.stderr
    lib = bibtexparser.parse_string(res.stdout)
    assert len(lib.entries) == 33
    for e in lib.entries:
        f = {x.key: x.value for x in e.fields}
        aid = f["eprint"]
        assert e.entry_type == "misc"
        assert f["doi"] == f"10.48550/arXiv.{aid}"
        assert f["year"] == str(arxiv_metadata(aid)[2])
        assert not {"booktitle", "journal", "pages", "publisher"} & set(f)
    # the default gives the venues
    assert run("export").stdout.count("@inproceedings{") == 20


def test_export_venue_names_short_or_full(synced, run):
    short = run("export", "-k", "yin2023one", "--venue-names", "short").stdout
    assert "booktitle     = {Proc. CVPR}," in short
    edit(
        "booktitle     = {Advances in Neural Information Processing Systems},",
        "booktitle = {NeurIPS},",
    )
    full = run("export", "--venue-names", "full").stdout
    assert full.count("{Advances in Neural Information Processing Systems}") == 7


def test_a_projects_venues_file_names_its_venues(synced, run):
    Path("difbib-venues.toml").write_text(
        '[venues.CVPR]\nfull = "IEEE/CVF Conf. on Computer Vision and Pattern Recognition"\n'
        'short = "CVPR"\naliases = ["Proceedings of the IEEE/CVF Conference on Computer Vision '
        'and Pattern Recognition"]\n',
        encoding="utf-8",
    )
    out = run("export", "-k", "yin2023one", "--venue-names", "short").stdout
    assert "booktitle     = {CVPR}," in out
    Path("difbib-venues.toml").write_text("[venues.X\n", encoding="utf-8")
    res = run("export", "--venue-names", "short")
    assert res.exit_code == 1 and res.stderr.startswith("error: the venues file")


def test_format_prefer_preprint(synced, run):
    res = run("format", "--style", "apa", "-k", "yin2023one", "--prefer", "preprint")
    assert res.exit_code == 0, res.stderr
    assert "(2023)" in res.stdout and "arXiv" in res.stdout


def test_published_years_select_with_year(synced, run):
    got = run("list", "--json", "--year", "2024", "--search", "distillation").stdout
    assert {p["key"] for p in json.loads(got)} >= {"yin2023one"}
    assert re.search(r"yin2023one", run("list", "--since", "2024").stdout)


def test_add_syncs_published_versions_through_the_same_services(project, run_online, venue_server):
    res = run_online("add", "2412.08629", "-c", "milestone")
    assert res.exit_code == 0, res.stderr
    assert venue_server.count("POST") == 1
    assert entries()["2412.08629"][0] == "inproceedings"


def test_the_venues_file_named_in_difbib_toml(synced, run):
    Path("my-venues.toml").write_text(
        '[venues.CVPR]\nfull = "Computer Vision and Pattern Recognition"\nshort = "CVPR"\n'
        'aliases = ["Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern '
        'Recognition"]\n',
        encoding="utf-8",
    )
    Path("difbib.toml").write_text('venues = "my-venues.toml"\n', encoding="utf-8")
    out = run("export", "-k", "yin2023one", "--venue-names", "short").stdout
    assert "booktitle     = {CVPR}," in out
