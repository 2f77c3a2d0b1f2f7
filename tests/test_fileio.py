"""Writes that lose nothing: locks between real processes, symlinks written through."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from difbib.fileio import atomic_write_text, lock_path, locked
from difbib.library import bibtex
from difbib.sources.readinglist import read_list
from tests.helpers import clean_env

DIFBIB = Path(sys.executable).parent / "difbib"
#: Papers in the shipped cache that are not under Reinforcement Learning.
NOT_IN_RL = ["2506.15742", "2505.22705", "2503.09641", "2412.09611", "2205.14135"]


def start(*args: str, cwd: Path, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(DIFBIB), *args],
        cwd=cwd,
        env=clean_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def rl_ids(folder: Path) -> set[str]:
    reading = read_list(folder / "papers.md")
    return {p.arxiv_id for p in reading.papers if "Reinforcement Learning" in p.categories}


def test_concurrent_adds_all_land_in_the_list(shipped):
    """Issue 15.1: five `add`s at once, as five processes; every paper is in the list."""
    procs = [start("add", aid, "-c", "rl", "--no-sync", "--offline", cwd=shipped)
             for aid in NOT_IN_RL]  # fmt: skip
    outcomes = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    assert all(code == 0 for code, _ in outcomes), outcomes
    assert set(NOT_IN_RL) <= rl_ids(shipped)


def test_concurrent_add_and_sync_lose_nothing(shipped):
    """Adds that sync, at once: the list and the library both end with every paper."""
    procs = [start("add", aid, "-c", "rl", "--offline", "-q", cwd=shipped) for aid in NOT_IN_RL[:3]]
    outcomes = [(p.wait(timeout=180), p.stderr.read()) for p in procs]
    assert all(code == 0 for code, _ in outcomes), outcomes
    assert set(NOT_IN_RL[:3]) <= rl_ids(shipped)
    library = bibtex.read_bib(shipped / "library.bib")
    in_rl = {
        e.fields_dict["eprint"].value
        for e in library.entries
        if "Reinforcement Learning" in e.fields_dict["keywords"].value
    }
    assert set(NOT_IN_RL[:3]) <= in_rl


def test_a_writer_waits_for_the_lock_then_works_on_the_new_content(shipped):
    """While this test holds the list's lock and changes the list, `add` waits for it."""
    with locked(shipped / "papers.md"):
        proc = start("add", NOT_IN_RL[0], "-c", "rl", "--no-sync", "--offline", cwd=shipped)
        # However slow the machine, the writer says it waits before it goes on.
        said = proc.stderr.readline()
        assert "waiting (up to 60s) for another difbib process writing papers.md" in said
        assert proc.poll() is None  # still waiting
        text = (shipped / "papers.md").read_text(encoding="utf-8")
        atomic_write_text(shipped / "papers.md", text + "\nA line written under the lock.\n")
    assert proc.wait(timeout=60) == 0
    text = (shipped / "papers.md").read_text(encoding="utf-8")
    assert "A line written under the lock." in text
    assert NOT_IN_RL[0] in rl_ids(shipped)


def test_a_lock_held_too_long_is_one_error_line(shipped):
    before = (shipped / "papers.md").read_bytes()
    with locked(shipped / "papers.md"):
        proc = start(
            "add", NOT_IN_RL[0], "-c", "rl", "--no-sync", "--offline", cwd=shipped,
            DIFBIB_LOCK_TIMEOUT="0.5",
        )  # fmt: skip
        code = proc.wait(timeout=60)
    err = proc.stderr.read()
    assert code == 1
    assert err.strip().splitlines()[-1].startswith("error: ")
    assert "another difbib process" in err and "DIFBIB_LOCK_TIMEOUT" in err
    assert "Traceback" not in err
    assert (shipped / "papers.md").read_bytes() == before


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    """The OS drops the lock of a process killed with SIGKILL."""
    target = tmp_path / "library.bib"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from difbib.fileio import locked\n"
         f"with locked({str(target)!r}):\n    print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout.readline().strip() == "held"
    holder.kill()
    holder.wait()
    with locked(target, timeout=2):
        pass


def test_lock_is_reentrant_and_one_file_per_folder(tmp_path):
    with locked(tmp_path / "a.bib"), locked(tmp_path / "a.bib"), locked(tmp_path / "b.json"):
        pass
    assert lock_path(tmp_path / "a.bib") == lock_path(tmp_path / "b.json")
    assert [p.name for p in tmp_path.iterdir()] == [".difbib.lock"]


# -- symlinks ---------------------------------------------------------------------------


def test_a_symlinked_library_is_written_through_the_link(shipped):
    """Issue 15.4: the link stays a link, its target gets the new library."""
    store = shipped / "store"
    store.mkdir()
    (shipped / "library.bib").rename(store / "real.bib")
    (store / "real.bib").write_text("", encoding="utf-8")
    (shipped / "library.bib").symlink_to(Path("store") / "real.bib")
    res = subprocess.run(
        [str(DIFBIB), "sync", "--offline", "-q"], cwd=shipped, env=clean_env(),
        capture_output=True, text=True,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert (shipped / "library.bib").is_symlink()
    assert len(bibtex.read_bib(store / "real.bib").entries) == 33
    assert not list(store.glob("*.tmp"))  # no temporary left


def test_atomic_write_through_a_dangling_link_creates_the_target(tmp_path):
    (tmp_path / "out.bib").symlink_to(tmp_path / "target.bib")
    atomic_write_text(tmp_path / "out.bib", "x\n")
    assert (tmp_path / "out.bib").is_symlink()
    assert (tmp_path / "target.bib").read_text() == "x\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_not_locked_but_still_read(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "library.bib").write_text("", encoding="utf-8")
    folder.chmod(0o555)
    try:
        with locked(folder / "library.bib", timeout=1):
            pass
    finally:
        folder.chmod(0o755)


def test_rekey_waits_for_the_library_lock(shipped):
    """rekey is a read-modify-write of library.bib too: it takes the same lock."""
    before = (shipped / "library.bib").read_bytes()
    with locked(shipped / "library.bib"):
        proc = start("rekey", "cai2025hidream", "cai2025renamed", cwd=shipped,
                     DIFBIB_LOCK_TIMEOUT="0.5")  # fmt: skip
        code = proc.wait(timeout=60)
    assert code == 1
    assert "another difbib process" in proc.stderr.read()
    assert (shipped / "library.bib").read_bytes() == before
    proc = start("rekey", "cai2025hidream", "cai2025renamed", cwd=shipped)
    assert proc.wait(timeout=60) == 0, proc.stderr.read()
    assert b"@misc{cai2025renamed," in (shipped / "library.bib").read_bytes()


def test_a_derived_file_is_replaced_whole_without_waiting_for_the_disk(tmp_path, monkeypatch):
    """``durable=False`` (the render cache) skips fsync, which can take a second on a
    busy disk, and still replaces the file whole; project files are flushed."""
    flushed: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (flushed.append(fd), real(fd)))
    path = tmp_path / "cache.json"
    path.write_text("old", encoding="utf-8")
    atomic_write_text(path, "new", durable=False)
    assert path.read_text(encoding="utf-8") == "new" and flushed == []
    assert [p.name for p in tmp_path.iterdir()] == ["cache.json"]  # no temporary file left
    atomic_write_text(path, "newer")
    assert path.read_text(encoding="utf-8") == "newer" and len(flushed) == 1
