"""``difbib scan``: what the reader recognised, per paper, as text and JSON; no network."""

from __future__ import annotations

import json

from tests.helpers import DATA, SHIPPED_LIST

LISTS = DATA / "lists"


def test_scan_text_shows_each_paper_then_categories_resources_and_notices(run):
    result = run("scan", str(LISTS / "noise.md"))
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "13  2311.12908" in out
    assert "Diffusion Model Alignment Using Direct Preference Optimization" in out
    assert "venue: CVPR" in out and "categories: Reward fine-tuning" in out
    # A paper without id says why, and what will be done.
    assert "no arXiv id: no arXiv link; to be found by its title" in out
    assert "<https://openreview.net/forum?id=1vmSEVL19f> (proceedings)" in out
    assert "categories (heading level 2):" in out and "## Reward fine-tuning" in out
    assert "video    Diffusion Models from Scratch (video lecture)" in out
    assert "notices:" in out
    assert "4 papers (3 with an arXiv id, 1 to search by title)" in result.stderr


def test_scan_json_for_scripts(run):
    result = run("scan", "--json", str(LISTS / "tables.md"))
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) >= {"papers", "categories", "notices", "resources"}
    first = data["papers"][0]
    assert {
        k: first[k] for k in ("line", "title", "arxiv_id", "categories", "rating", "venue")
    } == {
        "line": 7,
        "title": "Video Diffusion Models",
        "arxiv_id": "2204.03458",
        "categories": ["Text-to-Video"],
        "rating": None,
        "venue": "NeurIPS 2022",
    }
    assert first["links"] == [
        {"label": "arXiv", "url": "https://arxiv.org/abs/2204.03458", "kind": "arxiv", "line": 7}
    ]
    assert [(c["heading"], c["level"], c["papers"]) for c in data["categories"]] == [
        ("Text-to-Video", 2, 4),
        ("Image-to-Video", 2, 3),
    ]
    animatediff = data["papers"][-1]
    assert animatediff["arxiv_id"] is None and animatediff["no_id_reason"] == "no arXiv link"


def test_scan_reads_the_shipped_list_as_sync_does(run):
    data = json.loads(run("scan", "--json", str(SHIPPED_LIST)).stdout)
    assert len(data["papers"]) == 33
    fluxspace = next(p for p in data["papers"] if p["title"].startswith("FluxSpace"))
    assert fluxspace["no_id_reason"].startswith("malformed arXiv id '2412.096118'")
    assert next(p for p in data["papers"] if p["title"] == "Qwen-Image")["rating"] == 4


def test_scan_errors_are_one_line(run, tmp_path):
    result = run("scan", str(tmp_path / "missing.md"))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: reading list") and "not found" in result.stderr
    assert run("scan", str(tmp_path)).stderr.count("\n") == 1
