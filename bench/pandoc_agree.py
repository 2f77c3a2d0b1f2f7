"""How often difbib's CSL-JSON agrees with pandoc's on real ``.bib`` files.

    python bench/pandoc_agree.py [--diffs out.json] [--examples N] [--import-check] FILE.bib...

For each file: a copy is exported as a user would, ``difbib export --library COPY
--format csl-json`` (run in an empty folder, so no project is found), and pandoc
converts the same file (``pandoc -f bibtex -t csljson``; pandoc is the reference
here, never a dependency of difbib). Items are paired by id and, for each of issue
14's fields (type, container-title, volume, issue, page, publisher, DOI, year,
author family names) that pandoc fills, difbib agrees when the values are equal as
a reader sees them (``tests/helpers/pandoc.py`` says how they are normalised, and
which differences are pandoc's errors, excused and not counted). Prints per file:

    xampl.bib  entries difbib 41 pandoc 41  type 100.0  container 100.0 ... ALL 99.1% (220/222)

then, with ``--examples N``, the N most frequent kinds of difference with an example
each; ``--diffs`` writes every difference as JSON (``[file, id, field, pandoc,
difbib]``). pandoc stops at a block it cannot parse; that block is left out of
pandoc's input and pandoc runs again (``dropped`` counts them).

``--difbib CMD`` runs another difbib (``--difbib "env PYTHONPATH=old/src python -m
difbib"`` measures an older version). ``--import-check`` also imports each file into a
copy of the shipped project (``difbib import FILE --library library.bib``) and checks
that none of the library's papers is then there twice (same arXiv id, DOI, or normalised
title and first author).

A corpus: ``find /usr/share/texlive -name '*.bib'``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from difbib_runner import difbib_command as installed_difbib  # noqa: E402
from tests.helpers.pandoc import PandocError, ambiguous_keys, compare, pandoc_csl  # noqa: E402

SHORT = {"container-title": "container", "publisher": "publ"}


#: How to run difbib (``--difbib``): this checkout's by default.
COMMAND: list[str] = []


def difbib_command() -> list[str]:
    return COMMAND or installed_difbib()


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("DIFBIB_")}


def difbib_csl(path: Path) -> tuple[list[dict], int, str]:
    """(items, exit code, stderr) of ``difbib export --format csl-json`` on a copy."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        shutil.copyfile(path, copy)
        proc = subprocess.run(
            [*difbib_command(), "export", "--library", str(copy), "--format", "csl-json"],
            capture_output=True,
            text=True,
            cwd=tmp,
            env=clean_env(),
            check=False,
        )
    items = json.loads(proc.stdout) if proc.returncode == 0 and proc.stdout.strip() else []
    return items, proc.returncode, proc.stderr


def import_check(path: Path) -> str:
    """Import ``path`` into a copy of the shipped project; 'ok' if no paper was doubled."""
    from tests.helpers.imports import doubled

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        for name in ("library.bib", "papers.md", "arxiv-cache.json", ".difbib-sync.json",
                     "protected-terms.txt", "venues-cache.json"):  # fmt: skip
            if (ROOT / name).exists():
                shutil.copyfile(ROOT / name, project / name)
        shutil.copyfile(path, project / "import.bib")
        proc = subprocess.run(
            [*difbib_command(), "import", "import.bib", "--library", "library.bib"],
            capture_output=True,
            text=True,
            cwd=tmp,
            env=clean_env(),
            check=False,
        )
        if proc.returncode != 0:
            return f"IMPORT FAILED ({proc.returncode}): {proc.stderr.strip()[-300:]}"
        merged = sum(line.startswith("merge") for line in proc.stdout.splitlines())
        added = sum(line.startswith("add") for line in proc.stdout.splitlines())
        twice = doubled(ROOT / "library.bib", project / "library.bib")
        if twice:
            return "DOUBLED: " + "; ".join(twice)
        return f"ok, no paper doubled ({merged} merged, {added} added)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--diffs", type=Path, help="write every difference here (JSON)")
    parser.add_argument("--examples", type=int, default=0, help="kinds of difference to show")
    parser.add_argument("--import-check", action="store_true", help="import into the project")
    parser.add_argument(
        "--difbib", help="command that runs difbib (e.g. another version's 'python -m difbib')"
    )
    args = parser.parse_args()
    if args.difbib:
        COMMAND[:] = shlex.split(args.difbib)
    all_diffs: list[tuple[str, str, str, str, str | None]] = []
    worst = 100.0
    for path in args.files:
        items, code, stderr = difbib_csl(path)
        warnings = sum(line.startswith("warning:") for line in stderr.splitlines())
        if code != 0:
            print(f"{path.name:30s} DIFBIB FAILED ({code}): {stderr.strip()[-200:]}", flush=True)
            worst = 0.0
            continue
        try:
            reference, dropped = pandoc_csl(path)
        except PandocError as err:
            print(f"{path.name:30s} difbib {len(items)}; pandoc failed: {err}", flush=True)
            continue
        res = compare(items, reference, ambiguous_keys(path))
        total = res.total
        cells = "  ".join(
            f"{SHORT.get(n, n)} {c.share:5.1f}" if c.counted else f"{SHORT.get(n, n)}    - "
            for n, c in res.fields.items()
        )
        note = f" dropped {len(dropped)}" if dropped else ""
        note += f" missing {len(res.missing)}" if res.missing else ""
        note += f" ambiguous {len(res.skipped)}" if res.skipped else ""
        note += f" excused {total.excused}" if total.excused else ""
        note += f" warnings {warnings}" if warnings else ""
        print(
            f"{path.name:30s} entries difbib {len(items):5d} pandoc {len(reference):5d}  {cells}"
            f"  ALL {total.share:5.1f}% ({total.agree}/{total.counted}){note}",
            flush=True,
        )
        if reference:
            worst = min(worst, total.share)
        if args.import_check:
            print(f"{'':30s} import: {import_check(path)}", flush=True)
        if args.examples:
            for why, n in sorted(res.excuses.items(), key=lambda x: -x[1]):
                print(f"{'':30s} {n:5d} excused: {why}")
            kinds = Counter((name, _shape(b)) for _, name, _, b in res.diffs)
            for (name, shape), n in kinds.most_common(args.examples):
                key, _, a, b = next(d for d in res.diffs if d[1] == name and _shape(d[3]) == shape)
                print(f"{'':30s} {n:5d} {name}: {key}: pandoc {a!r} difbib {b!r}")
        all_diffs += [(path.name, *d) for d in res.diffs]
    print(f"{'WORST FILE':30s} {worst:5.1f}%")
    if args.diffs:
        args.diffs.write_text(json.dumps(all_diffs, indent=1, ensure_ascii=False), encoding="utf-8")


def _shape(value: str | None) -> str:
    """A coarse kind of difbib's value, to group differences: missing, or there."""
    return "missing" if value is None else "differs"


if __name__ == "__main__":
    main()
