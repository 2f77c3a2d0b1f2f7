"""`difbib sync` end to end: the real arxiv client against a local recorded arXiv."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser.middlewares.names import parse_single_name_into_parts

from difbib.sources.readinglist import decode_list_bytes
from tests.helpers import (
    DATA,
    SHIPPED_CACHE,
    SHIPPED_LIBRARY,
    SHIPPED_LIST,
    SHIPPED_STATE,
    SHIPPED_VENUE_CACHE,
)
from tests.helpers.arxiv_server import ArxivRecordings, ArxivServer


def entries_of(path="library.bib"):
    lib = bibtexparser.parse_file(str(path))
    assert not lib.failed_blocks
    return {e.key: {f.key: f.value.strip("{}") if f.key != "title" else f.value for f in e.fields}
            for e in lib.entries}  # fmt: skip


def raw_fields(path="library.bib"):
    lib = bibtexparser.parse_file(str(path))
    return {e.key: {f.key: f.value for f in e.fields} for e in lib.entries}


@pytest.fixture
def synced(project, run_online, arxiv_server):
    """A project after one cold sync against the local arXiv."""
    res = run_online("sync")
    assert res.exit_code == 0, res.stderr
    arxiv_server.requests.clear()
    return res


# -- the main job ----------------------------------------------------------------


def test_cold_sync_makes_one_batch_and_one_search_per_paper_without_id(
    project, run_online, arxiv_server
):
    res = run_online("sync")
    assert res.exit_code == 0, res.stderr
    assert res.stdout == ""  # data only on stdout; sync writes a file
    assert len(arxiv_server.id_requests) == 1
    assert len(arxiv_server.search_requests) == 4  # FlashAttention-2, -3, WithAnyone, FluxSpace
    assert len(arxiv_server.requests) == 5
    entries = entries_of()
    assert len(entries) == 33
    assert "33 entries (33 added" in res.stderr


def test_cold_sync_of_the_seed_reproduces_the_shipped_library(synced):
    assert synced.exit_code == 0
    assert Path("library.bib").read_text(encoding="utf-8") == SHIPPED_LIBRARY.read_text("utf-8")


def test_warm_sync_makes_no_request_and_leaves_the_file_alone(synced, run_online, arxiv_server):
    before = Path("library.bib").read_bytes()
    mtime = os.stat("library.bib").st_mtime_ns
    res = run_online("sync")
    assert res.exit_code == 0
    assert arxiv_server.requests == []
    assert Path("library.bib").read_bytes() == before
    assert os.stat("library.bib").st_mtime_ns == mtime
    assert "0 request(s)" in res.stderr and "unchanged, not rewritten" in res.stderr


def test_offline_sync_from_the_shipped_cache_rebuilds_the_shipped_library(project, run):
    shutil.copy(SHIPPED_LIST, "papers.md")
    shutil.copy(SHIPPED_CACHE, "arxiv-cache.json")
    shutil.copy(SHIPPED_VENUE_CACHE, "venues-cache.json")
    res = run("sync", "--offline")
    assert res.exit_code == 0, res.stderr
    assert Path("library.bib").read_bytes() == SHIPPED_LIBRARY.read_bytes()
    assert Path(".difbib-sync.json").read_bytes() == SHIPPED_STATE.read_bytes()


def test_offline_sync_of_the_shipped_project_changes_nothing(shipped, run):
    """A fresh clone: the committed library and its sync record are up to date."""
    res = run("sync", "--offline")
    assert res.exit_code == 0, res.stderr
    assert Path("library.bib").read_bytes() == SHIPPED_LIBRARY.read_bytes()
    assert Path(".difbib-sync.json").read_bytes() == SHIPPED_STATE.read_bytes()
    assert "33 unchanged" in res.stderr


def test_offline_sync_never_says_it_will_search(project, run):
    shutil.copy(SHIPPED_CACHE, "arxiv-cache.json")
    res = run("sync", "--offline")
    assert res.exit_code == 0, res.stderr
    assert "has no arXiv link; to be found by its title" in res.stderr
    assert "search" not in res.stderr


def test_offline_without_cache_names_what_is_missing_and_writes_nothing(project, run):
    res = run("sync", "--offline")
    assert res.exit_code == 1
    assert res.stderr.strip().splitlines()[-1].startswith("error: --offline, but the cache")
    assert "2509.20427" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (project / "library.bib").exists()


def test_every_entry_has_its_categories_and_rating(synced):
    entries = entries_of()
    zimage = entries["team2025z"]
    assert zimage["keywords"] == "Milestone Models, Flow Matching Concepts"
    assert zimage["ranking"] == "rank5"
    dmdr = entries["jiang2025distribution"]
    assert dmdr["keywords"] == "Model Distillation, Reinforcement Learning"
    assert entries["deng2024fireflow"]["ranking"] == "rank1"
    assert all(
        e.get("keywords") and re.fullmatch(r"rank[1-5]", e["ranking"]) for e in entries.values()
    )


def test_entries_carry_arxiv_fields(synced):
    e = entries_of()["yin2024improved"]
    assert e["eprint"] == "2405.14867"
    assert e["archivePrefix"] == "arXiv"
    assert e["primaryClass"] == "cs.CV"
    assert "doi" not in e  # published (NeurIPS 2024): arXiv's DOI is not the paper's
    assert entries_of()["jiang2025distribution"]["doi"] == "10.48550/arXiv.2511.13649"
    assert e["url"] == "https://arxiv.org/abs/2405.14867"
    assert e["year"] == "2024"
    assert e["abstract"].startswith("Recent approaches have shown promises")
    assert "  " not in e["abstract"] and "\n" not in e["abstract"]


def test_google_scholar_keys(synced):
    keys = set(entries_of())
    for key in [
        "yin2024improved",
        "yin2023one",
        "dao2022flashattention",
        "dao2023flashattention",
        "shah2024flashattention",
        "lipman2022flow",
        "labs2025flux",
        "seedream2025seedream",
        "xu2025withanyone",
        "dalva2024fluxspace",
    ]:
        assert key in keys
    assert all(re.fullmatch(r"[a-z0-9]+", k) for k in keys)


def test_group_authors_stay_whole_and_non_ascii_names_are_kept(synced):
    fields = raw_fields()
    flux_authors = fields["labs2025flux"]["author"]
    assert flux_authors.startswith("{Black Forest Labs} and Stephen Batifol")
    seedream = fields["seedream2025seedream"]["author"]
    assert seedream.startswith("{Team Seedream} and")
    assert "{Z-Image Team} and" in fields["team2025z"]["author"]
    # BibTeX's name grammar sees one last name, not "Labs, Black Forest".
    first = parse_single_name_into_parts("{Black Forest Labs}")
    assert first.last == ["{Black Forest Labs}"] and first.first == []
    assert "Michaël Gharbi" in fields["yin2024improved"]["author"]
    assert "Christopher Ré" in fields["dao2022flashattention"]["author"]


def test_capitals_are_brace_protected(synced):
    fields = raw_fields()
    # protected-terms.txt (the project's, copied by the fixture) names FLUX.1 Kontext
    assert fields["labs2025flux"]["title"].startswith("{FLUX.1 Kontext}:")
    assert "{DMD}" in fields["liu2025decoupled"]["title"]
    assert fields["zhang2024sageattention2"]["title"].startswith("{SageAttention2}:")
    assert fields["wu2025qwen"]["title"] == "{Qwen-Image} Technical Report"
    assert fields["dao2022flashattention"]["title"].endswith("with {IO}-Awareness")


def test_without_protected_terms_only_inner_capitals_are_protected(project, run_online):
    (project / "protected-terms.txt").unlink()
    assert run_online("sync").exit_code == 0
    fields = raw_fields()
    assert fields["labs2025flux"]["title"].startswith("{FLUX}.1 Kontext:")
    assert fields["wu2025qwen"]["title"] == "Qwen-Image Technical Report"


def test_hyphenated_given_names_are_written_so_bibtex_reads_them(synced):
    authors = raw_fields()["wu2025qwen"]["author"]
    assert " and Yin, Sheng-ming and " in authors
    assert "Sheng-ming Yin" not in authors
    first = parse_single_name_into_parts("Yin, Sheng-ming")
    assert first.first == ["Sheng-ming"] and first.last == ["Yin"] and first.von == []


def test_the_corrected_fixture_has_18_authors(synced):
    authors = raw_fields()["liu2025improving"]["author"].split(" and ")
    assert len(authors) == 18
    assert authors[authors.index("Qiulin Wang") + 1] == "Wenyu Qin"


def test_a_key_from_an_older_scheme_is_never_renamed_by_sync(synced, run_online):
    """Existing libraries keep their keys: the drafts that cite them stay valid."""
    edit("@inproceedings{dao2023flashattention,", "@inproceedings{dao2023flashattention2,")
    edit("@misc{labs2025flux,", "@misc{blackforestlabs2025flux1,")
    res = run_online("sync")
    assert res.exit_code == 0, res.stderr
    keys = set(entries_of())
    assert {"dao2023flashattention2", "blackforestlabs2025flux1"} <= keys
    assert not {"dao2023flashattention", "labs2025flux"} & keys
    assert len(keys) == 33


def test_abstract_tex_is_kept_and_bare_specials_escaped(synced):
    abstract = raw_fields()["dao2022flashattention"]["abstract"]
    assert r"3$\times$ speedup" in abstract
    assert r"61.4\% accuracy" in abstract


def test_malformed_id_is_reported_with_its_line_and_resolved_by_title(synced):
    assert "line 175: malformed arXiv id '2412.096118'" in synced.stderr
    assert entries_of()["dalva2024fluxspace"]["eprint"] == "2412.09611"


def test_sync_is_deterministic(project, run_online, tmp_path):
    assert run_online("sync").exit_code == 0
    first = Path("library.bib").read_bytes()
    (project / "library.bib").unlink()
    (project / "arxiv-cache.json").unlink()
    assert run_online("sync").exit_code == 0
    assert Path("library.bib").read_bytes() == first
    keys = list(entries_of())
    assert keys == sorted(keys, key=str.casefold)


def test_dry_run_writes_nothing(project, run_online):
    res = run_online("sync", "--dry-run")
    assert res.exit_code == 0
    assert not (project / "library.bib").exists()
    assert not (project / "arxiv-cache.json").exists()
    assert "add     yin2024improved" in res.stderr


# -- hand edits --------------------------------------------------------------------


def edit(old: str, new: str, path="library.bib") -> None:
    text = Path(path).read_text(encoding="utf-8")
    assert old in text, old
    Path(path).write_text(encoding="utf-8", data=text.replace(old, new, 1))


def test_hand_edits_survive_a_resync(synced, run_online):
    edit(
        "title         = {Improved Distribution Matching Distillation for Fast Image Synthesis},",
        "title         = {Improved {DMD} for Fast Image Synthesis},\n  note = {NeurIPS 2024 oral},",
    )
    edit("@inproceedings{lipman2022flow,", "@inproceedings{Lipman2023FM,")
    edit("@inproceedings{yin2023one,", "@article{yin2023one,")
    edit("@misc{jiang2025distribution,", "@inproceedings{jiang2025distribution,")
    res = run_online("sync")
    assert res.exit_code == 0, res.stderr
    entries = entries_of()
    assert len(entries) == 33
    assert entries["yin2024improved"]["title"] == "Improved {DMD} for Fast Image Synthesis"
    assert entries["yin2024improved"]["note"] == "NeurIPS 2024 oral"
    assert "Lipman2023FM" in entries and "lipman2022flow" not in entries
    text = Path("library.bib").read_text(encoding="utf-8")
    assert "@article{yin2023one," in text  # a type changed by hand stays
    assert "@inproceedings{jiang2025distribution," in text
    # and a second re-sync changes nothing more
    before = Path("library.bib").read_bytes()
    assert run_online("sync").exit_code == 0
    assert Path("library.bib").read_bytes() == before


def test_a_field_removed_by_hand_stays_removed(synced, run_online):
    text = Path("library.bib").read_text(encoding="utf-8")
    text = re.sub(r"(@\w+\{yin2023one,.*?)\n  abstract += \{[^\n]*\},", r"\1", text, flags=re.S)
    Path("library.bib").write_text(encoding="utf-8", data=text)
    assert run_online("sync").exit_code == 0
    assert "abstract" not in entries_of()["yin2023one"]


def test_refresh_takes_arxiv_changes_but_keeps_hand_edits(
    project, tmp_path, arxiv_server, run_online
):
    assert run_online("sync").exit_code == 0
    edit(
        "title         = {Flow Matching for Generative Modeling},",
        "title         = {Flow Matching for Generative Modelling},",
    )
    # arXiv publishes a new version: new abstract and title, and a new primary class.
    rec = arxiv_server.recordings
    rec.entries["2210.02747"] = (
        rec.entries["2210.02747"]
        .replace(
            "<title>Flow Matching for Generative Modeling</title>", "<title>Flow Matching</title>"
        )
        .replace("We introduce a new paradigm", "VERSION 3: We introduce a new paradigm")
        .replace('term="cs.LG" scheme', 'term="cs.AI" scheme', 1)
    )
    res = run_online("sync", "--refresh")
    assert res.exit_code == 0, res.stderr
    flow = entries_of()["lipman2022flow"]
    assert flow["title"] == "Flow Matching for Generative Modelling"  # hand edit kept
    assert flow["abstract"].startswith("VERSION 3:")  # untouched field updated
    assert flow["primaryClass"] == "cs.AI"  # untouched field updated
    assert "(0 added, 1 updated, 32 unchanged)" in res.stderr


def test_list_changes_update_categories_and_rating_and_keep_extra_keywords(synced, run_online):
    edit("keywords      = {Image Editing},\n  ranking       = {rank1},",
         "keywords      = {Image Editing, my-favourites},\n  ranking       = {rank1},")  # fmt: skip
    text, _, _ = decode_list_bytes(Path("papers.md").read_bytes())
    # FireFlow: one star more, and listed under Milestone Models as well.
    fire = "**FireFlow: Fast Inversion of Rectified Flow for Image Semantic Editing** ⭐"
    assert fire in text
    text = text.replace(fire, fire + "⭐")
    text = text.replace("## ⚡️", fire + " [[P](https://arxiv.org/abs/2412.07517)]\n\n## ⚡️", 1)
    Path("papers.md").write_text(encoding="utf-8", data=text)
    assert run_online("sync").exit_code == 0
    fire_entry = entries_of()["deng2024fireflow"]
    assert fire_entry["ranking"] == "rank2"
    assert fire_entry["keywords"] == "Milestone Models, Image Editing, my-favourites"


def test_a_rating_removed_from_the_list_removes_the_ranking(synced, run_online, run):
    assert entries_of()["deng2024fireflow"]["ranking"] == "rank1"
    text, _, _ = decode_list_bytes(Path("papers.md").read_bytes())
    fire = "**FireFlow: Fast Inversion of Rectified Flow for Image Semantic Editing** ⭐"
    assert fire in text
    Path("papers.md").write_text(encoding="utf-8", data=text.replace(fire, fire[:-1], 1))
    check = run("check", "--cache", "arxiv-cache.json")
    assert "deng2024fireflow: categories or rating differ from the reading list" in check.stdout
    assert run_online("sync").exit_code == 0
    assert "ranking" not in entries_of()["deng2024fireflow"]
    assert "deng2024fireflow" not in run("check").stdout


def test_two_list_entries_resolving_to_one_paper_make_one_entry(synced, run_online):
    """One paper listed by its link in one category and found by title in another."""
    text, _, _ = decode_list_bytes(Path("papers.md").read_bytes())
    extra = "**Flow Matching for Generative Modeling** ⭐⭐⭐⭐⭐\n\n"
    text = text.replace("## ⚡️", extra + "## ⚡️", 1)  # under Milestone Models, no link
    Path("papers.md").write_text(encoding="utf-8", data=text)
    res = run_online("sync")
    assert res.exit_code == 0, res.stderr
    entries = entries_of()
    assert len(entries) == 33
    assert [k for k, e in entries.items() if e["eprint"] == "2210.02747"] == ["lipman2022flow"]
    flow = entries["lipman2022flow"]
    assert flow["keywords"] == "Milestone Models, Flow Matching Concepts"
    assert flow["ranking"] == "rank5"


def test_a_paper_found_by_title_that_is_also_listed_by_id_is_merged():
    """Two list entries, one by link and one by title search, resolve to one record."""
    from difbib.library.sync import resolve
    from difbib.sources.arxiv import TitleMatch
    from difbib.sources.readinglist import ListedPaper, ReadingList
    from difbib.sources.record import ArxivRecord

    record = ArxivRecord("2210.02747", 2, "Flow Matching for Generative Modeling", ["Yaron Lipman"],
                         "...", "2022-10-06", "2023-02-08", "cs.LG")  # fmt: skip

    class Fetcher:
        def fetch_ids(self, ids):
            return {i: record for i in ids if i == record.id}

        def find_by_title(self, title):
            return TitleMatch(record)

    by_id = ListedPaper("Flow Matching", 10, 3, ["Flow Matching Concepts"], arxiv_id=record.id)
    by_title = ListedPaper("Flow-Matching (Lipman et al.)", 20, 5, ["Milestone Models"])
    reading = ReadingList("list", [], [by_id, by_title])
    notices = []
    resolved, unresolved = resolve(reading, Fetcher(), notices.append)
    assert unresolved == []
    [one] = resolved
    assert one.record is record
    assert one.paper.categories == ["Flow Matching Concepts", "Milestone Models"]
    assert one.paper.rating == 5
    assert any("same paper as line 10" in n.message for n in notices)


def test_new_key_that_collides_gets_a_suffix_and_entries_not_in_the_list_are_kept(
    project, run_online
):
    Path("library.bib").write_text(
        encoding="utf-8",
        data="@book{dao2023flashattention,\n  title = {Someone else's book},\n  year = 2023,\n}\n",
    )
    res = run_online("sync")
    assert res.exit_code == 0, res.stderr
    entries = entries_of()
    assert entries["dao2023flashattention"]["title"] == "Someone else's book"
    assert entries["dao2023flashattentionb"]["eprint"] == "2307.08691"
    assert len(entries) == 34
    assert "1 not in the list kept" in res.stderr


# -- bad input and faults ---------------------------------------------------------


def test_broken_library_is_reported_and_left_untouched(synced, run_online):
    broken = Path("library.bib").read_text(encoding="utf-8")
    broken = broken.replace("@misc{yin2024improved,", "@misc{yin2024improved", 1)
    broken += "\n@misc{bad,\n  title = {unclosed\n"
    Path("library.bib").write_text(encoding="utf-8", data=broken)
    res = run_online("sync")
    assert res.exit_code == 1
    [line] = res.stderr.strip().splitlines()[-1:]
    assert line.startswith("error: library.bib line ") and "fix it by hand" in line
    assert "Traceback" not in res.output
    assert Path("library.bib").read_text(encoding="utf-8") == broken


def test_missing_list_is_one_line_error(tmp_path, monkeypatch, run):
    monkeypatch.chdir(tmp_path)
    res = run("sync", "--offline")
    assert res.exit_code == 1
    assert (
        res.stderr == "error: reading list 'papers.md' not found; pass --list PATH or create it\n"
    )


@pytest.mark.parametrize("fault", ["503", "429", "rate", "garbage", "empty"])
def test_transient_faults_are_retried(project, run_online, arxiv_server, fault):
    arxiv_server.faults.append(fault)
    res = run_online("sync", env={"DIFBIB_ARXIV_BACKOFF": "0"})
    assert res.exit_code == 0, res.stderr
    assert len(entries_of()) == 33
    assert "retrying" in res.stderr
    assert len(arxiv_server.id_requests) == 2


def test_persistent_failure_leaves_the_library_as_it_was(synced, run_online, arxiv_server):
    before = Path("library.bib").read_bytes()
    cache_before = Path("arxiv-cache.json").read_bytes()
    arxiv_server.faults.extend(["503"] * 10)
    res = run_online("sync", "--refresh", env={"DIFBIB_ARXIV_BACKOFF": "0"})
    assert res.exit_code == 1
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("error: arXiv did not answer the batch 1/1 after 5 tries (HTTP 503)")
    assert "Traceback" not in res.output
    assert Path("library.bib").read_bytes() == before
    assert Path("arxiv-cache.json").read_bytes() == cache_before


def test_backoff_doubles_between_retries(project, arxiv_server):
    from difbib.sources.arxiv import Fetcher, make_client
    from difbib.sources.cache import MetadataCache
    from difbib.sources.http import RetryPolicy

    waits = []
    arxiv_server.faults.extend(["503", "rate", "429"])
    fetcher = Fetcher(
        MetadataCache(None),
        client=make_client(base_url=arxiv_server.url),
        policy=RetryPolicy(backoff=2.0, delay=0),
        sleep=waits.append,
    )
    found = fetcher.fetch_ids(["2405.14867"])
    assert list(found) == ["2405.14867"]
    assert waits == [2.0, 4.0, 8.0]


def test_unreachable_arxiv_is_one_line_error_at_once(project, run):
    """A refused connection is not retried (issue 10, 6.6): one line, no backoff."""
    started = time.monotonic()
    res = run(
        "sync",
        env={"DIFBIB_ARXIV_URL": "http://127.0.0.1:9/api/query", "DIFBIB_ARXIV_BACKOFF": "5",
             "DIFBIB_ARXIV_DELAY": "0"},
    )  # fmt: skip
    assert time.monotonic() - started < 4  # the first retry alone would wait 5 s
    assert res.exit_code == 1
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("error: arXiv (http://127.0.0.1:9/api/query) cannot be reached")
    assert "connection refused" in last
    assert "retrying" not in res.stderr
    assert not (project / "library.bib").exists()


def test_unresolvable_papers_are_listed_at_the_end_with_exit_code_3(project, run_online):
    with open("papers.md", "a", encoding="utf-8") as fh:
        fh.write("\n## Extra\n\n**A Paper That arXiv Does Not Have At All** ⭐⭐\n")
        fh.write("**Another One** ⭐ [[Paper](https://arxiv.org/abs/2401.00001)]\n")
    res = run_online("sync")
    assert res.exit_code == 3
    tail = res.stderr.strip().splitlines()[-3:]
    assert tail[0] == "could not resolve 2 paper(s):"
    assert "A Paper That arXiv Does Not Have At All" in tail[1]
    assert "arXiv has no paper 2401.00001" in tail[2]
    assert len(entries_of()) == 33  # the rest is written


# -- text kept as arXiv sends it ----------------------------------------------------


def _recordings_with(tmp_path, aid: str, title: str, abstract: str) -> ArxivRecordings:
    """Recordings holding one paper (FireFlow's feed) with this title and abstract (XML)."""
    folder = tmp_path / "recordings"
    (folder / "errors").mkdir(parents=True)
    shutil.copy(DATA / "arxiv" / "errors" / "malformed-id.xml", folder / "errors")
    text = (DATA / "arxiv" / "2412.07517.xml").read_text(encoding="utf-8")
    text = text.replace("2412.07517", aid)
    text = re.sub(r"<title>FireFlow.*?</title>", f"<title>{title}</title>", text, flags=re.S)
    text = re.sub(r"<summary>.*?</summary>", f"<summary>{abstract}</summary>", text, flags=re.S)
    (folder / f"{aid}.xml").write_text(text, encoding="utf-8")
    return ArxivRecordings(folder)


def test_less_than_greater_than_and_ampersand_survive(tmp_path, monkeypatch, run):
    recordings = _recordings_with(
        tmp_path,
        "2401.00042",
        "Fast &amp; Small: Models &lt;1B Beat &gt;10B",
        "Runs on consumer-grade hardware (&lt;16GB VRAM), &gt;2x faster, R&amp;D ready.",
    )
    project = tmp_path / "project"
    project.mkdir()
    (project / "papers.md").write_text(
        "## Small\n\n**Fast & Small: Models <1B Beat >10B** ⭐ "
        "[[Paper](https://arxiv.org/abs/2401.00042)]\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(project)
    with ArxivServer(recordings) as server:
        env = {"DIFBIB_ARXIV_URL": server.url, "DIFBIB_ARXIV_DELAY": "0"}
        res = run("sync", env=env)
    assert res.exit_code == 0, res.stderr
    cached = json.loads(Path("arxiv-cache.json").read_text(encoding="utf-8"))["papers"]
    record = cached["2401.00042"]
    assert record["title"] == "Fast & Small: Models <1B Beat >10B"
    assert record["abstract"] == (
        "Runs on consumer-grade hardware (<16GB VRAM), >2x faster, R&D ready."
    )
    fields = raw_fields()["deng2024fast"]
    # (1B and 10B are brace-protected: a style would print "1b")
    assert fields["title"] == r"Fast \& Small: Models \textless{}{1B} Beat \textgreater{}{10B}"
    assert r"(\textless{}16GB VRAM), \textgreater{}2x faster, R\&D ready." in fields["abstract"]
    listed = run("list", "--json").stdout
    paper = json.loads(listed)[0]
    assert paper["title"] == "Fast & Small: Models <1B Beat >10B"


def test_a_malformed_feed_is_refused_not_half_read(project, run, monkeypatch):
    """A feed that is not well-formed XML (here: an unescaped & in its title) is
    retried and then reported, never read in lxml's recover mode, which loses text."""
    from tests.helpers import arxiv_server as server_module

    monkeypatch.setattr(server_module.html, "escape", lambda text: text + " & broken")
    with ArxivServer() as server:
        env = {"DIFBIB_ARXIV_URL": server.url, "DIFBIB_ARXIV_DELAY": "0",
               "DIFBIB_ARXIV_BACKOFF": "0"}  # fmt: skip
        res = run("sync", env=env)
    assert res.exit_code == 1
    assert "malformed feed" in res.stderr
    assert not (project / "library.bib").exists()


# -- batching ----------------------------------------------------------------------


def test_ids_are_fetched_in_batches_of_100(tmp_path, monkeypatch, run):
    """150 papers with ids: two requests, never one per paper."""
    folder = tmp_path / "recordings"
    (folder / "errors").mkdir(parents=True)
    shutil.copy(DATA / "arxiv" / "errors" / "malformed-id.xml", folder / "errors")
    template = (DATA / "arxiv" / "2412.07517.xml").read_text(encoding="utf-8")
    lines = ["# Big list\n", "## Many Papers\n"]
    for n in range(150):
        aid = f"2401.{n:05d}"
        title = f"Synthetic Paper Number {n} About Diffusion"
        text = template.replace("2412.07517", aid).replace(
            "FireFlow: Fast Inversion of Rectified Flow for Image Semantic Editing", title
        )
        (folder / f"{aid}.xml").write_text(text, encoding="utf-8")
        lines.append(f"**{title}** ⭐⭐ [[Paper](https://arxiv.org/abs/{aid})]\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "papers.md").write_text("\n".join(lines), encoding="utf-8")
    monkeypatch.chdir(project)
    with ArxivServer(ArxivRecordings(folder)) as server:
        res = run("sync", env={"DIFBIB_ARXIV_URL": server.url, "DIFBIB_ARXIV_DELAY": "0"})
        assert res.exit_code == 0, res.stderr
        assert len(server.requests) == 2
        assert [r.count("%2C") + 1 for r in server.id_requests] == [100, 50]
    cache = json.loads((project / "arxiv-cache.json").read_text())
    assert len(cache["papers"]) == 150
    assert len(entries_of()) == 150
