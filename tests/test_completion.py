"""Shell completion: values come from the project (categories, keys, styles, formats)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from difbib.cli import cli


def complete(words: str, cwd_env: dict | None = None) -> list[str]:
    """What bash would offer after ``difbib WORDS`` (the last word being completed)."""
    args = words.split()
    if words.endswith(" "):
        args.append("")
    env = {
        "_DIFBIB_COMPLETE": "bash_complete",
        "COMP_WORDS": "difbib " + words,
        "COMP_CWORD": str(len(args)),
        **(cwd_env or {}),
    }
    res = CliRunner().invoke(cli, [], env=env, prog_name="difbib")
    assert res.exit_code == 0
    assert res.stderr == ""  # nothing may leak into the shell
    return [line.split(",", 1)[1] for line in res.stdout.splitlines() if line]


@pytest.mark.parametrize(
    "words, expected",
    [
        ("export --category di", ["distillation"]),
        ("add 2405.14867 -c rei", ["reinforcement", "reinforcement-learning"]),
        ("export -f b", ["bibtex", "biblatex"]),
        ("cite yin20", ["yin2023one", "yin2024improved"]),
        ("export --key dao", ["dao2022flashattention", "dao2023flashattention"]),
        ("rekey liu2025f", ["liu2025flow"]),
    ],
)
def test_values_are_completed_from_the_project(shipped, words, expected):
    assert complete(words) == expected


def test_style_names_are_completed(shipped):
    offered = complete("format --style difbib-")
    assert offered == ["difbib-compact"]
    assert "ieee" in complete("cite x --style iee")


def test_completion_follows_the_options_typed_so_far(shipped, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    other = tmp_path / "elsewhere" / "lib.bib"
    other.write_text("@misc{only2024one,\n  title = {x},\n}\n", encoding="utf-8")
    assert complete(f"export --library {other} --key o") == ["only2024one"]


def test_a_broken_project_completes_nothing_and_prints_nothing(shipped):
    (shipped / "library.bib").write_text("@misc{broken,\n", encoding="utf-8")
    assert complete("export --key ") == []
