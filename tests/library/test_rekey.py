"""difbib rekey: renaming keys in the library and in LaTeX citation commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from difbib.library import bibtex
from difbib.library.rekey import RekeyError, plan, rekey, rename_in_tex
from tests.helpers import ROOT

LIBRARY = """\
@comment{a hand-written library}

@misc{dao2023flashattention2,
  author        = {Tri Dao},
  title         = {{FlashAttention-2}: Faster Attention with Better Parallelism},
  year          = {2023},
  note          = {kept as it is},
}

@misc{mykey,
  author        = {Jie Liu and Gongye Liu},
  title         = {{Flow-GRPO}: Training Flow Matching Models via Online {RL}},
  year          = {2025},
}

@misc{liu2025flowb,
  author        = {Jie Liu},
  title         = {Flow Something Else},
  year          = {2025},
  crossref      = {mykey},
}

@misc{vdm,
  author        = {{Black Forest Labs} and Stephen Batifol},
  title         = {{FLUX}.1 Kontext: Flow Matching},
  year          = {2025},
}
"""


def test_all_keys_to_the_scheme_with_suffixes_in_library_order():
    renames = {r.old: r.new for r in plan(LIBRARY, scheme=True)}
    # liu2025flowb's scheme key is liu2025flow, taken by the entry before it: it gets
    # "b", which it already has, so it is not listed
    assert renames == {
        "dao2023flashattention2": "dao2023flashattention",
        "mykey": "liu2025flow",
        "vdm": "labs2025flux",
    }


def test_one_rename_edits_only_that_entry_and_its_crossrefs():
    renames = plan(LIBRARY, {"mykey": "liu2025flowgrpo"})
    from difbib.library.rekey import rename_in_bib

    text = rename_in_bib(LIBRARY, renames)
    assert "@misc{liu2025flowgrpo," in text and "@misc{mykey," not in text
    assert "crossref      = {liu2025flowgrpo}" in text
    # nothing else moved: same text with the key swapped back
    assert text.replace("liu2025flowgrpo", "mykey") == LIBRARY


@pytest.mark.parametrize(
    "renames, message",
    [
        ({"mykey": "vdm"}, "would both be 'vdm'"),
        ({"mykey": "VDM"}, "'mykey' would both be"),  # BibTeX ignores case in keys
        ({"nokey": "x"}, "no entry has the key 'nokey'"),
        ({"MyKey": "x"}, "did you mean 'mykey'"),
        ({"mykey": "has space"}, "not a valid BibTeX key"),
    ],
)
def test_collisions_and_unknown_keys_are_refused(renames, message):
    with pytest.raises(RekeyError, match=message):
        plan(LIBRARY, renames)


def test_swapping_two_keys_is_allowed():
    renames = {r.old: r.new for r in plan(LIBRARY, {"mykey": "vdm", "vdm": "mykey"})}
    assert renames == {"mykey": "vdm", "vdm": "mykey"}


@pytest.mark.parametrize(
    "tex, expected",
    [
        (r"\cite{old}", r"\cite{new}"),
        (r"\citep[see][p.~3]{a, old,b}", r"\citep[see][p.~3]{a, new,b}"),
        (r"\citet*{old}", r"\citet*{new}"),
        (r"\Citet{old}", r"\Citet{new}"),
        (r"\citealp{old} and \citeauthor{old}", r"\citealp{new} and \citeauthor{new}"),
        (r"\parencite[12]{old}", r"\parencite[12]{new}"),
        (r"\textcite{old}", r"\textcite{new}"),
        (r"\autocite{old}", r"\autocite{new}"),
        (r"\footcite{old}", r"\footcite{new}"),
        (r"\textcites(pre)(post)[a]{old}[b]{x,old}", r"\textcites(pre)(post)[a]{new}[b]{x,new}"),
        ("\\citep{\n  old,\n  other}", "\\citep{\n  new,\n  other}"),
        (r"\nocite{old} \nocite{*}", r"\nocite{new} \nocite{*}"),
        # not citations: text, other commands, a key that only contains the old one
        (
            r"old \emph{old} \citetext{old} \cite{older}",
            r"old \emph{old} \citetext{old} \cite{older}",
        ),
        (r"\cite{old}{old}", r"\cite{new}{new}"),  # biblatex-style key groups
    ],
)
def test_cite_commands_are_rewritten(tex, expected):
    assert rename_in_tex(tex, {"old": "new"})[0] == expected


def test_rekey_writes_library_and_tex_atomically_keeping_line_ends(tmp_path):
    lib = tmp_path / "library.bib"
    lib.write_text(LIBRARY, encoding="utf-8")
    tex = tmp_path / "main.tex"
    tex.write_bytes(b"See \\citep{mykey,vdm}.\r\n\\bibliography{library}\r\n")
    result = rekey(lib, scheme=True, tex_paths=[tex])
    assert {r.old for r in result.renames} == {"dao2023flashattention2", "mykey", "vdm"}
    assert (
        tex.read_bytes() == b"See \\citep{liu2025flow,labs2025flux}.\r\n\\bibliography{library}\r\n"
    )
    keys = [e.key for e in bibtex.parse_bib(lib.read_text(encoding="utf-8")).entries]
    assert keys == ["dao2023flashattention", "liu2025flow", "liu2025flowb", "labs2025flux"]
    assert result.tex_changes == {str(tex): 2}


def test_refused_rekey_writes_nothing(tmp_path):
    lib = tmp_path / "library.bib"
    lib.write_text(LIBRARY, encoding="utf-8")
    tex = tmp_path / "main.tex"
    tex.write_text(r"\cite{mykey}", encoding="utf-8")
    with pytest.raises(RekeyError):
        rekey(lib, {"mykey": "vdm"}, tex_paths=[tex])
    assert lib.read_text(encoding="utf-8") == LIBRARY
    assert tex.read_text(encoding="utf-8") == r"\cite{mykey}"


def test_cli_rekey_prints_the_mapping_and_refuses_collisions(tmp_path, monkeypatch, run):
    monkeypatch.chdir(tmp_path)
    Path("library.bib").write_text(LIBRARY, encoding="utf-8")
    Path("main.tex").write_text(r"\citet{mykey}", encoding="utf-8")
    result = run("rekey", "mykey", "liu2025flowgrpo", "--tex", "main.tex")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "mykey liu2025flowgrpo\n"
    assert Path("main.tex").read_text(encoding="utf-8") == r"\citet{liu2025flowgrpo}"

    before = Path("library.bib").read_bytes()
    result = run("rekey", "liu2025flowgrpo", "vdm")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: refusing to rename")
    assert Path("library.bib").read_bytes() == before

    result = run("rekey", "--all", "--dry-run")
    assert result.exit_code == 0
    assert "vdm labs2025flux" in result.stdout.splitlines()
    assert Path("library.bib").read_bytes() == before

    assert run("rekey").exit_code == 2
    assert run("rekey", "a", "b", "--all").exit_code == 2


def test_an_existing_library_keeps_its_keys_and_rekey_all_migrates_it(
    project, run_online, tmp_path, monkeypatch
):
    """What an existing user gets after the key-rule change.

    ``tests/data/upgrade/`` holds a library and its sync record as difbib wrote them
    before the change (old keys, unprotected ``Qwen-Image``, ``Sheng-ming Yin``). A
    sync keeps every key and takes the new output for fields nobody edited;
    ``rekey --all`` then gives the keys a fresh sync gives.
    """
    import shutil

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    shutil.copy(project / "papers.md", fresh / "papers.md")
    shutil.copy(project / "protected-terms.txt", fresh / "protected-terms.txt")
    old = ROOT / "tests" / "data" / "upgrade"
    shutil.copy(old / "library.bib", project / "library.bib")
    shutil.copy(old / ".difbib-sync.json", project / ".difbib-sync.json")
    old_keys = [e.key for e in bibtex.read_bib(project / "library.bib").entries]
    assert "wu2025qwenimage" in old_keys and "dao2023flashattention2" in old_keys

    res = run_online("sync")
    assert res.exit_code == 0, res.stderr
    entries = {e.key: bibtex.entry_fields(e) for e in bibtex.read_bib("library.bib").entries}
    assert sorted(entries) == sorted(old_keys)  # not one key renamed
    assert entries["wu2025qwenimage"]["title"] == "{Qwen-Image} Technical Report"
    assert "Yin, Sheng-ming" in entries["wu2025qwenimage"]["author"]
    assert len(entries["liu2025improving"]["author"].split(" and ")) == 18

    res = run_online("rekey", "--all")
    assert res.exit_code == 0, res.stderr
    assert "wu2025qwenimage wu2025qwen" in res.stdout.splitlines()
    migrated = Path("library.bib").read_text(encoding="utf-8")

    monkeypatch.chdir(fresh)
    assert run_online("sync").exit_code == 0
    fresh_keys = sorted(e.key for e in bibtex.read_bib("library.bib").entries)
    assert sorted(e.key for e in bibtex.parse_bib(migrated).entries) == fresh_keys
