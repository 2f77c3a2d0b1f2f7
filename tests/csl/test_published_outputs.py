"""Published entries in CSL-JSON and formatted references (issue 14's mapping)."""

from __future__ import annotations

import json


def test_csl_json_gives_the_proceedings(shipped, run):
    res = run("export", "-k", "kulikov2024flowedit", "-f", "csl-json")
    (item,) = json.loads(res.stdout)
    assert item["type"] == "paper-conference"
    assert item["container-title"] == (
        "Proceedings of the IEEE/CVF International Conference on Computer Vision"
    )
    assert item["page"].replace("--", "-") == "19721-19730"
    assert item["issued"] == {"date-parts": [[2025]]}
    assert item.get("publisher") != "arXiv"


def test_apa_cites_the_cvpr_proceedings_not_arxiv(shipped, run):
    res = run("format", "--style", "apa", "-k", "yin2023one")
    assert res.exit_code == 0, res.stderr
    assert "(2024)" in res.stdout
    assert "Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition" in (
        res.stdout
    )
    assert "arXiv." not in res.stdout


def test_format_prefer_preprint_cites_arxiv(shipped, run):
    res = run("format", "--style", "apa", "-k", "yin2023one", "--prefer", "preprint")
    assert res.exit_code == 0, res.stderr
    assert (
        "(2023). One-step Diffusion with Distribution Matching Distillation (arXiv:2311.18828)"
        in (res.stdout)
    )
