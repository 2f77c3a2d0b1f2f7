"""The Zotero plan, offline: which item is which paper, what difbib owns in an item,
and whether a push creates, updates, leaves alone or reports a conflict."""

from __future__ import annotations

import copy

import pytest

from difbib.zotero.push import (
    CONFLICT,
    UNCHANGED,
    UPDATE,
    Action,
    Ownership,
    PushState,
    _decide,
    arxiv_id_of,
)

OWN = Ownership(tags={"Model Distillation", "Video Models"}, collections={"PARENT", "SUB1"})

DESIRED = {
    "itemType": "preprint",
    "title": "Improved Distribution Matching",
    "creators": [
        {"creatorType": "author", "firstName": "Tianwei", "lastName": "Yin"},
        {"creatorType": "author", "name": "Black Forest Labs"},
    ],
    "abstractNote": "Abstract.",
    "date": "2024",
    "repository": "arXiv",
    "archiveID": "arXiv:2405.14867",
    "DOI": "10.48550/arXiv.2405.14867",
    "url": "https://arxiv.org/abs/2405.14867",
    "citationKey": "yin2024improved",
    "libraryCatalog": "arXiv.org",
    "tags": [{"tag": "Model Distillation"}, {"tag": "rating:4"}],
    "collections": ["SUB1"],
}


@pytest.mark.parametrize(
    ("data", "arxiv_id"),
    [
        ({"archiveID": "arXiv:2405.14867"}, "2405.14867"),
        ({"archiveID": "arXiv:arXiv:2405.14867v2"}, None),  # no valid id in it
        ({"archiveID": "arXiv:2405.14867v2"}, "2405.14867"),
        ({"DOI": "10.48550/arXiv.2405.14867"}, "2405.14867"),
        ({"url": "https://arxiv.org/abs/2405.14867v3"}, "2405.14867"),
        ({"url": "https://example.org/paper.pdf"}, None),
        (
            {"archiveID": "arXiv:2413.00001", "url": "https://arxiv.org/abs/2405.14867"},
            "2405.14867",
        ),
        (
            {"archiveID": "arXiv:2405.14867", "url": "https://arxiv.org/abs/2301.00001"},
            "2405.14867",
        ),
        (
            {"DOI": "10.1109/CVPR.2022.01042", "url": "https://arxiv.org/pdf/2301.00001"},
            "2301.00001",
        ),
        ({"archiveID": None, "DOI": None, "url": None}, None),
        ({}, None),
    ],
)
def test_an_item_is_matched_to_a_paper_by_its_arxiv_id(data, arxiv_id):
    assert arxiv_id_of(data) == arxiv_id


def test_the_view_holds_what_difbib_owns_and_nothing_else():
    item = copy.deepcopy(DESIRED)
    item["tags"] += [{"tag": "to-read"}, {"tag": "rating:9"}]
    item["collections"] = ["SUB1", "MINE"]
    item["extra"] = "my notes"
    view = OWN.view(item)
    assert view["tags"] == ["Model Distillation", "rating:4"]
    assert view["collections"] == ["SUB1"]
    assert "extra" not in view
    assert view["creators"] == [["author", "Tianwei", "Yin"], ["author", "Black Forest Labs"]]
    assert view["title"] == DESIRED["title"] and view["itemType"] == "preprint"
    assert OWN.view(item) == OWN.view(DESIRED)  # personal additions are no change


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(title="Another Title"),
        lambda d: d.update(itemType="journalArticle"),
        lambda d: d.update(citationKey="yin2024improvedb"),
        lambda d: d.update(collections=["PARENT"]),  # moved between difbib's collections
        lambda d: d.update(tags=[{"tag": "Model Distillation"}]),  # rating removed
        lambda d: d["creators"][0].update(lastName="Yang"),
        lambda d: d["creators"][0].update(creatorType="editor"),
        lambda d: d["creators"][1].update(name="Black Forest"),
    ],
)
def test_the_view_changes_with_anything_difbib_owns(change):
    item = copy.deepcopy(DESIRED)
    change(item)
    assert OWN.view(item) != OWN.view(DESIRED)
    assert OWN.digest(item) != OWN.digest(DESIRED)


def test_the_view_reads_missing_and_empty_values_alike():
    sparse = {"itemType": "preprint", "title": None, "tags": None, "collections": None}
    view = OWN.view(sparse)
    assert view["title"] == "" and view["DOI"] == ""
    assert view["tags"] == [] and view["collections"] == [] and view["creators"] == []
    assert OWN.view({})["itemType"] == ""


def test_a_merge_replaces_difbibs_part_and_keeps_the_users():
    current = copy.deepcopy(DESIRED)
    current.update(
        title="Old Title",
        extra="my notes",
        tags=[{"tag": "to-read"}, {"tag": "Video Models"}, {"tag": "rating:2"}],
        collections=["MINE", "PARENT"],
        dateAdded="2024-01-01T00:00:00Z",
        dateModified="2024-01-02T00:00:00Z",
        relations={"dc:relation": "x"},
    )
    merged = OWN.merge(current, DESIRED)
    assert merged["title"] == DESIRED["title"]
    assert merged["extra"] == "my notes" and merged["relations"] == {"dc:relation": "x"}
    assert merged["tags"] == [
        {"tag": "to-read"},
        {"tag": "Model Distillation"},
        {"tag": "rating:4"},
    ]
    assert merged["collections"] == ["MINE", "SUB1"]
    assert "dateAdded" not in merged and "dateModified" not in merged
    assert merged["creators"] == DESIRED["creators"]
    assert current["title"] == "Old Title"  # the item read is not changed in place


def test_a_merge_turns_an_item_of_another_type_into_a_preprint():
    current = {
        "itemType": "journalArticle",
        "title": "Old",
        "publicationTitle": "TPAMI",
        "extra": "my notes",
        "collections": ["SUB1", "MINE"],
    }
    merged = OWN.merge(current, DESIRED)
    assert merged["itemType"] == "preprint"
    assert "publicationTitle" not in merged
    assert merged["extra"] == "my notes"
    assert merged["collections"] == ["MINE", "SUB1"]  # no duplicate


def action(current_data, key="ITEM1"):
    return Action(
        "update",
        paper=None,  # type: ignore[arg-type]
        arxiv_id="2405.14867",
        desired=copy.deepcopy(DESIRED),
        current={"key": key, "version": 7, "data": current_data},
    )


def state(tmp_path, **item):
    s = PushState(tmp_path / "state.json", "users/1")
    if item:
        s.items["2405.14867"] = item
    return s


def test_an_item_as_difbib_left_it_is_updated_and_one_edited_since_is_a_conflict(tmp_path):
    old = copy.deepcopy(DESIRED)
    old["title"] = "Old Title"
    pushed = {"key": "ITEM1", "zotero": OWN.digest(old), "local": OWN.digest(old)}
    assert _decide(action(old), OWN, state(tmp_path, **pushed), force=False) == UPDATE
    edited = copy.deepcopy(old)
    edited["title"] = "The user's title"
    assert _decide(action(edited), OWN, state(tmp_path, **pushed), force=False) == CONFLICT
    assert _decide(action(edited), OWN, state(tmp_path, **pushed), force=True) == UPDATE


def test_an_item_with_another_key_than_the_one_pushed_is_not_trusted(tmp_path):
    old = copy.deepcopy(DESIRED)
    old["title"] = "Old Title"
    pushed = {"key": "OTHER", "zotero": OWN.digest(old), "local": OWN.digest(old)}
    assert _decide(action(old), OWN, state(tmp_path, **pushed), force=False) == CONFLICT


def test_an_unknown_item_is_a_conflict_unless_it_already_matches(tmp_path):
    old = copy.deepcopy(DESIRED)
    old["title"] = "Old Title"
    assert _decide(action(old), OWN, state(tmp_path), force=False) == CONFLICT
    assert _decide(action(old), OWN, state(tmp_path), force=True) == UPDATE
    same = copy.deepcopy(DESIRED)
    same["tags"] = [*same["tags"], {"tag": "to-read"}]
    assert _decide(action(same), OWN, state(tmp_path), force=False) == UNCHANGED


def test_nothing_changed_on_either_side_is_unchanged(tmp_path):
    pushed = {"key": "ITEM1", "zotero": OWN.digest(DESIRED), "local": OWN.digest(DESIRED)}
    item = copy.deepcopy(DESIRED)
    assert _decide(action(item), OWN, state(tmp_path, **pushed), force=False) == UNCHANGED
    assert _decide(action(item), OWN, state(tmp_path, **pushed), force=True) == UNCHANGED


def test_a_merge_keeps_the_users_other_fields_of_an_item_of_the_same_type():
    # Fields difbib does not write (a short title, an access date, a call number) are
    # the user's: a push that updates the title leaves them as they were.
    current = copy.deepcopy(DESIRED)
    current.update(title="Old Title", shortTitle="DMD2", accessDate="2024-06-01", callNumber="QA76")
    merged = OWN.merge(current, DESIRED)
    assert merged["title"] == DESIRED["title"]
    assert (merged["shortTitle"], merged["accessDate"], merged["callNumber"]) == (
        "DMD2",
        "2024-06-01",
        "QA76",
    )


def test_a_merge_empties_a_field_the_paper_no_longer_has():
    # The DOI and venue of a version the paper lost do not linger in Zotero; a field
    # difbib owns but that was empty anyway is not added.
    current = copy.deepcopy(DESIRED)
    current.update(volume="12", pages="1-10", issue="")
    desired = copy.deepcopy(DESIRED)
    del desired["DOI"]
    merged = OWN.merge(current, desired)
    assert merged["DOI"] == "" and merged["volume"] == "" and merged["pages"] == ""
    assert merged["issue"] == ""
    assert "publisher" not in merged and "edition" not in merged
    assert OWN.view(merged) == OWN.view(desired)


def test_a_merge_writes_the_papers_authors_over_the_items():
    current = copy.deepcopy(DESIRED)
    current["creators"] = [{"creatorType": "author", "firstName": "T.", "lastName": "Yin"}]
    merged = OWN.merge(current, DESIRED)
    assert merged["creators"] == DESIRED["creators"]


def test_a_merge_puts_the_item_in_each_collection_once():
    # The user filed the item in one of difbib's collections and in one of theirs.
    current = copy.deepcopy(DESIRED)
    current["collections"] = ["SUB1", "MINE", "PARENT"]
    desired = copy.deepcopy(DESIRED)
    desired["collections"] = ["SUB1", "PARENT"]
    merged = OWN.merge(current, desired)
    assert merged["collections"] == ["MINE", "SUB1", "PARENT"]
    assert len(set(merged["collections"])) == len(merged["collections"])


def test_an_item_that_already_holds_what_difbib_would_write_is_not_written(tmp_path):
    # The last push wanted an older version of the paper; Zotero has since come to hold
    # exactly today's (another machine pushed it): nothing to write, no version bump.
    old = copy.deepcopy(DESIRED)
    old["title"] = "Old Title"
    pushed = {"key": "ITEM1", "zotero": OWN.digest(DESIRED), "local": OWN.digest(old)}
    item = copy.deepcopy(DESIRED)
    assert _decide(action(item), OWN, state(tmp_path, **pushed), force=False) == UNCHANGED
    assert _decide(action(item), OWN, state(tmp_path, **pushed), force=True) == UNCHANGED


def test_an_item_zotero_stored_in_its_own_way_is_not_rewritten_at_every_push(tmp_path):
    # Zotero keeps some values its own way (here, a date it rewrote). While neither the
    # paper nor the item changed since the last push, a push leaves the item alone
    # instead of writing it again each time.
    stored = copy.deepcopy(DESIRED)
    stored["date"] = "2024-05-23"
    pushed = {"key": "ITEM1", "zotero": OWN.digest(stored), "local": OWN.digest(DESIRED)}
    assert OWN.view(stored) != OWN.view(DESIRED)
    item = copy.deepcopy(stored)
    assert _decide(action(item), OWN, state(tmp_path, **pushed), force=False) == UNCHANGED
    # Once the paper changes, the item is updated.
    newer = copy.deepcopy(DESIRED)
    newer["title"] = "A Newer Title"
    moved = Action("update", None, "2405.14867", newer, {"key": "ITEM1", "data": item})  # type: ignore[arg-type]
    assert _decide(moved, OWN, state(tmp_path, **pushed), force=False) == UPDATE
