"""difbib zotero push, against a local server that follows the Zotero Web API v3."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from difbib.library import bibtex
from difbib.library.queries import Library
from difbib.zotero.api import ZoteroError
from difbib.zotero.push import ZoteroClient, ZoteroSettings, push
from tests.helpers import SEED_HEADINGS, Run
from tests.helpers.zotero_server import ZoteroServer

KEY = "ZkLeakCanary7Q9xW2vB5nM8"  # distinctive: must never appear in any output
PARENT = "Diffusion and Flow Models Research"  # the shipped reading list's title
HEADINGS = SEED_HEADINGS


@pytest.fixture
def server():
    with ZoteroServer(api_key=KEY) as srv:
        yield srv


@pytest.fixture
def zenv(shipped, monkeypatch):
    """No Zotero settings leak in from the machine running the tests."""
    for var in ("ZOTERO_API_KEY", "ZOTERO_LIBRARY_ID", "ZOTERO_LIBRARY_TYPE", "ZOTERO_API_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DIFBIB_CONFIG_DIR", str(shipped / "config" / "difbib"))
    monkeypatch.delenv("DIFBIB_ZOTERO_CONFIG", raising=False)
    return shipped


@pytest.fixture
def zrun(zenv, server):
    """The CLI pointed at the test server, with the key in the environment."""
    return Run({"ZOTERO_API_KEY": KEY, "ZOTERO_LIBRARY_ID": "4242", "ZOTERO_API_URL": server.url})


def no_leak(res, folder: Path | None = None) -> None:
    assert KEY not in res.stdout
    assert KEY not in res.stderr
    if folder is not None:
        for path in folder.rglob("*"):
            if path.is_file() and path.name != "zotero.toml":
                assert KEY not in path.read_text(encoding="utf-8", errors="replace"), path


def item_writes(server) -> list:
    return [w for w in server.writes() if w[1].endswith("/items")]


def shipped_library(root: Path) -> Library:
    return Library.load(root / "library.bib", root / "papers.md")


# -- first and second push --------------------------------------------------------------


def test_first_push_creates_parent_categories_and_items(zrun, server, zenv):
    res = zrun("zotero", "push")
    assert res.exit_code == 0, res.stderr
    no_leak(res, zenv)
    assert res.stdout == ""  # progress and summary go to stderr
    parents = [c for c in server.collections.values() if not c["data"]["parentCollection"]]
    assert [p["data"]["name"] for p in parents] == [PARENT]
    children = {
        c["data"]["name"]: c["key"]
        for c in server.collections.values()
        if c["data"]["parentCollection"] == parents[0]["key"]
    }
    assert sorted(children) == sorted(HEADINGS)
    assert len(server.items) == 33
    types = [i["data"]["itemType"] for i in server.items.values()]  # published: by venue
    assert types.count("preprint") == 13 and len(types) - types.count("preprint") == 20
    assert set(types) <= {"preprint", "conferencePaper", "journalArticle"}
    library = shipped_library(zenv)
    by_key = {i["data"]["citationKey"]: i["data"] for i in server.items.values()}
    assert sorted(by_key) == sorted(p.key for p in library.papers)
    for paper in library.papers:
        data = by_key[paper.key]
        if data["itemType"] == "preprint":
            assert data["archiveID"] == f"arXiv:{paper.eprint}"
        else:  # a published paper keeps its arXiv link (and is found by it)
            assert (
                data["url"] == f"https://arxiv.org/abs/{paper.eprint}" and "archiveID" not in data
            )
        assert sorted(data["collections"]) == sorted(children[h] for h in paper.categories)
        tags = {t["tag"] for t in data["tags"]}
        assert set(paper.categories) <= tags
        assert f"rating:{paper.rating}" in tags
    assert "33 item(s) created" in res.stderr and "9 collection(s) created" in res.stderr


def test_item_fields_are_plain_zotero_values(zrun, server):
    assert zrun("zotero", "push").exit_code == 0
    flux = server.item_by_archive_id("arXiv:2506.15742")["data"]
    assert flux["title"].startswith("FLUX.1 Kontext: Flow Matching")  # no TeX braces
    assert flux["creators"][0] == {"creatorType": "author", "name": "Black Forest Labs"}
    assert flux["creators"][1] == {
        "creatorType": "author",
        "firstName": "Stephen",
        "lastName": "Batifol",
    }
    assert {"creatorType": "author", "firstName": "Jonas", "lastName": "Müller"} in flux["creators"]
    assert flux["date"] == "2025"
    assert flux["repository"] == "arXiv"
    assert flux["DOI"] == "10.48550/arXiv.2506.15742"
    assert flux["url"] == "https://arxiv.org/abs/2506.15742"
    assert flux["abstractNote"].startswith("We present evaluation results for FLUX.1 Kontext")
    assert flux["citationKey"] == "labs2025flux"
    assert {t["tag"] for t in flux["tags"]} == {"Milestone Models", "rating:5"}
    for item in server.items.values():
        assert not re.search(r"[{}]|\\[a-zA-Z]", item["data"]["title"]), item["data"]["title"]


def test_second_push_writes_nothing(zrun, server):
    assert zrun("zotero", "push").exit_code == 0
    before = len(server.writes())
    res = zrun("zotero", "push")
    assert res.exit_code == 0, res.stderr
    assert len(server.writes()) == before
    assert "33 unchanged" in res.stderr and "0 write request(s)" in res.stderr
    assert len(server.items) == 33 and len(server.collections) == 9


def test_lost_state_file_never_duplicates(zrun, server, zenv):
    assert zrun("zotero", "push").exit_code == 0
    (zenv / ".difbib-zotero.json").unlink()
    before = len(server.writes())
    res = zrun("zotero", "push")
    assert res.exit_code == 0, res.stderr
    assert len(server.writes()) == before  # found by arXiv id, same content: nothing to do
    assert len(server.items) == 33


def test_dry_run_prints_plan_and_writes_nothing(zrun, server, zenv):
    res = zrun("zotero", "push", "--dry-run")
    assert res.exit_code == 0, res.stderr
    assert server.writes() == []
    assert not (zenv / ".difbib-zotero.json").exists()
    lines = res.stdout.splitlines()
    assert sum(line.startswith("create     collection") for line in lines) == 9
    assert sum(line.split()[0] == "create" and "arXiv:" in line for line in lines) == 33
    assert "labs2025flux  arXiv:2506.15742" in res.stdout


def test_selection_pushes_only_selected_papers(zrun, server):
    res = zrun("zotero", "push", "--category", "rl")
    assert res.exit_code == 0, res.stderr
    names = {c["data"]["name"] for c in server.collections.values()}
    assert 0 < len(server.items) < 33
    used = set()
    for item in server.items.values():
        tags = {t["tag"] for t in item["data"]["tags"]}
        assert "Reinforcement Learning" in tags
        used |= tags & set(HEADINGS)
    # only the categories of the selected papers (a paper in two sits in both)
    assert names == {PARENT} | used and len(names) < 9


def test_group_library(zenv):
    with ZoteroServer(api_key=KEY, library_type="group", library_id="77") as srv:
        run = Run({"ZOTERO_API_KEY": KEY, "ZOTERO_API_URL": srv.url})
        res = run("zotero", "push", "--zotero-type", "group", "--zotero-id", "77", "-k",
                  "labs2025flux")  # fmt: skip
        assert res.exit_code == 0, res.stderr
        assert len(srv.items) == 1
        assert all(path.startswith("/groups/77/") for _, path, _, _ in srv.log)


def test_old_library_id_spellings_still_work_with_a_warning(zenv):
    with ZoteroServer(api_key=KEY, library_type="group", library_id="77") as srv:
        run = Run({"ZOTERO_API_KEY": KEY, "ZOTERO_API_URL": srv.url})
        res = run("zotero", "push", "--library-type", "group", "--library-id", "77", "-k",
                  "labs2025flux")  # fmt: skip
        assert res.exit_code == 0, res.stderr
        assert "warning: --library-id is deprecated; use --zotero-id" in res.stderr
        assert len(srv.items) == 1 and srv.log[-1][1].startswith("/groups/77/")


@pytest.mark.parametrize("eprint", ["arXiv:2506.15742", "2506.15742v2"])
def test_a_hand_written_eprint_finds_the_same_item(zrun, server, zenv, eprint):
    """No duplicate item (and no 'arXiv:arXiv:' archive ID) for a hand-edited eprint."""
    assert zrun("zotero", "push", "-k", "labs2025flux").exit_code == 0
    edit_library_title(zenv, "eprint        = {2506.15742},", f"eprint = {{{eprint}}},")
    res = zrun("zotero", "push", "-k", "labs2025flux")
    assert res.exit_code == 0, res.stderr
    [item] = server.items.values()
    assert item["data"]["archiveID"] == "arXiv:2506.15742"


# -- changes and conflicts -------------------------------------------------------------------


def edit_library_title(root: Path, old: str, new: str) -> None:
    path = root / "library.bib"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_changed_paper_updates_its_item_and_keeps_personal_tags(zrun, server, zenv):
    assert zrun("zotero", "push").exit_code == 0
    item = server.item_by_archive_id("arXiv:2506.15742")
    # A personal tag added in Zotero is not a field difbib owns: it must survive.
    server.edit_item(item["key"], tags=item["data"]["tags"] + [{"tag": "to-read"}])
    version = item["version"]
    edit_library_title(zenv, "{FLUX.1 Kontext}: Flow Matching", "{FLUX.1 Kontext}: Flow-Matching")
    res = zrun("zotero", "push")
    assert res.exit_code == 0, res.stderr
    assert "1 updated" in res.stderr and "32 unchanged" in res.stderr
    assert server.writes()[-1][1].endswith("/items")
    now = server.items[item["key"]]
    assert now["data"]["title"].startswith("FLUX.1 Kontext: Flow-Matching")
    assert {"tag": "to-read"} in now["data"]["tags"]
    assert now["version"] > version
    assert len(server.items) == 33


def test_update_sends_item_version(zenv, server):
    """The update carries the version read, so a concurrent edit fails with 412."""
    settings = ZoteroSettings(api_key=KEY, library_type="user", library_id="4242",
                              api_url=server.url)  # fmt: skip
    library = shipped_library(zenv)
    state = zenv / "state.json"
    cats = [c.heading for c in library.categories]
    push(ZoteroClient(settings), library.papers, parent_name=PARENT, category_order=cats,
         state_path=state)  # fmt: skip
    edit_library_title(zenv, "{FLUX.1 Kontext}: Flow Matching", "{FLUX.1 Kontext}: Flow-Matching")
    library = shipped_library(zenv)
    item = server.item_by_archive_id("arXiv:2506.15742")

    class EditsInBetween(ZoteroClient):
        """Someone edits the item in Zotero just before difbib's write arrives."""

        def write(self, path, objects):
            if path == "items":
                sent = [o for o in objects if o.get("key") == item["key"]]
                assert sent and sent[0]["version"] == item["version"]
                server.edit_item(item["key"], title="Renamed in Zotero meanwhile")
            return super().write(path, objects)

    report = push(EditsInBetween(settings), library.papers, parent_name=PARENT,
                  category_order=cats, state_path=state)  # fmt: skip
    assert [a.paper.key for a in report.actions if a.kind == "conflict"] == ["labs2025flux"]
    assert server.items[item["key"]]["data"]["title"] == "Renamed in Zotero meanwhile"


def test_item_edited_in_zotero_is_a_conflict_until_forced(zrun, server, zenv):
    assert zrun("zotero", "push").exit_code == 0
    item = server.item_by_archive_id("arXiv:2506.15742")
    server.edit_item(item["key"], title="My own title")
    before = len(item_writes(server))
    res = zrun("zotero", "push")
    assert res.exit_code == 4
    assert len(item_writes(server)) == before  # not overwritten
    assert server.items[item["key"]]["data"]["title"] == "My own title"
    conflict = [line for line in res.stderr.splitlines() if line.startswith("conflict:")]
    assert len(conflict) == 1
    assert "labs2025flux" in conflict[0] and "--force" in conflict[0]
    dry = zrun("zotero", "push", "--dry-run")
    assert "conflict   labs2025flux" in dry.stdout
    res = zrun("zotero", "push", "--force")
    assert res.exit_code == 0, res.stderr
    assert server.items[item["key"]]["data"]["title"].startswith("FLUX.1 Kontext")
    assert len(server.items) == 33
    no_leak(res, zenv)


def test_paper_moved_to_another_category_moves_its_item(zrun, server, zenv):
    assert zrun("zotero", "push").exit_code == 0
    # As 'difbib sync' writes it when the list moves FLUX.1 Kontext to Image Editing:
    lib = zenv / "library.bib"
    bib = lib.read_text(encoding="utf-8")
    start = bib.index("@misc{labs2025flux,")
    end = bib.index("\n}\n", start)
    entry = bib[start:end]
    assert "keywords      = {Milestone Models}," in entry
    moved = entry.replace("{Milestone Models}", "{Image Editing}")
    lib.write_text(bib[:start] + moved + bib[end:])
    res = zrun("zotero", "push")
    assert res.exit_code == 0, res.stderr
    assert "1 updated" in res.stderr
    data = server.item_by_archive_id("arXiv:2506.15742")["data"]
    names = {server.collections[k]["data"]["name"] for k in data["collections"]}
    assert names == {"Image Editing"}
    assert {t["tag"] for t in data["tags"]} == {"Image Editing", "rating:5"}


def test_creators_keep_particles_and_group_names():
    from difbib.zotero.push import creators

    assert creators("Ludwig van Beethoven and {Z-Image Team} and Kaiming") == [
        {"creatorType": "author", "firstName": "Ludwig", "lastName": "van Beethoven"},
        {"creatorType": "author", "name": "Z-Image Team"},
        {"creatorType": "author", "name": "Kaiming"},
    ]


# -- faults --------------------------------------------------------------------------------


def test_throttling_is_waited_out(zenv, server):
    """429 with Retry-After and a Backoff header: the waits asked for are the waits made."""
    settings = ZoteroSettings(api_key=KEY, library_type="user", library_id="4242",
                              api_url=server.url)  # fmt: skip
    waits: list[float] = []
    client = ZoteroClient(settings, sleep=waits.append, clock=lambda: 1000.0)
    server.retry_after = "7"
    server.backoff = "5"
    server.faults_on["POST", "items"] = ["429", "429"]
    server.faults_on["GET", "items/top"] = ["backoff"]
    library = shipped_library(zenv)
    report = push(client, library.papers, parent_name=PARENT,
                  category_order=[c.heading for c in library.categories],
                  state_path=zenv / "state.json")  # fmt: skip
    assert report.count("created") == 33
    assert waits == [5.0, 7.0, 7.0]
    assert [m for m, p, _, _ in server.log if p.endswith("/items")] == ["POST"] * 3
    assert len(server.items) == 33


def test_cli_waits_out_503(zrun, server):
    server.faults_on["GET", "collections"] = ["503"]  # Retry-After: 1
    res = zrun("zotero", "push", "-k", "labs2025flux")
    assert res.exit_code == 0, res.stderr
    assert "Zotero: HTTP 503; retrying in 1s" in res.stderr
    assert len(server.items) == 1


def client_for(server, **kw) -> tuple[ZoteroClient, list[float]]:
    settings = ZoteroSettings(api_key=KEY, library_type="user", library_id="4242",
                              api_url=server.url)  # fmt: skip
    waits: list[float] = []
    return ZoteroClient(settings, sleep=waits.append, clock=lambda: 1000.0, **kw), waits


def test_a_locked_library_is_retried_with_doubling_backoff_then_given_up(server):
    """409 carries no Retry-After: 1 s, 2 s, ...; after the last try, one clear error."""
    client, waits = client_for(server, max_retries=2)
    server.faults_on["GET", "collections"] = ["409", "409"]
    assert client.get_all("collections") == []
    assert waits == [1.0, 2.0] and client.requests_made == 3
    server.faults_on["GET", "collections"] = ["409"] * 3
    with pytest.raises(ZoteroError, match=r"did not answer after 3 tries \(HTTP 409"):
        client.get_all("collections")
    assert waits == [1.0, 2.0, 1.0, 2.0]
    assert [p for m, p, _, _ in server.log].count("/users/4242/collections") == 6


def test_a_silent_zotero_times_out(server):
    client, waits = client_for(server, timeout=0.2, max_retries=1)
    server.faults += ["hang", "hang"]
    with pytest.raises(ZoteroError, match=r"after 2 tries \(timed out\)"):
        client.get_all("collections")
    assert len(server.log) == 2 and waits == [1.0]


@pytest.mark.parametrize("how", ["option", "env"])
def test_push_timeout_option(zrun, server, how):
    server.faults_on["GET", "collections"] = ["hang"]  # 1 s of silence, once
    args, env = (["--timeout", "0.2"], {}) if how == "option" else (
        [], {"DIFBIB_ZOTERO_TIMEOUT": "0.2"})  # fmt: skip
    res = zrun("zotero", "push", "-k", "labs2025flux", *args, env=env)
    assert res.exit_code == 0, res.stderr
    assert "Zotero: timed out; retrying in 1s" in res.stderr
    assert len(server.items) == 1


def test_nothing_listening_fails_at_once_without_waiting(server):
    closed = ZoteroServer(api_key=KEY)  # bound, never started, then closed
    closed.httpd.server_close()
    client, waits = client_for(closed)
    with pytest.raises(ZoteroError, match="cannot connect to the Zotero API .*connection refused"):
        client.get_all("collections")
    assert waits == [] and client.requests_made == 1


def test_lost_answer_is_retried_without_duplicates(zrun, server):
    server.faults_on["POST", "items"] = ["drop"]  # done, but the answer never comes
    res = zrun("zotero", "push")
    assert res.exit_code == 0, res.stderr
    assert len(server.items) == 33
    tokens = [h.get("Zotero-Write-Token") for m, p, _, h in server.log if m == "POST"
              and p.endswith("/items")]  # fmt: skip
    assert len(tokens) == 2 and tokens[0] == tokens[1] and re.fullmatch(r"[0-9a-f]{32}", tokens[0])
    assert "33 item(s) created" in res.stderr
    again = zrun("zotero", "push")
    assert "33 unchanged" in again.stderr


def test_failed_object_does_not_stop_the_rest(zrun, server, zenv):
    server.fail_archive_ids = {"arXiv:2506.15742"}
    res = zrun("zotero", "push")
    assert res.exit_code == 4
    assert len(server.items) == 32
    failed = [line for line in res.stderr.splitlines() if line.startswith("failed:")]
    assert failed == ["failed: labs2025flux (arXiv:2506.15742): HTTP 500: An error occurred"]
    assert "32 item(s) created" in res.stderr
    server.fail_archive_ids = set()
    res = zrun("zotero", "push")
    assert res.exit_code == 0, res.stderr
    assert "1 item(s) created" in res.stderr and "32 unchanged" in res.stderr
    assert len(server.items) == 33


def test_batches_of_fifty_and_paged_reads(zenv, server):
    """120 papers: three writes of at most 50 (the server refuses more), reads in pages."""
    blocks = []
    for n in range(120):
        aid = f"2401.{10000 + n}"
        blocks.append(
            bibtex.make_entry(
                f"author2024paper{n}",
                {
                    "author": f"Ada Author{n} and {{Some Lab}}",
                    "title": f"Paper {n}",
                    "year": "2024",
                    "eprint": aid,
                    "keywords": "Milestone Models",
                },
            )  # fmt: skip
        )
    (zenv / "big.bib").write_text(bibtex.write_bib(blocks), encoding="utf-8")
    library = Library.load(zenv / "big.bib", zenv / "papers.md")
    settings = ZoteroSettings(api_key=KEY, library_type="user", library_id="4242",
                              api_url=server.url)  # fmt: skip
    args = dict(parent_name="Big", category_order=["Milestone Models"],
                state_path=zenv / "state.json")  # fmt: skip
    report = push(ZoteroClient(settings), library.papers, **args)
    assert report.count("created") == 120 and not report.failed
    assert len(item_writes(server)) == 3
    (zenv / "state.json").unlink()
    client = ZoteroClient(settings)
    report = push(client, library.papers, **args)
    assert report.count("unchanged") == 120 and client.writes_made == 0
    pages = [q for m, p, q, _ in server.log if p.endswith("/items/top")]
    assert [q["start"] for q in pages[-2:]] == [["0"], ["100"]]
    assert len(server.items) == 120


# -- settings, errors and the key ---------------------------------------------------------------


def test_key_from_config_file(zenv, server):
    config = zenv / "config" / "difbib" / "zotero.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'api_key = "{KEY}"\nlibrary_id = "4242"\napi_url = "{server.url}"\n')
    config.chmod(0o644)
    res = Run()("zotero", "push", "-k", "labs2025flux")
    assert res.exit_code == 0, res.stderr
    assert "others can read it" in res.stderr  # the key file should be private
    config.chmod(0o600)
    res = Run()("zotero", "push", "-k", "labs2025flux")
    assert "others can read it" not in res.stderr
    no_leak(res, zenv)


@pytest.mark.parametrize(
    "env, args, message",
    [
        ({}, [], "no Zotero API key: set ZOTERO_API_KEY"),
        ({"ZOTERO_API_KEY": KEY}, [], "no Zotero library id"),
        ({"ZOTERO_API_KEY": KEY + "\n x"}, ["--zotero-id", "1"], "API key is malformed"),
        ({"ZOTERO_API_KEY": KEY}, ["--zotero-id", "abc"], "is not a number"),
        ({"ZOTERO_API_KEY": KEY}, ["--zotero-id", "1", "--api-url", "ftp://x"], "not an http"),
    ],
)
def test_settings_errors_are_one_line(zenv, env, args, message):
    res = Run(env)("zotero", "push", *args)
    assert res.exit_code == 1
    assert res.stderr.startswith("error: ") and message in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    no_leak(res, zenv)


def test_wrong_key_is_refused_without_showing_it(zenv, server):
    wrong = "WrongKeyCanary5555555555"
    res = Run({"ZOTERO_API_KEY": wrong, "ZOTERO_LIBRARY_ID": "4242", "ZOTERO_API_URL": server.url})(
        "zotero", "push"
    )
    assert res.exit_code == 1
    assert "HTTP 403" in res.stderr and "ZOTERO_API_KEY" in res.stderr
    assert wrong not in res.stdout + res.stderr
    assert len(res.stderr.strip().splitlines()) <= 3


def test_wrong_library_and_unreachable_server(zenv, server):
    env = {"ZOTERO_API_KEY": KEY, "ZOTERO_API_URL": server.url}
    res = Run(env)("zotero", "push", "--zotero-id", "999")
    assert res.exit_code == 1 and "users/999" in res.stderr
    no_leak(res)
    closed = ZoteroServer(api_key=KEY)  # bound, never started, then closed: nothing listens
    url = closed.url
    closed.httpd.server_close()
    res = Run({**env, "ZOTERO_API_URL": url})("zotero", "push", "--zotero-id", "4242")
    assert res.exit_code == 1
    assert res.stderr.splitlines()[-1].startswith("error: cannot connect to the Zotero API")
    no_leak(res)


def test_key_never_in_state_or_requests_urls(zrun, server, zenv):
    assert zrun("zotero", "push").exit_code == 0
    state = json.loads((zenv / ".difbib-zotero.json").read_text())
    assert KEY not in json.dumps(state)
    for _, path, query, headers in server.log:
        assert KEY not in path and KEY not in json.dumps(query)
        assert headers["Zotero-API-Key"] == KEY  # sent in the header only


def test_server_messages_are_scrubbed_of_the_key(zrun, server):
    """Even a server that echoes the key back does not get it printed."""
    server.fail_archive_ids = {"arXiv:2506.15742"}
    original = server._post

    def echoing(path, headers, body):
        status, hdrs, payload = original(path, headers, body)
        for info in payload.get("failed", {}).values() if isinstance(payload, dict) else []:
            info["message"] = f"bad key {KEY}"
        return status, hdrs, payload

    server._post = echoing
    res = zrun("zotero", "push")
    assert res.exit_code == 4
    assert "bad key <api key>" in res.stderr
    no_leak(res)


@pytest.mark.parametrize(
    "tex, text",
    [
        ("{FLUX}.1 Kontext", "FLUX.1 Kontext"),
        (r"a 2$\times$ speed-up for 63\% of {SANA-Sprint}", "a 2× speed-up for 63% of SANA-Sprint"),
        ("plain words\n  wrapped", "plain words wrapped"),
        (r"Jonas M{\"u}ller", "Jonas Müller"),
    ],
)
def test_tex_values_become_plain_text(tex, text):
    from difbib.library.latex import tex_to_text

    assert tex_to_text(tex) == text


def test_item_saved_from_the_web_is_matched_not_duplicated(zrun, server):
    """A paper already saved with the Zotero Connector (as a journal article, with
    its own URL form and notes in Extra) is a conflict, not a second item; --force
    makes it difbib's preprint and keeps Extra and personal tags."""
    server.items["WEBITEM1"] = {
        "key": "WEBITEM1",
        "version": 1,
        "data": {
            "key": "WEBITEM1",
            "version": 1,
            "itemType": "journalArticle",
            "title": "FLUX.1 Kontext",
            "publicationTitle": "arXiv preprint",
            "url": "http://arxiv.org/abs/2506.15742v1",
            "extra": "my reading notes",
            "creators": [],
            "tags": [{"tag": "to-read"}],
            "collections": [],
            "relations": {},
        },
    }
    server.version = 1
    res = zrun("zotero", "push")
    assert res.exit_code == 4
    assert "conflict: labs2025flux" in res.stderr
    assert len(server.items) == 33  # 32 created + the one already there
    res = zrun("zotero", "push", "--force")
    assert res.exit_code == 0, res.stderr
    data = server.items["WEBITEM1"]["data"]
    assert data["itemType"] == "preprint" and "publicationTitle" not in data
    assert data["extra"] == "my reading notes"
    assert {"tag": "to-read"} in data["tags"]
    assert data["archiveID"] == "arXiv:2506.15742"
    assert len(server.items) == 33


def test_broken_config_file_is_one_line_without_the_key(zenv):
    config = zenv / "config" / "difbib" / "zotero.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'api_key = "{KEY}\nlibrary_id = 4242\n')  # unterminated string
    res = Run()("zotero", "push")
    assert res.exit_code == 1
    assert res.stderr.startswith("error: Zotero config") and "not valid TOML" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    no_leak(res)


# -- a state file of the wrong shape (issue 15.2) -----------------------------------------


@pytest.mark.parametrize(
    "state",
    [
        "[1, 2, 3]",
        '{"libraries": {"users/4242": "a string"}}',
        '{"libraries": {"users/4242": {"items": {"2405.14867": "a string"}}}}',
        '{"libraries": {"users/4242": {"items": {"2405.14867": {"key": 5}}}}}',
        '{"libraries": {"users/4242": {"items": [], "library_version": "7"}}}',
        '{"libraries": {"users/4242": {"items": {}, "library_version": "7"}}}',
        '{"libraries": ',
    ],
)
def test_a_state_file_of_the_wrong_shape_is_one_line_saying_delete_it(zrun, server, zenv, state):
    (zenv / ".difbib-zotero.json").write_text(state, encoding="utf-8")
    res = zrun("zotero", "push")
    assert res.exit_code == 1
    lines = res.stderr.strip().splitlines()
    assert lines[-1].startswith("error: cannot read the Zotero push state '")
    assert ".difbib-zotero.json" in lines[-1] and "delete it, which is safe" in lines[-1]
    assert "Traceback" not in res.stderr
    assert item_writes(server) == []
    assert (zenv / ".difbib-zotero.json").read_text(encoding="utf-8") == state


def test_a_push_keeps_what_another_push_saved_in_the_state_meanwhile(zrun, server, zenv):
    """The state is merged under its lock: another library's record survives a push."""
    from difbib.zotero.push import PushState

    path = zenv / ".difbib-zotero.json"
    other = PushState(path, "https://example.org/users/1")
    assert zrun("zotero", "push", "-c", "rl").exit_code == 0
    other.record("2405.14867", "ABCD1234", 3, "z", "l")
    other.save(9)  # written after the push loaded (and saved) the file
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["libraries"]["https://example.org/users/1"]["library_version"] == 9
    pushed = [lib for name, lib in doc["libraries"].items() if "example.org" not in name]
    assert len(pushed) == 1 and pushed[0]["items"]


# -- published versions (issue 9; the item mapping is issue 14's) ---------------------------


def test_published_papers_change_their_items_type_in_place(zrun, server, zenv):
    from tests.helpers import as_preprints

    library = zenv / "library.bib"
    published = library.read_text(encoding="utf-8")
    as_preprints(library)
    assert zrun("zotero", "push").exit_code == 0
    item = server.item_by_archive_id("arXiv:2311.18828")
    server.edit_item(item["key"], tags=item["data"]["tags"] + [{"tag": "to-read"}])
    collections = list(server.items[item["key"]]["data"]["collections"])
    library.write_text(published, encoding="utf-8")
    res = zrun("zotero", "push")
    assert res.exit_code == 0, res.stderr
    assert len(server.items) == 33  # changed in place: no duplicates
    types = [i["data"]["itemType"] for i in server.items.values()]
    assert types.count("conferencePaper") == 20 and types.count("preprint") == 13
    now = server.items[item["key"]]["data"]
    assert now["proceedingsTitle"] == (
        "Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition"
    )
    assert {"tag": "to-read"} in now["tags"] and now["collections"] == collections


def publish(root: Path, key: str, venue: str) -> None:
    """Turn a preprint of library.bib into an @inproceedings by hand, as a user would."""
    path = root / "library.bib"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        f"@misc{{{key},", f"@inproceedings{{{key},\n  booktitle = {{{venue}}},\n  pages = {{1--9}},"
    )
    path.write_text(text, encoding="utf-8")


def test_published_paper_changes_its_item_type_in_place(zrun, server, zenv):
    assert zrun("zotero", "push").exit_code == 0
    before = server.item_by_archive_id("arXiv:2412.09611")  # a preprint in the library
    server.edit_item(before["key"], extra="my notes")
    server.items[before["key"]]["data"]["tags"].append({"tag": "to-read"})
    publish(zenv, "dalva2024fluxspace", "International Conference on Learning Representations")
    res = zrun("zotero", "push", "--force")
    assert res.exit_code == 0, res.stderr
    assert len(server.items) == 33  # changed in place, no duplicate
    data = server.items[before["key"]]["data"]
    assert data["itemType"] == "conferencePaper"
    assert data["proceedingsTitle"] == "International Conference on Learning Representations"
    assert data["pages"] == "1-9" and "archiveID" not in data and "repository" not in data
    assert data["extra"] == "my notes" and {"tag": "to-read"} in data["tags"]
    # and a push after that is in step
    assert zrun("zotero", "push").exit_code == 0
    assert len(item_writes(server)) == 2


@pytest.mark.parametrize(
    "obj, message",
    [
        ({"itemType": "paper", "title": "x"}, "Unknown item type 'paper'"),
        ({"itemType": "conferencePaper", "publicationTitle": "x"},
         "'publicationTitle' is not a valid field for type 'conferencePaper'"),
        ({"itemType": "thesis", "creators": [{"creatorType": "editor", "name": "E"}]},
         "'editor' is not a valid creator type for item type 'thesis'"),
        ({"itemType": "preprint", "proceedingsTitle": "x"},
         "'proceedingsTitle' is not a valid field for type 'preprint'"),
    ],
)  # fmt: skip
def test_server_refuses_what_zotero_refuses(server, obj, message):
    status, _, result = server._post("items", {}, json.dumps([obj]).encode())
    assert status == 200 and result["failed"]["0"]["message"] == message


def test_hand_written_article_without_eprint_is_pushed_once(zrun, server, zenv):
    path = zenv / "library.bib"
    path.write_text(
        path.read_text(encoding="utf-8") + "\n@article{kimeldorf1970correspondence,\n"
        "  author = {Kimeldorf, G.~S. and Wahba, Grace},\n"
        "  title = {A Correspondence Between Bayesian Estimation and Smoothing by Splines},\n"
        "  journal = {The Annals of Mathematical Statistics},\n"
        "  volume = {41}, number = {2}, pages = {495--502}, year = {1970},\n"
        "  keywords = {Flow Matching Concepts},\n}\n",
        encoding="utf-8",
    )
    res = zrun("zotero", "push")
    assert res.exit_code == 0, res.stderr
    (item,) = [i["data"] for i in server.items.values() if i["data"].get("citationKey", "") ==
               "kimeldorf1970correspondence"]  # fmt: skip
    assert item["itemType"] == "journalArticle"
    assert item["publicationTitle"] == "The Annals of Mathematical Statistics"
    assert (item["volume"], item["issue"], item["pages"]) == ("41", "2", "495-502")
    assert item["creators"][0] == {"creatorType": "author", "firstName": "G. S.",
                                   "lastName": "Kimeldorf"}  # fmt: skip
    assert len(server.items) == 34
    zenv.joinpath(".difbib-zotero.json").unlink()  # even without the state file:
    res = zrun("zotero", "push", "--dry-run")
    assert "create " not in res.stdout and len(server.items) == 34
