"""The package's layout is its data flow: a module imports only from earlier stages."""

from __future__ import annotations

import ast

from tests.helpers import ROOT

PACKAGE = ROOT / "src" / "difbib"
#: The stages in data-flow order; a module may import from its own stage and earlier ones.
#: ``csl`` and ``zotero`` are siblings: both consume the library, neither the other.
STAGES = {
    "errors": 0,
    "fileio": 0,
    "userdirs": 0,
    "gcpause": 0,
    "sources": 1,
    "library": 2,
    "csl": 3,
    "zotero": 3,
    "outputs": 4,
    "project": 5,
    "cli": 6,
    "__main__": 7,  # python -m difbib: the entry point above the CLI
}


def _stage(parts: list[str]) -> str:
    return parts[0] if parts else ""


def _imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("difbib"):
                yield node.lineno, node.module.split(".")[1:], [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("difbib."):
                    yield node.lineno, alias.name.split(".")[1:], []


def test_imports_only_go_downward():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts == ["__init__"]:
            continue
        here = _stage(parts)
        for line, target, names in _imports(path):
            if not target:  # from difbib import x: x is a stage or __version__
                target = [names[0]] if names and names[0] in STAGES else []
            there = _stage(target)
            if not there:
                continue
            same_sibling = STAGES[there] == STAGES[here] > 0 and there != here
            if STAGES[there] > STAGES[here] or same_sibling:
                rel = path.relative_to(ROOT)
                wrong.append(f"{rel}:{line} imports difbib.{'.'.join(target)}")
    assert not wrong, "\n".join(wrong)


def test_every_module_belongs_to_a_stage():
    loose = [
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if _stage(list(p.relative_to(PACKAGE).with_suffix("").parts)) not in STAGES
        and p.name != "__init__.py"
    ]
    assert not loose, f"modules outside the layout: {loose}"
