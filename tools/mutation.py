"""Mutation testing for difbib's core rules: does the test suite notice a wrong rule?

Usage (from the repository root, with the test extra installed)::

    .venv/bin/python tools/mutation.py              # every target
    .venv/bin/python tools/mutation.py ids keys     # some targets
    .venv/bin/python tools/mutation.py --list       # the targets and their tests

For each named function of a target, the runner makes *mutants*: copies of the
function with one small change a programmer could make by mistake (``<`` for ``<=``,
``and`` for ``or``, a negated condition, a changed constant, a removed statement,
``None`` returned). Each mutant runs against the target's fast unit tests (no TeX,
browser or node tests); a mutant is *killed* when a test fails, and *survives* when
all pass. The score is killed / total, per target and overall; survivors are printed
with their line, so a reader can add the test that kills them or judge them
equivalent (a change no input can notice).

How it runs: the modules and tests are imported once; for each mutant the process
forks, the child swaps the function's code object for the mutant's (so every
``from ... import f`` sees it) and runs ``pytest.main`` on the target's tests with
``-x``; a child that runs longer than ``--timeout`` seconds counts as killed.

Why not mutmut: mutmut 3 mutates whole files (most mutants would lie outside the
rules under test) and copies the tree into ``mutants/`` before each run; this small
runner mutates only the named functions and needs no extra dependency.
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib
import inspect
import os
import signal
import sys
import textwrap
import time
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Target:
    """A group of functions (``module:qualname``) and the tests that must guard them."""

    name: str
    functions: tuple[str, ...]
    tests: tuple[str, ...]


TARGETS = (
    Target(
        "ids",
        (
            "difbib.sources.ids:parse_arxiv_id",
            "difbib.sources.ids:is_arxiv_id",
            "difbib.sources.ids:arxiv_id_from_url",
            "difbib.sources.ids:arxiv_ids_in_text",
            "difbib.sources.ids:eprint_arxiv_id",
        ),
        ("tests/sources/test_ids.py",),
    ),
    Target(
        "keys",
        (
            "difbib.library.bibtex:_first_run",
            "difbib.library.bibtex:name_parts",
            "difbib.library.bibtex:family_name",
            "difbib.library.bibtex:scholar_key",
            "difbib.library.bibtex:base_key",
            "difbib.library.bibtex:unique_key",
        ),
        ("tests/library/test_keys.py", "tests/library/test_latex.py"),
    ),
    Target(
        "protection",
        (
            "difbib.library.latex:_part_needs_protection",
            "difbib.library.latex:_protect_word",
            "difbib.library.latex:_protect_phrases",
            "difbib.library.latex:protect_capitals",
            "difbib.library.latex:_protect_capitals",
            "difbib.library.latex:_no_term_in",
        ),
        ("tests/library/test_latex.py", "tests/library/test_protection.py"),
    ),
    Target(
        "merge",
        ("difbib.library.sync:merge_entry",),
        ("tests/library/test_merge.py", "tests/library/test_sync_state.py"),
    ),
    Target(
        "selection",
        (
            "difbib.library.queries:Selection.__post_init__",
            "difbib.library.queries:Library.select",
            "difbib.library.queries:Library._cited",
            "difbib.library.queries:Library.category",
        ),
        ("tests/library/test_queries.py", "tests/library/test_selection.py"),
    ),
    Target(
        "zotero-plan",
        (
            "difbib.zotero.push:arxiv_id_of",
            "difbib.zotero.push:Ownership.view",
            "difbib.zotero.push:Ownership.merge",
            "difbib.zotero.push:_decide",
        ),
        ("tests/zotero/test_plan.py",),
    ),
)


# -- mutation operators ----------------------------------------------------------------

_SWAP: dict[type, type] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult,
    ast.Div: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.And: ast.Or,
    ast.Or: ast.And,
}


@dataclass
class Mutant:
    """One change to one function: where, what, and how to apply it to a fresh tree."""

    function: str
    line: int
    what: str
    apply: Callable[[ast.AST], None] = field(repr=False)


def _path_to(root: ast.AST, node: ast.AST) -> list[tuple[str, int | None]]:
    """The (field, index) steps from ``root`` to ``node``, to find it again in a copy."""
    for name, value in ast.iter_fields(root):
        children = value if isinstance(value, list) else [value]
        for i, child in enumerate(children):
            if child is node:
                return [(name, i if isinstance(value, list) else None)]
            if isinstance(child, ast.AST):
                sub = _path_to(child, node)
                if sub:
                    return [(name, i if isinstance(value, list) else None), *sub]
    return []


def _follow(root: ast.AST, path: list[tuple[str, int | None]]) -> ast.AST:
    node = root
    for name, i in path:
        value = getattr(node, name)
        node = value[i] if i is not None else value
    return node


def _constant_variants(value: object) -> list[tuple[object, str]]:
    if isinstance(value, bool):
        return [(not value, f"{value} -> {not value}")]
    if isinstance(value, int):
        return [(value + 1, f"{value} -> {value + 1}")] + (
            [(0, f"{value} -> 0")] if value not in (0, 1) else []
        )
    if isinstance(value, str):
        if value == "":
            return [("X", "'' -> 'X'")]
        return [("XX" + value + "XX", f"{value!r} -> 'XX…XX'")]
    return []


def mutants_of(func_node: ast.FunctionDef, qualname: str) -> Iterator[Mutant]:
    """The mutants of one function, each applied to a copy of the function's node."""
    body_nodes = [n for stmt in func_node.body for n in ast.walk(stmt)]
    # Message texts (f-string parts) are not rules: leave them alone.
    in_fstrings = {
        id(sub) for n in body_nodes if isinstance(n, ast.JoinedStr) for sub in ast.walk(n)
    }
    body_nodes = [n for n in body_nodes if id(n) not in in_fstrings]
    docstring = (
        func_node.body[0]
        if func_node.body
        and isinstance(func_node.body[0], ast.Expr)
        and isinstance(func_node.body[0].value, ast.Constant)
        else None
    )

    def at(node: ast.AST, what: str, change: Callable[[ast.AST], None]) -> Mutant:
        path = _path_to(func_node, node)

        def apply(copy_root: ast.AST) -> None:
            change(_follow(copy_root, path))

        return Mutant(qualname, getattr(node, "lineno", func_node.lineno), what, apply)

    for node in body_nodes:
        if docstring is not None and node is docstring.value:
            continue
        line_node = node
        if isinstance(node, ast.BinOp) and type(node.op) in _SWAP:
            new = _SWAP[type(node.op)]
            yield at(
                line_node,
                f"{type(node.op).__name__} -> {new.__name__}",
                lambda n, new=new: setattr(n, "op", new()),
            )
        elif isinstance(node, ast.BoolOp):
            new = _SWAP[type(node.op)]
            yield at(
                node,
                f"{type(node.op).__name__} -> {new.__name__}",
                lambda n, new=new: setattr(n, "op", new()),
            )
        elif isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in _SWAP:
                    new = _SWAP[type(op)]

                    def swap(n: ast.AST, i: int = i, new: type = new) -> None:
                        n.ops[i] = new()  # type: ignore[attr-defined]

                    yield at(node, f"{type(op).__name__} -> {new.__name__}", swap)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield at(node, "not x -> x", lambda n: setattr(n, "op", ast.UAdd()))
        elif isinstance(node, ast.Constant) and not isinstance(node.value, bytes):
            for value, what in _constant_variants(node.value):
                yield at(node, what, lambda n, value=value: setattr(n, "value", value))
        if isinstance(node, ast.If | ast.While | ast.IfExp):
            yield at(
                node,
                f"negate {type(node).__name__.lower()} condition",
                lambda n: setattr(n, "test", ast.UnaryOp(op=ast.Not(), operand=n.test)),
            )
        if isinstance(node, ast.comprehension) and node.ifs:
            m = at(node, "drop comprehension filter", lambda n: setattr(n, "ifs", n.ifs[1:]))
            m.line = node.ifs[0].lineno
            yield m
        if (
            isinstance(node, ast.Return)
            and node.value is not None
            and not (isinstance(node.value, ast.Constant) and node.value.value is None)
        ):
            yield at(node, "return None", lambda n: setattr(n, "value", ast.Constant(None)))
        # removed statements: each statement of a nested block becomes ``pass``
        for name in ("body", "orelse"):
            block = getattr(node, name, None)
            if isinstance(block, list) and isinstance(node, ast.stmt | ast.FunctionDef):
                for i, stmt in enumerate(block):
                    if stmt is docstring or isinstance(stmt, ast.Pass):
                        continue

                    def remove(n: ast.AST, name: str = name, i: int = i) -> None:
                        getattr(n, name)[i] = ast.Pass()

                    yield at(node, f"remove statement at line {stmt.lineno}", remove)
    for i, stmt in enumerate(func_node.body):
        if stmt is docstring:
            continue

        def remove_top(n: ast.AST, i: int = i) -> None:
            n.body[i] = ast.Pass()  # type: ignore[attr-defined]

        m = at(func_node, f"remove statement at line {stmt.lineno}", remove_top)
        m.line = stmt.lineno
        yield m


# -- running -----------------------------------------------------------------------------


def _resolve(spec: str) -> tuple[types.ModuleType, list[str], types.FunctionType]:
    module_name, qualname = spec.split(":")
    module = importlib.import_module(module_name)
    obj: object = module
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return module, qualname.split("."), obj  # type: ignore[return-value]


def _function_source(func: types.FunctionType) -> tuple[ast.FunctionDef, int]:
    lines, start = inspect.getsourcelines(func)
    tree = ast.parse(textwrap.dedent("".join(lines)))
    node = tree.body[0]
    assert isinstance(node, ast.FunctionDef)
    ast.increment_lineno(tree, start - 1)
    return node, start


def _compile(node: ast.FunctionDef, func: types.FunctionType) -> types.CodeType:
    """The code object of a (mutated) function node, with the original's filename."""
    # Compile the def inside a wrapper that declares the original's free variables, so
    # the code object has the same closure layout (methods using super() have __class__).
    freevars = func.__code__.co_freevars
    inner: ast.stmt = node
    if freevars:
        wrapper = ast.FunctionDef(
            name="_wrapper",
            args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]),
            body=[
                *(
                    ast.Assign(targets=[ast.Name(v, ast.Store())], value=ast.Constant(None))
                    for v in freevars
                ),
                node,
            ],
            decorator_list=[],
            returns=None,
            **({"type_params": []} if sys.version_info >= (3, 12) else {}),
        )
        inner = wrapper
    module = ast.Module(body=[inner], type_ignores=[])
    ast.fix_missing_locations(module)
    code = compile(module, func.__code__.co_filename, "exec")
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            if const.co_name == node.name:
                return const
            for sub in const.co_consts:
                if isinstance(sub, types.CodeType) and sub.co_name == node.name:
                    return sub
    raise RuntimeError(f"no code for {node.name}")


def _run_child(
    func: types.FunctionType | None, code: types.CodeType | None, tests: list[str], timeout: float
) -> str:
    """Fork, swap in ``code``, run the tests: 'killed', 'survived' or 'timeout'."""
    import pytest

    pid = os.fork()
    if pid == 0:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            if func is not None and code is not None:
                func.__code__ = code
            rc = pytest.main(
                [*tests, "-x", "-q", "-p", "no:cacheprovider", "-m", "not tex and not browser"]
            )
            os._exit(int(rc))
        except BaseException:
            os._exit(99)
    start = time.monotonic()
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            rc = os.waitstatus_to_exitcode(status)
            if rc == 0:
                return "survived"
            if rc in (1, 3):
                return "killed"
            return f"error({rc})"
        if time.monotonic() - start > timeout:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout"
        time.sleep(0.02)


def run_target(
    target: Target, timeout: float, verbose: bool, only: str = ""
) -> tuple[int, int, list[str]]:
    tests = [t for t in target.tests if (ROOT / t).exists()]
    # Import the tests (and the libraries they use) once, before forking: each child
    # then only collects and runs them.
    for module in ["tests.conftest", *(t[:-3].replace("/", ".") for t in tests)]:
        importlib.import_module(module)
    base = _run_child(None, None, tests, timeout * 4)
    if base != "survived":
        raise SystemExit(f"error: the tests of {target.name} fail unmutated ({base})")
    killed = total = 0
    survivors: list[str] = []
    for spec in target.functions:
        if only not in spec:
            continue
        _, parts, func = _resolve(spec)
        func = inspect.unwrap(func)
        node, _ = _function_source(func)
        relpath = os.path.relpath(func.__code__.co_filename, ROOT)
        for mutant in mutants_of(node, spec.split(":")[1]):
            tree = copy.deepcopy(node)
            mutant.apply(tree)
            try:
                code = _compile(tree, func)
            except (SyntaxError, ValueError, TypeError):
                continue
            result = _run_child(func, code, tests, timeout)
            if result.startswith("error"):
                survivors.append(f"  ? {relpath}:{mutant.line} {mutant.function}: {mutant.what}")
                continue  # a mutant that breaks collection is no evidence either way
            total += 1
            if result == "survived":
                survivors.append(f"  {relpath}:{mutant.line} {mutant.function}: {mutant.what}")
            else:
                killed += 1
            if verbose:
                print(f"{result:9} {relpath}:{mutant.line} {mutant.what}", file=sys.stderr)
    return killed, total, survivors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", help="targets to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the targets and exit")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per mutant")
    parser.add_argument(
        "-k", dest="only", default="", help="only the functions whose name contains this"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print every mutant")
    args = parser.parse_args(argv)
    by_name = {t.name: t for t in TARGETS}
    if args.list:
        for t in TARGETS:
            print(f"{t.name}: {', '.join(t.functions)}\n    tests: {' '.join(t.tests)}")
        return 0
    unknown = [n for n in args.targets if n not in by_name]
    if unknown:
        print(f"error: unknown target {unknown[0]!r} (see --list)", file=sys.stderr)
        return 2
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    chosen = [by_name[n] for n in args.targets] or list(TARGETS)
    all_killed = all_total = 0
    for target in chosen:
        start = time.monotonic()
        killed, total, survivors = run_target(target, args.timeout, args.verbose, args.only)
        all_killed += killed
        all_total += total
        score = 100 * killed / total if total else 100.0
        took = time.monotonic() - start
        print(f"{target.name}: {killed}/{total} killed ({score:.1f}%) in {took:.0f}s")
        for line in survivors:
            print(line)
        sys.stdout.flush()
    score = 100 * all_killed / all_total if all_total else 100.0
    print(f"overall: {all_killed}/{all_total} killed ({score:.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
