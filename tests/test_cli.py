"""The command line's conventions: exit codes, --debug, options named alike everywhere."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from difbib.errors import ExitCode
from difbib.library.queries import Library
from tests.helpers import Run

AS_USERS_SEE_IT = {"DIFBIB_DEBUG": None}  # no --debug: what a user sees of a bug


def boom(*args, **kwargs):
    raise RuntimeError("boom")


def test_a_bug_is_one_line_that_asks_for_a_report(shipped, monkeypatch):
    monkeypatch.setattr(Library, "load", boom)
    res = Run()("list", env=AS_USERS_SEE_IT)
    assert res.exit_code == ExitCode.BUG == 70
    [line] = res.stderr.splitlines()
    assert line.startswith("error: internal error (RuntimeError: boom); this is a bug")
    assert "--debug" in line and "Traceback" not in res.stderr


def test_debug_shows_the_traceback(shipped, monkeypatch):
    monkeypatch.setattr(Library, "load", boom)
    with pytest.raises(RuntimeError, match="boom"):
        Run()("--debug", "list", env=AS_USERS_SEE_IT)


def test_user_errors_stay_one_error_line_with_exit_1(shipped):
    res = Run()("list", "--category", "quantum", env=AS_USERS_SEE_IT)
    assert res.exit_code == ExitCode.ERROR
    assert res.stderr.startswith("error: unknown category 'quantum'")


def test_format_works_when_its_cache_cannot_be_written(shipped, monkeypatch, tmp_path):
    cache = tmp_path / "cache"
    monkeypatch.setenv("DIFBIB_RENDER_CACHE_DIR", str(cache))
    real = tempfile.mkstemp

    def no_space(*args, dir=None, **kwargs):
        if dir is not None and Path(dir) == cache:
            raise OSError(28, "No space left on device")
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", no_space)
    res = Run()("format", "--style", "apa", "-k", "lipman2022flow", env=AS_USERS_SEE_IT)
    assert res.exit_code == 0, res.stderr
    assert "Flow Matching for Generative Modeling" in res.stdout
    assert not list(cache.glob("*.json"))


def test_format_writes_to_an_output_file_like_export(shipped, run):
    res = run("format", "--style", "apa", "-k", "lipman2022flow", "--to", "html", "-o", "r.html")
    assert res.exit_code == 0 and res.stdout == ""
    assert "Flow Matching for Generative Modeling" in Path("r.html").read_text(encoding="utf-8")
    res = run("format", "-o", "library.bib")
    assert res.exit_code == ExitCode.ERROR and "refusing to overwrite" in res.stderr


def test_styles_finds_project_styles_next_to_the_library_like_format(shipped, run, tmp_path):
    project = shipped / "project"
    (project / "styles").mkdir(parents=True)
    style = (Path(__file__).parent.parent / "styles" / "difbib-compact.csl").read_text("utf-8")
    style = style.replace("<title>", "<title>Our Lab ", 1)
    (project / "styles" / "our-lab.csl").write_text(style, encoding="utf-8")
    (shipped / "library.bib").rename(project / "library.bib")
    res = run("styles", "--library", "project/library.bib", "--search", "our-lab")
    assert res.exit_code == 0, res.stderr
    assert res.stdout.startswith("our-lab\t")
    res = run("format", "--library", "project/library.bib", "--style", "our-lab", "-k",
              "lipman2022flow")  # fmt: skip
    assert res.exit_code == 0, res.stderr


def test_format_choices_are_usage_errors_everywhere(shipped, run):
    for args in (["export", "--format", "docx"], ["format", "--to", "docx"]):
        res = run(*args)
        assert res.exit_code == ExitCode.USAGE, args
        assert "Invalid value" in res.stderr
    assert run("export", "--format", "RIS").exit_code == 0  # any case


def test_exit_codes_are_distinct():
    assert len({int(code) for code in ExitCode}) == len(ExitCode)


def test_readme_and_help_document_every_exit_code(run):
    import re

    from tests.helpers import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = {int(c) for c in re.findall(r"^\| (\d+) \| ", readme, re.M)}
    assert documented == {int(code) for code in ExitCode}
    help_text = " ".join(run("--help").stdout.split())
    codes = help_text.split("Exit codes:")[1].split("Options:")[0].strip()
    assert [int(c) for c in re.findall(r"(?:^|, )(\d+) ", codes)] == [int(c) for c in ExitCode]


# -- start-up ---------------------------------------------------------------------

#: What the command line must not import before a command needs it (start-up time).
HEAVY_MODULES = ("bibtexparser", "citeproc", "lxml", "arxiv", "requests")


def test_importing_the_command_line_imports_no_heavy_library():
    code = (
        "import sys, difbib.cli\n"
        f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY_MODULES)})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == []


def test_help_runs_without_the_heavy_libraries():
    code = "import sys\nfrom difbib import main\nsys.argv = ['difbib', '--help']\nmain()"
    blocker = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {HEAVY_MODULES!r}:\n"
        "            raise ImportError('imported at start-up: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
    )
    done = subprocess.run([sys.executable, "-c", blocker + code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Commands:" in done.stdout and "export" in done.stdout


def test_export_format_choices_are_the_exporters_formats(run):
    from difbib.cli import EXPORT_FORMATS
    from difbib.outputs.export import FORMATS

    assert list(EXPORT_FORMATS) == list(FORMATS)
    assert "[bibtex|biblatex|ris|csl-json]" in run("export", "--help").stdout


def test_python_dash_m_difbib_is_the_same_command(shipped):
    """``python -m difbib`` runs the CLI (for a venv that is not activated): the same
    data on stdout as the ``difbib`` script, and a bad option one error line."""
    args = ["list", "--category", "distillation"]
    script = Path(sys.executable).with_name("difbib")
    via_script = subprocess.run([script, *args], capture_output=True, text=True, check=True)
    via_module = subprocess.run(
        [sys.executable, "-m", "difbib", *args], capture_output=True, text=True
    )
    assert via_module.returncode == 0, via_module.stderr
    assert via_module.stdout == via_script.stdout and via_module.stdout.count("\n") >= 3
    bad = subprocess.run(
        [sys.executable, "-m", "difbib", "export", "--format", "nope"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
