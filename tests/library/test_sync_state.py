"""The record of what sync wrote (.difbib-sync.json): improvements reach existing libraries.

Each test syncs the shipped list from the shipped cache (offline), changes how difbib
writes a field (a "new release"), and syncs again.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from difbib.errors import DifbibError
from difbib.library import bibtex
from difbib.library.sync import STATE_FILE, sync
from tests.helpers import SHIPPED_CACHE, SHIPPED_LIST


@pytest.fixture
def folder(tmp_path, monkeypatch):
    shutil.copy(SHIPPED_LIST, tmp_path / "papers.md")
    shutil.copy(SHIPPED_CACHE, tmp_path / "arxiv-cache.json")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_sync():
    return sync("papers.md", "library.bib", "arxiv-cache.json", offline=True)


def fields(key: str) -> dict[str, str]:
    for entry in bibtex.read_bib("library.bib").entries:
        if entry.key == key:
            return {f.key: f.value for f in entry.fields}
    raise KeyError(key)


def edit(old: str, new: str) -> None:
    text = Path("library.bib").read_text(encoding="utf-8")
    assert old in text, old
    Path("library.bib").write_text(text.replace(old, new, 1), encoding="utf-8")


def no_protection(monkeypatch) -> None:
    """A new release that no longer brace-protects capitals in titles."""
    monkeypatch.setattr(bibtex, "protect_capitals", lambda text, terms=(): text)


FLUX = "labs2025flux"
DMD = "liu2025decoupled"


def test_first_sync_writes_the_record_next_to_the_library(folder):
    result = run_sync()
    assert result.written and result.state_written
    record = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    papers = record["libraries"]["library.bib"]
    assert len(papers) == 33
    assert set(papers["2405.14867"]) >= {"author", "title", "abstract", "eprint"}


def test_a_rule_change_reaches_untouched_fields_and_spares_edited_ones(folder, monkeypatch):
    run_sync()
    assert fields(FLUX)["title"].startswith("{FLUX}.1 Kontext")
    old_dmd = fields(DMD)["title"]
    assert "{DMD}" in old_dmd
    edit(old_dmd, "My {DMD} title")
    no_protection(monkeypatch)
    result = run_sync()
    assert fields(FLUX)["title"].startswith("FLUX.1 Kontext")  # untouched: the new form
    assert fields(DMD)["title"] == "My {DMD} title"  # edited: the user's value
    assert FLUX in result.updated
    # and the next sync changes nothing: the record now holds the new form
    before = Path("library.bib").read_bytes()
    again = run_sync()
    assert not again.written and Path("library.bib").read_bytes() == before


def test_an_edited_field_stays_the_users_after_two_rule_changes(folder, monkeypatch):
    run_sync()
    edit("{FLUX}.1 Kontext", "{FLUX.1} Kontext")
    no_protection(monkeypatch)
    run_sync()
    monkeypatch.setattr(bibtex, "protect_capitals", lambda text, terms=(): text.upper())
    run_sync()
    assert fields(FLUX)["title"].startswith("{FLUX.1} Kontext")
    other = fields("yin2024improved")["title"]
    assert other == other.upper()  # untouched, so it follows every release


def test_a_field_writer_change_reaches_untouched_entries(folder, monkeypatch):
    run_sync()
    edit("Tianwei Yin and", "T. Yin and")  # yin2023one (the first) by hand
    original = bibtex.format_authors
    monkeypatch.setattr(bibtex, "format_authors", lambda names: original(names) + " and others")
    run_sync()
    assert fields("yin2023one")["author"].startswith("T. Yin and")
    assert not fields("yin2023one")["author"].endswith("and others")
    assert fields("dao2022flashattention")["author"].endswith(" and others")


def test_a_removed_field_stays_removed_after_a_rule_change(folder, monkeypatch):
    run_sync()
    text = Path("library.bib").read_text(encoding="utf-8")
    text, n = re.subn(r"(@misc\{labs2025flux,.*?)\n  title += \{[^\n]*\},", r"\1", text, flags=re.S)
    assert n == 1
    Path("library.bib").write_text(text, encoding="utf-8")
    no_protection(monkeypatch)
    run_sync()
    assert "title" not in fields(FLUX)


def test_without_the_record_hand_edits_still_survive_and_old_forms_stay(folder, monkeypatch):
    """The documented fallback: the base is rebuilt with today's code."""
    run_sync()
    edit(fields(DMD)["title"], "My title")
    (folder / STATE_FILE).unlink()
    no_protection(monkeypatch)
    result = run_sync()
    assert fields(DMD)["title"] == "My title"
    assert fields(FLUX)["title"].startswith("{FLUX}.1")  # looks edited to the new code
    assert result.state_written and (folder / STATE_FILE).exists()


def test_papers_not_in_the_list_keep_their_record(folder):
    run_sync()
    text = Path("papers.md").read_text(encoding="utf-8")
    text = re.sub(r"\*\*FireFlow:[^\n]*\n", "", text)
    Path("papers.md").write_text(text, encoding="utf-8")
    result = run_sync()
    assert "deng2024fireflow" in result.kept
    record = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    assert "2412.07517" in record["libraries"]["library.bib"]


def test_dry_run_writes_no_record(folder):
    result = sync("papers.md", "library.bib", "arxiv-cache.json", offline=True, dry_run=True)
    assert not result.written and not (folder / STATE_FILE).exists()


def test_library_and_record_are_written_together_or_not_at_all(folder, monkeypatch):
    run_sync()
    edit("Tianwei Yin and", "T. Yin and")
    no_protection(monkeypatch)
    before = {p: (folder / p).read_bytes() for p in ("library.bib", STATE_FILE)}
    real_replace = os.replace

    def failing_replace(src, dst):
        if str(dst).endswith(STATE_FILE):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(DifbibError, match="No space left"):
        run_sync()
    assert {p: (folder / p).read_bytes() for p in before} == before
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_broken_record_is_one_clear_error(folder, run):
    run_sync()
    (folder / STATE_FILE).write_text("{not json", encoding="utf-8")
    res = run("sync", "--offline")
    assert res.exit_code == 1
    assert res.stderr.strip().splitlines()[-1].startswith(f"error: cannot read '{STATE_FILE}'")


def test_two_libraries_in_one_folder_keep_separate_records(folder):
    run_sync()
    sync("papers.md", "other.bib", "arxiv-cache.json", offline=True)
    record = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    assert set(record["libraries"]) == {"library.bib", "other.bib"}
