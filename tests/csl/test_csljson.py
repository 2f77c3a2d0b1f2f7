"""CSL-JSON from the library: valid against the CSL schema, arXiv preprints as CSL expects.

``tests/data/csl-data.json`` is the CSL-JSON input schema v1.0, copied unchanged from
citation-style-language/schema (``schemas/input/csl-data.json``, MIT licence).
"""

from __future__ import annotations

import json
from dataclasses import replace

import jsonschema
import pytest

from difbib.csl.csljson import csl_name, tex_to_text, to_csl_items
from difbib.library.published import as_preprint
from difbib.library.queries import Library
from tests.helpers import DATA, SHIPPED_LIBRARY, SHIPPED_LIST

SCHEMA = json.loads((DATA / "csl-data.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def items():
    library = Library.load(SHIPPED_LIBRARY, SHIPPED_LIST)
    return {i["id"]: i for i in to_csl_items(library.papers)}


def test_shipped_library_is_valid_csl_json(items):
    assert len(items) == 33
    jsonschema.Draft7Validator(SCHEMA).validate(list(items.values()))


def test_schema_rejects_what_it_should():
    # The schema is strict enough to catch a wrong item (so the test above means something).
    bad = [{"id": "x", "type": "preprint-ish", "title": "t"}]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(SCHEMA).validate(bad)


def test_arxiv_preprint_fields():
    # lipman2022flow is ICLR 2023 in the library; its preprint (export --prefer preprint):
    paper = Library.load(SHIPPED_LIBRARY, SHIPPED_LIST).paper("lipman2022flow")
    (item,) = to_csl_items([replace(paper, entry=as_preprint(paper.entry))])
    assert item["type"] == "article"
    assert item["publisher"] == "arXiv"
    assert item["number"] == "arXiv:2210.02747"
    assert item["DOI"] == "10.48550/arXiv.2210.02747"
    assert item["URL"] == "https://arxiv.org/abs/2210.02747"
    assert item["issued"] == {"date-parts": [[2022]]}
    assert item["title"] == "Flow Matching for Generative Modeling"


def test_authors_split_and_group_authors_literal(items):
    authors = items["labs2025flux"]["author"]
    assert authors[0] == {"literal": "Black Forest Labs"}
    assert {"family": "Müller", "given": "Jonas"} in authors
    assert csl_name("Ludwig van Beethoven") == {
        "family": "Beethoven",
        "given": "Ludwig",
        "non-dropping-particle": "van",
    }


def test_tex_becomes_plain_text(items):
    assert items["labs2025flux"]["title"].startswith("FLUX.1 Kontext: Flow")
    abstract = items["liu2025flow"]["abstract"]
    assert "from 63% to 95%" in abstract and "\\" not in abstract
    assert tex_to_text(r"a $3\times$ speedup, 15\% faster") == "a 3× speedup, 15% faster"


def test_categories_and_rating_are_carried(items):
    item = items["jiang2025distribution"]
    assert item["categories"] == ["Model Distillation", "Reinforcement Learning"]
    assert item["keyword"] == "Model Distillation, Reinforcement Learning"
    assert item["custom"] == {"rating": 5}


def test_export_format_csl_json_is_valid_and_honours_drop(shipped, run):
    res = run("export", "--category", "distillation", "--format", "csl-json")
    assert res.exit_code == 0, res.stderr
    exported = json.loads(res.stdout)
    jsonschema.Draft7Validator(SCHEMA).validate(exported)
    assert sorted(i["id"] for i in exported) == [
        "chen2025sana",
        "jiang2025distribution",
        "liu2025decoupled",
        "yin2023one",
        "yin2024improved",
    ]
    dmdr = next(i for i in exported if i["id"] == "jiang2025distribution")
    assert dmdr["categories"] == ["Model Distillation", "Reinforcement Learning"]
    assert dmdr["custom"] == {"rating": 5}

    minimal = json.loads(run("export", "-c", "distillation", "-f", "csl-json", "--minimal").stdout)
    assert all(not {"abstract", "keyword", "categories", "custom"} & set(i) for i in minimal)
    assert all(i["title"] and i["author"] and i["URL"] for i in minimal)
    jsonschema.Draft7Validator(SCHEMA).validate(minimal)


def test_export_csl_json_of_nothing_is_an_empty_list(shipped, run):
    res = run("export", "--year", "1999", "--format", "csl-json")
    assert res.exit_code == 0
    assert json.loads(res.stdout) == []


def test_a_files_own_keywords_are_plain_text(tmp_path):
    """Without a reading list a file's keywords are its categories; CSL-JSON gets text."""
    path = tmp_path / "refs.bib"
    path.write_text(
        '@book{b, title = {T}, year = {1990},\n  keywords = "Der Fr{\\"u}hdruck im\n'
        '                 deutschen S{\\"u}dwesten"}\n',
        encoding="utf-8",
    )
    (item,) = to_csl_items(Library.load(path).papers)
    assert item["categories"] == ["Der Frühdruck im deutschen Südwesten"]
    assert item["keyword"] == "Der Frühdruck im deutschen Südwesten"
