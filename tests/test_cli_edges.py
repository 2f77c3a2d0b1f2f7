"""The command line's edges: folders for files, mistyped lists, Ctrl-C, UTF-16 lists."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import SHIPPED_LIST, clean_env, default_sigint

DIFBIB = Path(sys.executable).parent / "difbib"


@pytest.mark.parametrize(
    "args",
    [
        ["sync", "--offline", "--list", "."],
        ["list", "--list", "."],
        ["export", "--library", "."],
        ["check", "--cache", "."],
        ["export", "--aux", "."],
        ["add", "2405.14867", "-c", "rl", "--list", "."],
    ],
)
def test_a_folder_given_for_a_file_is_one_error_line(shipped, run, args):
    """Issue 15.9: not click's usage error (exit 2), one `error:` line (exit 1)."""
    res = run(*args)
    assert res.exit_code == 1, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "'.' is a folder; give a file" in lines[0]


@pytest.mark.parametrize("command", [["list"], ["categories"]])
def test_a_mistyped_list_is_an_error(shipped, run, command):
    """Issue 10, 6.4: `--list nope.md` was silently ignored by categories and list."""
    res = run(*command, "--list", "nope.md")
    assert res.exit_code == 1
    assert res.stderr.strip() == "error: reading list 'nope.md' not found (--list)"
    res = run(*command, env={"DIFBIB_LIST": "nope.md"})
    assert res.exit_code == 1


def test_the_default_list_may_be_absent(shipped, run):
    (shipped / "papers.md").unlink()
    res = run("categories")
    assert res.exit_code == 0, res.stderr
    assert "Model Distillation" in res.stdout


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_utf16_list_with_bom_is_read_and_added_to(shipped, run, encoding):
    """Issue 10, 6.5: a list saved as UTF-16 by a Windows editor; `add` keeps it UTF-16."""
    text = SHIPPED_LIST.read_text(encoding="utf-8").replace("\n", "\r\n")
    (shipped / "papers.md").write_bytes("\ufeff".encode(encoding) + text.encode(encoding))
    res = run("categories", "--json")
    assert res.exit_code == 0, res.stderr
    assert "Model Distillation" in res.stdout
    res = run("add", "2405.14867", "-c", "rl", "--offline", "--no-sync")
    assert res.exit_code == 0, res.stderr
    data = (shipped / "papers.md").read_bytes()
    assert data.startswith("\ufeff".encode(encoding))
    after = data.decode(encoding)
    assert after.startswith("\ufeff" + text[:200])
    assert "[[Paper](https://arxiv.org/abs/2405.14867)]\r\n" in after
    assert run("sync", "--offline").exit_code == 0


# -- Ctrl-C (issue 15.9) ------------------------------------------------------------------

#: Runs difbib's entry point with a Ctrl-C arriving while ``MODULE`` is imported.
INTERRUPTED_IMPORT = """
import sys

MODULE = sys.argv[1]

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == MODULE:
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, CtrlC())
sys.argv[1:] = ["format", "--style", "apa"]
from difbib import main
main()
"""


@pytest.mark.parametrize("module", ["click", "bibtexparser", "pylatexenc", "citeproc"])
def test_ctrl_c_while_the_modules_load_is_one_line(shipped, module):
    """The entry point catches a Ctrl-C that lands while the CLI's modules import."""
    env = clean_env()
    res = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_IMPORT, module],
        cwd=shipped, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "Traceback" not in res.stderr
    assert res.stderr.strip() == "difbib: interrupted"
    assert res.returncode == 130


def test_ctrl_c_while_waiting_for_arxiv_is_one_line(project, arxiv_server):
    """A real SIGINT while a sync waits for a silent arXiv: one line, exit 130."""
    arxiv_server.faults.extend(["hang"] * 5)
    env = clean_env()
    env.update(DIFBIB_ARXIV_URL=arxiv_server.url, DIFBIB_ARXIV_DELAY="0")
    proc = subprocess.Popen(
        [str(DIFBIB), "sync"], cwd=project, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not arxiv_server.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    assert arxiv_server.requests, "difbib never asked arXiv"
    proc.send_signal(signal.SIGINT)
    err = proc.stderr.read()
    assert proc.wait(timeout=30) == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == "difbib: interrupted"
    assert not (project / "library.bib").exists()
