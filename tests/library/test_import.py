"""``difbib import``: an existing .bib merged into the project without duplicates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from difbib.library import bibtex
from difbib.sources.readinglist import read_list
from tests.helpers import DATA, SHIPPED_LIBRARY
from tests.helpers.imports import doubled

#: A user's bibliography, as Google Scholar and hand editing make them (written for the
#: test): Scholar's arXiv form, a venue macro, a DOI-only paper, a new arXiv paper.
USER_BIB = r"""@string{iclr = "International Conference on Learning Representations"}

@article{yin2024improveddmd,
  title = {Improved distribution matching distillation for fast image synthesis},
  author = {Yin, Tianwei and Gharbi, Micha{\"e}l and Park, Taesung},
  journal = {arXiv preprint arXiv:2405.14867},
  year = {2024}
}
@misc{lipman2023flow,
  title = {Flow Matching for Generative Modeling},
  author = {Lipman, Yaron and Chen, Ricky T. Q.},
  year = {2022},
  note = {Read twice},
}
@inproceedings{myown2020,
  author = {Kimeldorf, G.~S. and Wahba, Grace},
  title = {A Correspondence}, booktitle = iclr, year = {2020}, doi = {10.1000/xyz}
}
@inproceedings{myown2020dup,
  author = {Kimeldorf, G.~S.},
  title = {Another Title}, booktitle = iclr, year = {2020}, doi = {https://doi.org/10.1000/XYZ}
}
"""


@pytest.fixture
def user_bib(shipped) -> Path:
    path = shipped / "mine.bib"
    path.write_text(USER_BIB, encoding="utf-8")
    return path


def keys(path: str = "library.bib") -> list[str]:
    return [e.key for e in bibtex.read_bib(path).entries]


def test_import_merges_duplicates_and_keeps_the_users_keys(user_bib, run):
    before = keys()
    res = run("import", str(user_bib))
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].startswith("merge  yin2024improveddmd = yin2024improved (same arXiv id")
    assert lines[1].startswith("merge  lipman2023flow = lipman2022flow (same title and first")
    assert lines[2] == "add    myown2020"
    assert lines[3].startswith("merge  myown2020dup = myown2020 (same DOI 10.1000/xyz)")
    after = keys()
    assert len(after) == len(before) + 1  # one new paper, no duplicate of the 33
    assert "yin2024improveddmd" in after and "yin2024improved" not in after
    text = Path("library.bib").read_text(encoding="utf-8")
    assert "Read twice" in text  # a type-neutral field is merged
    assert "arXiv preprint arXiv:2405.14867" not in text  # Scholar's venue is not
    assert re.search(r"@string\{iclr\s*=", text) and re.search(r"booktitle\s*=\s*iclr,", text)
    # the result is a sound library that sync keeps as it is, keys and all
    assert run("sync", "--offline").exit_code == 0
    assert sorted(keys()) == sorted(after)
    # importing the same file again adds nothing
    again = run("import", str(user_bib))
    assert all(line.startswith("merge") for line in again.stdout.splitlines())
    assert sorted(keys()) == sorted(after)


def test_dry_run_writes_nothing_and_rekey_prints_the_mapping(user_bib, run):
    library = Path("library.bib").read_bytes()
    res = run("import", str(user_bib), "--dry-run", "--rekey")
    assert res.exit_code == 0
    assert Path("library.bib").read_bytes() == library
    assert res.stdout.splitlines()[:2] == [
        "yin2024improveddmd yin2024improved",
        "lipman2023flow lipman2022flow",
    ]
    assert "dry run, nothing written" in res.stderr


def test_rekey_mapping_moves_library_and_draft_to_difbibs_keys(user_bib, run):
    Path("paper.tex").write_text(
        "See \\cite{yin2024improveddmd} and \\citep{lipman2023flow, myown2020}.\n",
        encoding="utf-8",
    )
    res = run("import", str(user_bib), "--rekey")
    assert res.exit_code == 0, res.stderr
    pairs = [line.split() for line in res.stdout.splitlines()]
    assert pairs == [
        ["yin2024improveddmd", "yin2024improved"],
        ["lipman2023flow", "lipman2022flow"],
    ]
    for old, new in pairs:
        assert run("rekey", old, new, "--tex", "paper.tex").exit_code == 0
    assert Path("paper.tex").read_text(encoding="utf-8") == (
        "See \\cite{yin2024improved} and \\citep{lipman2022flow, myown2020}.\n"
    )
    assert {"yin2024improved", "lipman2022flow", "myown2020"} <= set(keys())


def test_import_puts_arxiv_papers_on_the_list(shipped, run):
    # take one paper off the list and the library, then import it from a user's file
    lines = Path("papers.md").read_text(encoding="utf-8").splitlines(keepends=True)
    i = next(n for n, line in enumerate(lines) if "2311.18828" in line)
    Path("papers.md").write_text("".join(lines[: i - 1] + lines[i + 1 :]), encoding="utf-8")
    text = Path("library.bib").read_text(encoding="utf-8")
    start = re.search(r"@\w+\{yin2023one,", text).start()
    Path("library.bib").write_text(text[:start] + text[text.index("\n}\n", start) + 3 :])
    Path("mine.bib").write_text(
        "@misc{yin2023dmd, title = {One-step Diffusion with Distribution Matching "
        "Distillation}, author = {Yin, Tianwei}, year = {2023}, eprint = {2311.18828}, "
        "archivePrefix = {arXiv}}\n",
        encoding="utf-8",
    )
    res = run("import", "mine.bib", "--category", "distillation", "--offline")
    assert res.exit_code == 0, res.stderr
    assert "add    yin2023dmd (arXiv:2311.18828)" in res.stdout
    listed = [p for p in read_list("papers.md").papers if p.arxiv_id == "2311.18828"]
    assert listed and listed[0].categories == ["Model Distillation"]
    assert run("sync", "--offline").exit_code == 0
    assert "yin2023dmd" in keys() and "yin2023one" not in keys()  # the user's key stays


#: Bibliographies in the shapes reference managers write, with papers of the shipped
#: library among them (arXiv id in eprint, a URL, Scholar's journal; Scholar's lowercase
#: titles with no id at all; Zotero's group author taken for a person).
REAL = sorted((DATA / "bib" / "real").glob("*.bib"))
#: The shipped papers each file holds (by the library's key), which import must merge.
REAL_DUPLICATES = {
    "biblatex": {"yin2024improved", "shah2024flashattention"},
    "classic": set(),
    "jabref": {"zhang2024sageattention2"},
    "mendeley": {"lipman2022flow", "wu2025qwen"},
    "scholar": {"lipman2022flow", "dao2022flashattention", "yin2023one"},
    "zotero": {"labs2025flux", "zhang2024sageattention"},
}


@pytest.mark.parametrize("path", REAL, ids=[p.stem for p in REAL])
def test_import_of_a_real_world_file_doubles_no_paper(shipped, run, path):
    before = keys()
    res = run("import", str(path))
    assert res.exit_code == 0, res.stderr
    merged = [line for line in res.stdout.splitlines() if line.startswith("merge")]
    assert len(merged) == len(REAL_DUPLICATES[path.stem]), res.stdout
    for key in REAL_DUPLICATES[path.stem]:
        assert any(f"= {key} (" in line for line in merged), (key, res.stdout)
    assert doubled(SHIPPED_LIBRARY, Path("library.bib")) == []
    added = [line for line in res.stdout.splitlines() if line.startswith("add")]
    assert len(keys()) == len(before) + len(added)


def test_doubled_finds_a_paper_added_twice(shipped):
    """The check above can fail: a copy of a shipped paper under another key is found."""
    text = Path("library.bib").read_text(encoding="utf-8")
    Path("library.bib").write_text(
        text + "\n@misc{copy, title = {Flow Matching for Generative Modeling}, "
        "author = {Lipman, Yaron}, year = {2022}}\n",
        encoding="utf-8",
    )
    assert doubled(SHIPPED_LIBRARY, Path("library.bib")) == ["lipman2022flow (same title)"]
